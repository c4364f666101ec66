/**
 * Decryption inside Lit Actions on a real 4-node network (startNetwork: hardhat chain, Ignition
 * deploy, node processes with the network key from the DKG): `Lit.Actions.checkConditions`,
 * `encrypt`, `decryptAndCombine` and `decryptToSingleNode`, against ciphertexts made by our SDK, and
 * the SDK decrypting what an action encrypted. Each request goes to every node directly so that each
 * node's own response can be read.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { Wallet, parseEther } from "ethers";
import { cidOf } from "../../src/protocol/cid";
import type { Network } from "../../src/network";
import { NOT_DECRYPTED_ON_THIS_NODE } from "../../src/node/actions/decryption";
import {
  LIT_ABILITY,
  accessControlConditionResource,
  decrypt,
  encrypt,
  litActionResource,
  requestAbility,
  DecryptionError,
  type NetworkClient,
  type SessionSigs,
} from "../../src/sdk";
import {
  balanceAtLeast as balanceOnChainAtLeast,
  launchWithHolder,
  sessionSigsFor,
} from "../helpers/launched";

const CHAIN = "yellowstone";

/** Awaits a decryption the test expects the network to refuse; returns the error. */
async function refusedDecryption(promise: Promise<unknown>): Promise<DecryptionError> {
  try {
    await promise;
  } catch (e) {
    expect(e).to.be.instanceOf(DecryptionError);
    return e as DecryptionError;
  }
  expect.fail("expected the decryption to be refused");
}

interface Answer {
  url: string;
  status: number;
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** The action's result: `{plain}` or `{error}` (every call is wrapped so a refusal is readable). */
const DECRYPT_ACTION = (fn: string) => `
  (async () => {
    try {
      const plain = await Lit.Actions.${fn}({
        accessControlConditions: jsParams.conditions,
        ciphertext: jsParams.ciphertext,
        dataToEncryptHash: jsParams.dataToEncryptHash,
        authSig: null,
        chain: "${CHAIN}",
      });
      Lit.Actions.setResponse({ response: JSON.stringify({ plain }) });
    } catch (e) {
      Lit.Actions.setResponse({ response: JSON.stringify({ error: String((e && e.message) || e) }) });
    }
  })();
`;

describe("decryption inside Lit Actions (4 real nodes: checkConditions, encrypt, decryptAndCombine, decryptToSingleNode)", function () {
  this.timeout(900_000);
  let network: Network;
  let client: NetworkClient;
  let holder: Wallet;
  let stranger: Wallet;
  let holderSigs: SessionSigs;
  let strangerSigs: SessionSigs;

  const sessionFor = (signer: Wallet) =>
    sessionSigsFor(client, signer, [
      requestAbility(litActionResource("*"), LIT_ABILITY.litActionExecution),
      requestAbility(accessControlConditionResource("*"), LIT_ABILITY.accessControlConditionDecryption),
    ]);
  const balanceAtLeast = (wei: bigint) => balanceOnChainAtLeast(CHAIN, wei);
  const actionIs = (cid: string) => [
    {
      contractAddress: "",
      standardContractType: "",
      chain: CHAIN,
      method: "",
      parameters: [":currentActionIpfsId"],
      returnValueTest: { comparator: "=", value: cid },
    },
  ];

  /** One execute request to every node (the same request id), each node's answer kept. */
  async function execute(
    code: string,
    jsParams: Record<string, unknown>,
    sessionSigs: SessionSigs,
  ): Promise<Answer[]> {
    const requestId = `lit_${randomBytes(16).toString("hex")}`;
    return Promise.all(
      client.nodes.map(async (n) => {
        const res = await fetch(n.url + "/web/execute/v1", {
          method: "POST",
          headers: { "content-type": "application/json", "x-request-id": requestId },
          body: JSON.stringify({
            code: Buffer.from(code).toString("base64"),
            jsParams,
            authSig: sessionSigs[n.url],
            epoch: Number(client.epoch.number),
          }),
        });
        return { url: n.url, status: res.status, body: (await res.json()) as Record<string, unknown> };
      }),
    );
  }

  function responses(answers: Answer[]): Record<string, unknown>[] {
    return answers.map((a) => {
      expect(a.status, JSON.stringify(a.body)).to.equal(200);
      expect(a.body.success, JSON.stringify(a.body)).to.equal(true);
      return JSON.parse(a.body.response as string) as Record<string, unknown>;
    });
  }

  before(async function () {
    ({ network, client, holder, stranger } = await launchWithHolder("pkp-exec-decrypt-"));
    holderSigs = await sessionFor(holder);
    strangerSigs = await sessionFor(stranger);
  });

  after(async () => {
    await network?.stop();
  });

  describe("decryptAndCombine", () => {
    it("decrypts an SDK ciphertext on every node for a requester who meets the condition", async () => {
      const conditions = balanceAtLeast(parseEther("1"));
      const { ciphertext, dataToEncryptHash } = await encrypt({
        client,
        accessControlConditions: conditions,
        data: "for the rich, inside an action",
      });
      const answers = await execute(
        DECRYPT_ACTION("decryptAndCombine"),
        { conditions, ciphertext, dataToEncryptHash },
        holderSigs,
      );
      for (const r of responses(answers))
        expect(r).to.deep.equal({ plain: "for the rich, inside an action" });
    });

    it("refuses a requester who does not meet the condition: the reason, no plaintext", async () => {
      const conditions = balanceAtLeast(parseEther("1"));
      const { ciphertext, dataToEncryptHash } = await encrypt({
        client,
        accessControlConditions: conditions,
        data: "not for strangers",
      });
      const answers = await execute(
        DECRYPT_ACTION("decryptAndCombine"),
        { conditions, ciphertext, dataToEncryptHash },
        strangerSigs,
      );
      for (const r of responses(answers)) {
        expect(r.plain).to.equal(undefined);
        expect(r.error).to.contain("decryptAndCombine: the access control conditions are not met");
        expect(r.error).to.contain(stranger.address);
      }
      for (const a of answers) expect(JSON.stringify(a.body)).not.to.contain("not for strangers");
    });

    it("only this action can decrypt (:currentActionIpfsId): the action decrypts, another action and the SDK cannot", async () => {
      const code = DECRYPT_ACTION("decryptAndCombine");
      const cid = await cidOf(code);
      const conditions = actionIs(cid);
      const { ciphertext, dataToEncryptHash } = await encrypt({
        client,
        accessControlConditions: conditions,
        data: "only action " + cid,
      });
      const ok = await execute(code, { conditions, ciphertext, dataToEncryptHash }, strangerSigs);
      for (const r of responses(ok)) expect(r).to.deep.equal({ plain: "only action " + cid });

      // The same code with one more statement is another CID: refused.
      const otherCode = code + "\n;void 0;\n";
      const other = await execute(otherCode, { conditions, ciphertext, dataToEncryptHash }, strangerSigs);
      for (const r of responses(other)) {
        expect(r.plain).to.equal(undefined);
        expect(r.error).to.contain("not met");
      }
      // Outside an action the condition has no value: every node refuses.
      expect(
        (
          await refusedDecryption(
            decrypt({
              client,
              accessControlConditions: conditions,
              ciphertext,
              dataToEncryptHash,
              sessionSigs: holderSigs,
            }),
          )
        ).message,
      ).to.contain("decryption refused");
    });

    it("refuses bad inputs with the reason: wrong hash, tampered ciphertext, malformed arguments", async () => {
      const conditions = balanceAtLeast(parseEther("1"));
      const { ciphertext, dataToEncryptHash } = await encrypt({
        client,
        accessControlConditions: conditions,
        data: "tamper with me",
      });
      const bytes = Buffer.from(ciphertext, "base64");
      bytes[bytes.length - 1] ^= 1;
      const cases: [Record<string, unknown>, string][] = [
        [{ conditions, ciphertext, dataToEncryptHash: "ab".repeat(32) }, "does not decrypt"],
        [{ conditions, ciphertext: bytes.toString("base64"), dataToEncryptHash }, "does not decrypt"],
        [{ conditions, ciphertext: "not base64!", dataToEncryptHash }, "ciphertext must be base64"],
        [{ conditions, ciphertext, dataToEncryptHash: "xyz" }, "dataToEncryptHash must be 64 hex"],
        [{ conditions: [{ bogus: true }], ciphertext, dataToEncryptHash }, "decryptAndCombine:"],
      ];
      for (const [jsParams, why] of cases) {
        const answers = await execute(DECRYPT_ACTION("decryptAndCombine"), jsParams, holderSigs);
        for (const r of responses(answers)) {
          expect(r.plain, why).to.equal(undefined);
          expect(r.error, why).to.contain(why);
        }
      }
    });
  });

  describe("checkConditions", () => {
    const code = `
      (async () => {
        const ok = await Lit.Actions.checkConditions({
          conditions: jsParams.conditions,
          authSig: jsParams.authSig ?? null,
          chain: "${CHAIN}",
        });
        Lit.Actions.setResponse({ response: JSON.stringify({ ok }) });
      })();
    `;

    it("is true for the session's wallet when it meets the conditions, false otherwise", async () => {
      const conditions = balanceAtLeast(parseEther("1"));
      for (const r of responses(await execute(code, { conditions }, holderSigs)))
        expect(r).to.deep.equal({ ok: true });
      for (const r of responses(await execute(code, { conditions }, strangerSigs)))
        expect(r).to.deep.equal({ ok: false });
    });

    it("evaluates :currentActionIpfsId as the running action's CID", async () => {
      const cid = await cidOf(code);
      for (const r of responses(await execute(code, { conditions: actionIs(cid) }, strangerSigs)))
        expect(r).to.deep.equal({ ok: true });
      const other = await cidOf(code + " ");
      for (const r of responses(await execute(code, { conditions: actionIs(other) }, strangerSigs)))
        expect(r).to.deep.equal({ ok: false });
    });

    it("with an authSig: evaluates for its signer; a forged or malformed authSig is refused", async () => {
      const conditions = balanceAtLeast(parseEther("1"));
      const signedMessage = `localhost wants you to sign in\n\nExpiration Time: ${new Date(Date.now() + 3600_000).toISOString()}`;
      const authSig = {
        sig: await holder.signMessage(signedMessage),
        derivedVia: "web3.eth.personal.sign",
        signedMessage,
        address: holder.address,
      };
      for (const r of responses(await execute(code, { conditions, authSig }, strangerSigs)))
        expect(r).to.deep.equal({ ok: true });
      const forged = { ...authSig, sig: await stranger.signMessage(signedMessage) };
      const bad = await execute(code, { conditions, authSig: forged }, strangerSigs);
      for (const a of bad) {
        expect(a.body.success).to.equal(false);
        expect(JSON.stringify(a.body.error)).to.contain("authSig is not signed by");
      }
      const expiredMessage = `x\n\nExpiration Time: ${new Date(Date.now() - 1000).toISOString()}`;
      const expired = {
        ...authSig,
        signedMessage: expiredMessage,
        sig: await holder.signMessage(expiredMessage),
      };
      for (const a of await execute(code, { conditions, authSig: expired }, strangerSigs)) {
        expect(a.body.success).to.equal(false);
        expect(JSON.stringify(a.body.error)).to.contain("authSig expired");
      }
      for (const a of await execute(code, { conditions: "nope" }, holderSigs)) {
        expect(a.body.success).to.equal(false);
        expect(JSON.stringify(a.body.error)).to.contain("conditions must be an array");
      }
    });

    it("refuses a session capability offered as a wallet AuthSig (lifted from session signatures)", async () => {
      const conditions = balanceAtLeast(parseEther("1"));
      const lifted = JSON.parse(holderSigs[client.nodes[0].url].signedMessage).capabilities[0];
      for (const a of await execute(code, { conditions, authSig: lifted }, strangerSigs)) {
        expect(a.body.success).to.equal(false);
        expect(JSON.stringify(a.body.error)).to.contain("authSig is a session capability");
      }
    });
  });

  describe("encrypt", () => {
    it("encrypts inside an action; the SDK's decrypt returns the plaintext (every node's ciphertext)", async () => {
      const conditions = balanceAtLeast(parseEther("1"));
      const code = `
        (async () => {
          const r = await Lit.Actions.encrypt({
            accessControlConditions: jsParams.conditions,
            to_encrypt: new TextEncoder().encode("made in an action"),
          });
          Lit.Actions.setResponse({ response: JSON.stringify(r) });
        })();
      `;
      const results = responses(await execute(code, { conditions }, holderSigs)) as {
        ciphertext: string;
        dataToEncryptHash: string;
      }[];
      // IBE is randomised: each node's ciphertext differs, the data hash does not.
      expect(new Set(results.map((r) => r.ciphertext)).size).to.equal(results.length);
      expect(new Set(results.map((r) => r.dataToEncryptHash)).size).to.equal(1);
      for (const r of results) {
        const out = await decrypt({
          client,
          accessControlConditions: conditions,
          ciphertext: r.ciphertext,
          dataToEncryptHash: r.dataToEncryptHash,
          sessionSigs: holderSigs,
        });
        expect(new TextDecoder().decode(out.decryptedData)).to.equal("made in an action");
      }
      expect(
        (
          await refusedDecryption(
            decrypt({
              client,
              accessControlConditions: conditions,
              ciphertext: results[0].ciphertext,
              dataToEncryptHash: results[0].dataToEncryptHash,
              sessionSigs: strangerSigs,
            }),
          )
        ).message,
      ).to.contain("decryption refused");
    });

    it("refuses to_encrypt that is not a string or bytes, and missing conditions", async () => {
      const code = `
        (async () => {
          await Lit.Actions.encrypt({ accessControlConditions: jsParams.conditions, to_encrypt: jsParams.data });
        })();
      `;
      for (const a of await execute(code, { conditions: balanceAtLeast(1n), data: { a: "x" } }, holderSigs)) {
        expect(a.body.success).to.equal(false);
        expect(JSON.stringify(a.body.error)).to.contain("to_encrypt must be a string or bytes");
      }
      for (const a of await execute(code, { data: "x" }, holderSigs)) {
        expect(a.body.success).to.equal(false);
        expect(JSON.stringify(a.body.error)).to.contain("give exactly one of");
      }
    });
  });

  describe("decryptToSingleNode", () => {
    it("exactly one node's response holds the plaintext; the others hold the marker", async () => {
      const conditions = balanceAtLeast(parseEther("1"));
      const { ciphertext, dataToEncryptHash } = await encrypt({
        client,
        accessControlConditions: conditions,
        data: "one node only",
      });
      const answers = await execute(
        DECRYPT_ACTION("decryptToSingleNode"),
        { conditions, ciphertext, dataToEncryptHash },
        holderSigs,
      );
      const rs = responses(answers);
      expect(rs.filter((r) => r.plain === "one node only")).to.have.length(1);
      expect(rs.filter((r) => r.plain === NOT_DECRYPTED_ON_THIS_NODE)).to.have.length(3);
    });

    it("refuses a requester who does not meet the condition on every node", async () => {
      const conditions = balanceAtLeast(parseEther("1"));
      const { ciphertext, dataToEncryptHash } = await encrypt({
        client,
        accessControlConditions: conditions,
        data: "still not for strangers",
      });
      const answers = await execute(
        DECRYPT_ACTION("decryptToSingleNode"),
        { conditions, ciphertext, dataToEncryptHash },
        strangerSigs,
      );
      for (const r of responses(answers)) {
        expect(r.plain).to.equal(undefined);
        expect(r.error).to.contain("decryptToSingleNode: the access control conditions are not met");
      }
    });
  });
});
