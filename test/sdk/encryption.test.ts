/**
 * The SDK's encrypt/decrypt against HTTP servers on 127.0.0.1 that answer `/web/encryption/sign/`
 * with real BLS shares of a real key dealt in the test (degree 2t, N = 4): the share checks, the
 * naming of nodes that return wrong or malformed shares, too few shares, and argument checks. The
 * conditions are not evaluated here (the real nodes do that: test/e2e/encryption.test.ts).
 */
import { expect } from "chai";
import type { Server } from "node:http";
import { bytesToHex } from "@noble/hashes/utils";
import { randomBytes } from "ethers";

import { encodeShareHex, signShare } from "../../src/crypto/bls";
import { hashConditionsHex, IDENTITY_PREFIX, type ConditionKind } from "../../src/crypto/conditions";
import { blsG1Group } from "../../src/crypto/group";
import { evaluate, randomPolynomial } from "../../src/crypto/polynomial";
import {
  DecryptionError,
  InvalidArgumentError,
  decrypt,
  decryptionAbility,
  encrypt,
  encryptionIdentityFor,
  type NetworkClient,
} from "../../src/sdk";
import { closeAll, fakeClient, listenLocal, placeholderSessionSig, replyJson } from "../helpers/fakeNodes";

type Behaviour = "honest" | "wrong-share" | "garbage" | "refuse" | "wrong-index";

const conditions = [
  {
    contractAddress: "",
    standardContractType: "",
    chain: "yellowstone",
    method: "",
    parameters: [":userAddress"],
    returnValueTest: { comparator: "=", value: "0x0000000000000000000000000000000000000001" },
  },
];

describe("sdk encrypt/decrypt (share verification against local BLS share servers)", function () {
  const n = 4;
  const t = 1;
  const poly = randomPolynomial(blsG1Group, 2 * t);
  const secretShare = (i: number) => evaluate(blsG1Group, poly, BigInt(i));
  const publicKey = blsG1Group.pointToBytes(blsG1Group.G.multiply(poly[0]));
  const publicKeyShares: Record<string, string> = {};
  for (let i = 1; i <= n; i++)
    publicKeyShares[String(i)] = bytesToHex(blsG1Group.pointToBytes(blsG1Group.G.multiply(secretShare(i))));
  const behaviour: Behaviour[] = ["honest", "honest", "honest", "honest"];
  const servers: Server[] = [];
  let client: NetworkClient;
  const sessionSigs: Record<string, never> = {};

  before(async () => {
    const nodes = [];
    for (let k = 0; k < n; k++) {
      const index = k + 1;
      const { server, url } = await listenLocal((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          const b = JSON.parse(body) as Record<string, unknown>;
          const kind = (
            [
              "accessControlConditions",
              "evmContractConditions",
              "unifiedAccessControlConditions",
            ] as ConditionKind[]
          ).find((x) => b[x] !== undefined)!;
          const identity = `${IDENTITY_PREFIX}${hashConditionsHex(kind, b[kind] as unknown[])}/${String(b.dataToEncryptHash)}`;
          const mode = behaviour[k];
          if (mode === "refuse") {
            replyJson(res, 403, {
              errorKind: "Unauthorized",
              errorCode: "NotPermitted",
              status: 403,
              message: "the access control conditions are not met",
              correlationId: "x",
              details: ["reason: ConditionsNotMet"],
            });
            return;
          }
          let share: string;
          if (mode === "garbage") share = "zz";
          else if (mode === "wrong-share")
            share = encodeShareHex(signShare(index, secretShare(index) + 1n, identity));
          else if (mode === "wrong-index")
            share = encodeShareHex(signShare(index === 4 ? 3 : 4, secretShare(index), identity));
          else share = encodeShareHex(signShare(index, secretShare(index), identity));
          replyJson(res, 200, {
            result: "success",
            signatureShare: { ProofOfPossession: share },
            shareIndex: index - 1,
            curveType: "BLS",
            pkpNetwork: { index, publicKeyShares },
          });
        });
      });
      servers.push(server);
      nodes.push({ url, nodeAddress: `0x${index.toString(16).padStart(40, "0")}`, index });
      (sessionSigs as Record<string, unknown>)[url] = placeholderSessionSig();
    }
    client = fakeClient(nodes, t, {
      subnetPublicKey: bytesToHex(publicKey),
      networkPublicKey: bytesToHex(publicKey),
      networkPublicKeySet: bytesToHex(publicKey),
    });
  });

  afterEach(() => behaviour.fill("honest"));
  after(async () => {
    await closeAll(servers);
  });

  it("round-trips bytes and strings", async () => {
    const data = randomBytes(5000);
    const enc = await encrypt({ client, accessControlConditions: conditions, data });
    expect(enc.dataToEncryptHash).to.match(/^[0-9a-f]{64}$/);
    expect(Buffer.from(enc.ciphertext, "base64").length).to.be.greaterThan(data.length);
    const out = await decrypt({ client, accessControlConditions: conditions, ...enc, sessionSigs });
    expect(Buffer.from(out.decryptedData).equals(Buffer.from(data))).to.equal(true);
    expect(out.signers).to.deep.equal([1, 2, 3, 4]);
    const s = await encrypt({ client, accessControlConditions: conditions, data: "héllo" });
    const so = await decrypt({
      client,
      accessControlConditions: conditions,
      ...s,
      sessionSigs,
      ciphertext: Buffer.from(s.ciphertext, "base64"),
    });
    expect(new TextDecoder().decode(so.decryptedData)).to.equal("héllo");
  });

  it("names a node whose share is wrong and decrypts with the others", async () => {
    behaviour[1] = "wrong-share";
    const enc = await encrypt({ client, accessControlConditions: conditions, data: "one liar" });
    const out = await decrypt({ client, accessControlConditions: conditions, ...enc, sessionSigs });
    expect(new TextDecoder().decode(out.decryptedData)).to.equal("one liar");
    expect(out.culprits.map((c) => c.url)).to.deep.equal([client.nodes[1].url]);
    expect(out.signers).to.deep.equal([1, 3, 4]);
  });

  it("names a node whose share is not a share, or claims another index", async () => {
    behaviour[0] = "garbage";
    const enc = await encrypt({ client, accessControlConditions: conditions, data: "garbage" });
    const out = await decrypt({ client, accessControlConditions: conditions, ...enc, sessionSigs });
    expect(out.culprits.map((c) => c.index)).to.deep.equal([1]);
    behaviour.fill("honest");
    behaviour[3] = "wrong-index";
    const out2 = await decrypt({ client, accessControlConditions: conditions, ...enc, sessionSigs });
    expect(out2.culprits.map((c) => c.index)).to.deep.equal([4]);
    expect(out2.culprits[0].reason).to.match(/claims identifier 3/);
  });

  it("fails naming both culprits when two of four shares are wrong", async () => {
    behaviour[0] = "wrong-share";
    behaviour[2] = "wrong-share";
    const enc = await encrypt({ client, accessControlConditions: conditions, data: "two liars" });
    let error: DecryptionError | undefined;
    try {
      await decrypt({ client, accessControlConditions: conditions, ...enc, sessionSigs });
    } catch (e) {
      error = e as DecryptionError;
    }
    expect(error).to.be.instanceOf(DecryptionError);
    expect(error!.culprits.map((c) => c.index).sort()).to.deep.equal([1, 3]);
  });

  it("fails with every refusal listed when fewer than 2t+1 nodes release a share", async () => {
    behaviour[0] = "refuse";
    behaviour[1] = "refuse";
    const enc = await encrypt({ client, accessControlConditions: conditions, data: "refused" });
    let error: DecryptionError | undefined;
    try {
      await decrypt({ client, accessControlConditions: conditions, ...enc, sessionSigs });
    } catch (e) {
      error = e as DecryptionError;
    }
    expect(error).to.be.instanceOf(DecryptionError);
    expect(error!.message).to.contain("2 of 3 decryption shares released");
    expect(error!.failures.map((f) => f.url).sort()).to.deep.equal(
      [client.nodes[0].url, client.nodes[1].url].sort(),
    );
    expect(error!.failures[0].reason).to.contain("ConditionsNotMet");
  });

  it("reports a node that cannot be reached", async () => {
    const dead = {
      ...client,
      nodes: [
        ...client.nodes.slice(0, 3),
        { url: "http://127.0.0.1:1", nodeAddress: "0x" + "9".repeat(40), index: 4 },
      ],
    };
    const enc = await encrypt({ client, accessControlConditions: conditions, data: "one down" });
    const out = await decrypt({
      client: dead,
      accessControlConditions: conditions,
      ...enc,
      sessionSigs: { ...sessionSigs, "http://127.0.0.1:1": sessionSigs[client.nodes[0].url] },
    });
    expect(new TextDecoder().decode(out.decryptedData)).to.equal("one down");
    expect(out.failures.map((f) => f.url)).to.deep.equal(["http://127.0.0.1:1"]);
  });

  it("names the identity and the session resource the same way Lit's client does", () => {
    const hash = "ab".repeat(32);
    expect(encryptionIdentityFor({ accessControlConditions: conditions }, hash)).to.equal(
      `lit-accesscontrolcondition://${hashConditionsHex("accessControlConditions", conditions)}/${hash}`,
    );
    expect(decryptionAbility({ accessControlConditions: conditions }, hash)).to.deep.equal({
      resource: {
        resource: `${hashConditionsHex("accessControlConditions", conditions)}/${hash}`,
        resourcePrefix: "lit-accesscontrolcondition",
      },
      ability: "access-control-condition-decryption",
    });
  });

  describe("argument checks (before any request)", () => {
    const refused = async (p: Promise<unknown>, argument: string) => {
      let error: InvalidArgumentError | undefined;
      try {
        await p;
      } catch (e) {
        error = e as InvalidArgumentError;
      }
      expect(error, "refused").to.be.instanceOf(InvalidArgumentError);
      expect(error!.argument).to.equal(argument);
    };

    it("encrypt: no conditions, two kinds, empty, bad data, no network key", async () => {
      await refused(encrypt({ client, data: "x" }), "conditions");
      await refused(
        encrypt({
          client,
          accessControlConditions: conditions,
          evmContractConditions: conditions,
          data: "x",
        }),
        "conditions",
      );
      await refused(encrypt({ client, accessControlConditions: [], data: "x" }), "conditions");
      await refused(encrypt({ client, accessControlConditions: conditions, data: 5 as never }), "data");
      await refused(
        encrypt({ client: { subnetPublicKey: "" }, accessControlConditions: conditions, data: "x" }),
        "client",
      );
    });

    it("decrypt: bad dataToEncryptHash, bad ciphertext", async () => {
      await refused(
        decrypt({
          client,
          accessControlConditions: conditions,
          ciphertext: "AAAA",
          dataToEncryptHash: "12",
          sessionSigs,
        }),
        "dataToEncryptHash",
      );
      await refused(
        decrypt({
          client,
          accessControlConditions: conditions,
          ciphertext: "not base64!",
          dataToEncryptHash: "ab".repeat(32),
          sessionSigs,
        }),
        "ciphertext",
      );
    });

    it("decrypt: a ciphertext too short to be one is refused after the key is combined", async () => {
      let error: unknown;
      try {
        await decrypt({
          client,
          accessControlConditions: conditions,
          ciphertext: "AAAA",
          dataToEncryptHash: "ab".repeat(32),
          sessionSigs,
        });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(DecryptionError);
      expect((error as Error).message).to.match(/does not decrypt/);
    });
  });
});
