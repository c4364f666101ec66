/**
 * Decryption with access control conditions against a real 4-node network (hardhat node child,
 * Ignition deployment, IPFS gateway, four node processes on 127.0.0.1): our SDK's encrypt/decrypt for
 * every kind of condition, refusals with the reason and no share, a condition that stops holding
 * on-chain, tampered and mismatched inputs, a 50 MB round trip, and Lit's own published client
 * (`@lit-protocol/lit-node-client-nodejs` 7.4.0) both ways.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import hre from "hardhat";
import os from "node:os";
import path from "node:path";
import { Contract, ContractFactory, Wallet, parseEther, randomBytes, type Signer } from "ethers";
import { LitNodeClientNodeJs } from "@lit-protocol/lit-node-client-nodejs";
import {
  LitAccessControlConditionResource,
  createSiweMessage,
  createSiweMessageWithRecaps,
  generateAuthSig,
} from "@lit-protocol/auth-helpers";
import { SiweMessage } from "siwe";
import { LIT_ABILITY } from "@lit-protocol/constants";

import type { Network } from "../../src/network";
import { publishToGateway } from "../../src/network/gateway";
import { REPO_ROOT } from "../../src/node/command";
import {
  DecryptionError,
  STAKING_ABI,
  accessControlConditionResource,
  decrypt,
  decryptionAbility,
  encrypt,
  getSessionSigs,
  requestAbility,
  type NetworkClient,
  type SessionSigs,
} from "../../src/sdk";
import {
  balanceAtLeast as balanceOnChainAtLeast,
  launchWithHolder,
  sessionSigsFor,
} from "../helpers/launched";

const CHAIN = "yellowstone";

async function expectDecryptionError(promise: Promise<unknown>): Promise<DecryptionError> {
  try {
    await promise;
  } catch (e) {
    expect(e).to.be.instanceOf(DecryptionError);
    return e as DecryptionError;
  }
  expect.fail("expected the decryption to be refused");
}

function artifact(name: string): { abi: unknown[]; bytecode: string } {
  return JSON.parse(
    readFileSync(
      path.join(REPO_ROOT, "artifacts", "contracts", "mocks", "ConditionTokenMocks.sol", `${name}.json`),
      "utf8",
    ),
  );
}

describe("decryption with access control conditions (4 real nodes)", function () {
  this.timeout(600_000);
  let network: Network;
  let admin: Signer;
  let client: NetworkClient;
  let holder: Wallet;
  let stranger: Wallet;
  let holderSigs: SessionSigs;
  let strangerSigs: SessionSigs;
  let erc721: Contract;
  let views: Contract;

  const sessionFor = (signer: Wallet) =>
    sessionSigsFor(client, signer, [
      requestAbility(accessControlConditionResource("*"), "access-control-condition-decryption"),
    ]);
  const balanceAtLeast = (wei: bigint) => balanceOnChainAtLeast(CHAIN, wei);
  const ownsToken = (tokenId: bigint) => ({
    contractAddress: erc721.target as string,
    standardContractType: "ERC721",
    chain: CHAIN,
    method: "ownerOf",
    parameters: [tokenId.toString()],
    returnValueTest: { comparator: "=", value: ":userAddress" },
  });
  const isMember = () => ({
    contractAddress: views.target as string,
    functionName: "isMember",
    functionParams: [":userAddress"],
    functionAbi: {
      name: "isMember",
      inputs: [{ name: "", type: "address", internalType: "address" }],
      outputs: [{ name: "", type: "bool", internalType: "bool" }],
      stateMutability: "view",
      constant: true,
    },
    chain: CHAIN,
    returnValueTest: { key: "", comparator: "=", value: "true" },
  });

  before(async function () {
    ({ network, admin, client, holder, stranger } = await launchWithHolder("pkp-e2e-enc-"));
    const deploy = async (name: string) => {
      const a = artifact(name);
      const c = await new ContractFactory(a.abi as never, a.bytecode, admin).deploy();
      await c.waitForDeployment();
      return new Contract(await c.getAddress(), a.abi as never, admin);
    };
    erc721 = await deploy("ConditionERC721Mock");
    views = await deploy("ConditionViewsMock");
    await (await erc721.mint(holder.address, 1n)).wait();
    await (await erc721.mint(holder.address, 2n)).wait();
    await (await erc721.mint(holder.address, 3n)).wait();
    await (await views.setMember(holder.address, true, 2n)).wait();
    holderSigs = await sessionFor(holder);
    strangerSigs = await sessionFor(stranger);
  });

  after(async () => {
    await network?.stop();
  });

  describe("a user who meets the condition decrypts; one who does not is refused with the reason", () => {
    it("native balance (eth_getBalance)", async () => {
      const accessControlConditions = balanceAtLeast(parseEther("1"));
      const { ciphertext, dataToEncryptHash } = await encrypt({
        client,
        accessControlConditions,
        data: "rich only",
      });
      expect(dataToEncryptHash).to.match(/^[0-9a-f]{64}$/);
      const ok = await decrypt({
        client,
        accessControlConditions,
        ciphertext,
        dataToEncryptHash,
        sessionSigs: holderSigs,
      });
      expect(new TextDecoder().decode(ok.decryptedData)).to.equal("rich only");
      expect(ok.signers).to.have.length(4);
      expect(ok.culprits).to.deep.equal([]);
      const refused = await expectDecryptionError(
        decrypt({
          client,
          accessControlConditions,
          ciphertext,
          dataToEncryptHash,
          sessionSigs: strangerSigs,
        }),
      );
      expect(refused.failures).to.have.length(4);
      for (const f of refused.failures) {
        expect(f.status).to.equal(403);
        expect(f.reason).to.contain("ConditionsNotMet");
        expect(f.reason).to.contain(stranger.address);
      }
      expect(refused.message).to.contain("0 of 3 decryption shares released");
    });

    it("releases no share to a refused user (raw request: 403, Lit's error body, no signatureShare)", async () => {
      const accessControlConditions = balanceAtLeast(parseEther("1"));
      const { hashConditionsHex } = await import("../../src/crypto/conditions");
      const hash = hashConditionsHex("accessControlConditions", accessControlConditions);
      const url = client.nodes[0].url;
      const res = await fetch(`${url}/web/encryption/sign/`, {
        method: "POST",
        headers: { "content-type": "application/json", "X-Request-Id": "lit_00ff" },
        body: JSON.stringify({
          accessControlConditions,
          dataToEncryptHash: "ab".repeat(32),
          chain: CHAIN,
          authSig: strangerSigs[url],
          epoch: Number(client.epoch.number),
        }),
      });
      const body = (await res.json()) as Record<string, unknown>;
      expect(res.status).to.equal(403);
      expect(body.errorCode).to.equal("NotPermitted");
      expect(body.details).to.include("reason: ConditionsNotMet");
      expect(body).to.not.have.property("signatureShare");
      expect(hash).to.match(/^[0-9a-f]{64}$/);
    });

    it("ERC-721 owner (ownerOf = :userAddress)", async () => {
      const accessControlConditions = [ownsToken(1n)];
      const data = randomBytes(1024);
      const enc = await encrypt({ client, accessControlConditions, data });
      const ok = await decrypt({ client, accessControlConditions, ...enc, sessionSigs: holderSigs });
      expect(Buffer.from(ok.decryptedData).equals(Buffer.from(data))).to.equal(true);
      const refused = await expectDecryptionError(
        decrypt({ client, accessControlConditions, ...enc, sessionSigs: strangerSigs }),
      );
      expect(refused.failures.every((f) => f.status === 403)).to.equal(true);
    });

    it("contract call (evmContractConditions)", async () => {
      const evmContractConditions = [isMember()];
      const enc = await encrypt({ client, evmContractConditions, data: "members only" });
      const ok = await decrypt({ client, evmContractConditions, ...enc, sessionSigs: holderSigs });
      expect(new TextDecoder().decode(ok.decryptedData)).to.equal("members only");
      const refused = await expectDecryptionError(
        decrypt({ client, evmContractConditions, ...enc, sessionSigs: strangerSigs }),
      );
      expect(refused.failures[0].reason).to.contain("isMember");
    });

    it("nested and/or (unified conditions)", async () => {
      const unifiedAccessControlConditions = [
        { conditionType: "evmBasic", ...balanceAtLeast(parseEther("1000"))[0] },
        { operator: "or" },
        [
          { conditionType: "evmBasic", ...ownsToken(2n) },
          { operator: "and" },
          { conditionType: "evmContract", ...isMember() },
        ],
      ];
      const enc = await encrypt({ client, unifiedAccessControlConditions, data: "nested" });
      const ok = await decrypt({ client, unifiedAccessControlConditions, ...enc, sessionSigs: holderSigs });
      expect(new TextDecoder().decode(ok.decryptedData)).to.equal("nested");
      await expectDecryptionError(
        decrypt({ client, unifiedAccessControlConditions, ...enc, sessionSigs: strangerSigs }),
      );
    });

    it("Lit Action (ipfs://<CID>): the action decides", async () => {
      const code = "const go = async (threshold, user) => Number(threshold) > 10 && user.startsWith('0x');\n";
      const { cid } = await publishToGateway(network.gateway!.url, code);
      const action = (param: string) => [
        {
          contractAddress: `ipfs://${cid}`,
          standardContractType: "LitAction",
          chain: CHAIN,
          method: "go",
          parameters: [param, ":userAddress"],
          returnValueTest: { comparator: "=", value: "true" },
        },
      ];
      const yes = action("40");
      const enc = await encrypt({ client, accessControlConditions: yes, data: "approved by an action" });
      // The first Lit Action condition starts each node's sandbox process (slow on a loaded machine).
      const ok = await decrypt({
        client,
        accessControlConditions: yes,
        ...enc,
        sessionSigs: strangerSigs,
        timeoutMs: 180_000,
      });
      expect(new TextDecoder().decode(ok.decryptedData)).to.equal("approved by an action");
      const no = action("5");
      const enc2 = await encrypt({ client, accessControlConditions: no, data: "refused by an action" });
      const refused = await expectDecryptionError(
        decrypt({
          client,
          accessControlConditions: no,
          ...enc2,
          sessionSigs: holderSigs,
          timeoutMs: 120_000,
        }),
      );
      expect(refused.failures[0].reason).to.contain(`Lit Action ${cid}`);
    });
  });

  it("stops decrypting from the next block once the condition no longer holds on-chain", async () => {
    const accessControlConditions = [ownsToken(3n)];
    const enc = await encrypt({ client, accessControlConditions, data: "until you sell it" });
    await decrypt({ client, accessControlConditions, ...enc, sessionSigs: holderSigs });
    await (await erc721.burn(3n)).wait();
    const refused = await expectDecryptionError(
      decrypt({ client, accessControlConditions, ...enc, sessionSigs: holderSigs }),
    );
    expect(refused.failures).to.have.length(4);
    for (const f of refused.failures) expect(f.reason).to.contain("the call reverted");
  });

  describe("bad inputs fail cleanly", () => {
    const accessControlConditions = () => balanceAtLeast(parseEther("1"));

    it("a tampered ciphertext", async () => {
      const enc = await encrypt({
        client,
        accessControlConditions: accessControlConditions(),
        data: "do not touch",
      });
      const bytes = Buffer.from(enc.ciphertext, "base64");
      bytes[bytes.length - 5] ^= 1;
      const e = await expectDecryptionError(
        decrypt({
          client,
          accessControlConditions: accessControlConditions(),
          ciphertext: bytes.toString("base64"),
          dataToEncryptHash: enc.dataToEncryptHash,
          sessionSigs: holderSigs,
        }),
      );
      expect(e.message).to.match(/does not decrypt/);
    });

    it("other conditions than those encrypted to (which the user meets)", async () => {
      const enc = await encrypt({
        client,
        accessControlConditions: accessControlConditions(),
        data: "bound to its conditions",
      });
      const e = await expectDecryptionError(
        decrypt({ client, accessControlConditions: balanceAtLeast(1n), ...enc, sessionSigs: holderSigs }),
      );
      expect(e.message).to.match(/does not decrypt/);
    });

    it("a wrong dataToEncryptHash", async () => {
      const enc = await encrypt({
        client,
        accessControlConditions: accessControlConditions(),
        data: "bound to its hash",
      });
      const e = await expectDecryptionError(
        decrypt({
          client,
          accessControlConditions: accessControlConditions(),
          ciphertext: enc.ciphertext,
          dataToEncryptHash: "00".repeat(32),
          sessionSigs: holderSigs,
        }),
      );
      expect(e.message).to.match(/does not decrypt/);
    });

    it("more than 30 conditions: every node refuses with 400 TooManyConditions", async () => {
      const many: unknown[] = [];
      for (let k = 0; k < 31; k++) many.push(...(k ? [{ operator: "or" }] : []), balanceAtLeast(1n)[0]);
      const enc = await encrypt({ client, accessControlConditions: many, data: "x" });
      const e = await expectDecryptionError(
        decrypt({ client, accessControlConditions: many, ...enc, sessionSigs: holderSigs }),
      );
      for (const f of e.failures) {
        expect(f.status).to.equal(400);
        expect(f.reason).to.contain("TooManyConditions");
      }
    });

    it("a session for another encryption's resource", async () => {
      const enc = await encrypt({
        client,
        accessControlConditions: accessControlConditions(),
        data: "narrow session",
      });
      const other = await encrypt({
        client,
        accessControlConditions: accessControlConditions(),
        data: "another file",
      });
      const { sessionSigs } = await getSessionSigs({
        signer: holder,
        nodeUrls: client.nodes.map((x) => x.url),
        latestBlockhash: client.latestBlockhash,
        resourceAbilityRequests: [
          decryptionAbility({ accessControlConditions: accessControlConditions() }, other.dataToEncryptHash),
        ],
      });
      const e = await expectDecryptionError(
        decrypt({ client, accessControlConditions: accessControlConditions(), ...enc, sessionSigs }),
      );
      for (const f of e.failures) {
        expect(f.status).to.equal(403);
        expect(f.reason).to.contain("CapabilityForOtherResource");
      }
      const ok = await decrypt({
        client,
        accessControlConditions: accessControlConditions(),
        ...other,
        sessionSigs,
      });
      expect(new TextDecoder().decode(ok.decryptedData)).to.equal("another file");
    });
  });

  it("round-trips a 50 MB file", async () => {
    const data = new Uint8Array(50 * 1024 * 1024);
    for (let o = 0; o < data.length; o += 65536) data.set(randomBytes(Math.min(65536, data.length - o)), o);
    const accessControlConditions = balanceAtLeast(parseEther("1"));
    const enc = await encrypt({ client, accessControlConditions, data });
    const ok = await decrypt({ client, accessControlConditions, ...enc, sessionSigs: holderSigs });
    expect(ok.decryptedData.length).to.equal(data.length);
    expect(Buffer.from(ok.decryptedData).equals(Buffer.from(data))).to.equal(true);
  });

  describe("tasks encrypt and decrypt", () => {
    let dir: string;
    const run = async (name: string, args: Record<string, unknown>) => {
      const log = console.log;
      console.log = () => undefined;
      try {
        return (await hre.run(name, { dataDir: network.dataDir, json: true, ...args })) as Record<
          string,
          unknown
        >;
      } finally {
        console.log = log;
      }
    };
    const runError = async (name: string, args: Record<string, unknown>): Promise<Error> => {
      try {
        await run(name, args);
      } catch (e) {
        return e as Error;
      }
      expect.fail(`${name} should have failed`);
    };
    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), "pkp-enc-task-"));
    });

    it("encrypts a string to a bundle and decrypts it (the first account meets the condition)", async () => {
      const out = path.join(dir, "hello.json");
      const enc = await run("encrypt", {
        text: "hello from a task",
        conditions: JSON.stringify(balanceAtLeast(parseEther("1"))),
        out,
      });
      expect(enc.out).to.equal(out);
      const bundle = JSON.parse(readFileSync(out, "utf8")) as Record<string, unknown>;
      expect(bundle.chain).to.equal(CHAIN);
      expect(bundle.accessControlConditions).to.have.length(1);
      const dec = await run("decrypt", { in: out });
      expect(dec.text).to.equal("hello from a task");
      expect(dec.bytes).to.equal(17);
    });

    it("encrypts a file (conditions from a file) and writes the plaintext to a file", async () => {
      const data = randomBytes(100_000);
      const input = path.join(dir, "data.bin");
      const conditionsFile = path.join(dir, "conditions.json");
      writeFileSync(input, data);
      writeFileSync(conditionsFile, JSON.stringify({ evmContractConditions: [isMember()] }));
      await (await views.setMember(await admin.getAddress(), true, 1n)).wait();
      const bundle = path.join(dir, "data.json");
      await run("encrypt", { file: input, conditionsFile, out: bundle });
      const plain = path.join(dir, "data.out");
      await run("decrypt", { in: bundle, out: plain });
      expect(readFileSync(plain).equals(Buffer.from(data))).to.equal(true);
    });

    it("fails with the nodes' reason when the account does not meet the conditions", async () => {
      const out = path.join(dir, "whale.json");
      await run("encrypt", {
        text: "whales only",
        conditions: JSON.stringify(balanceAtLeast(10n ** 30n)),
        out,
      });
      const e = await runError("decrypt", { in: out });
      expect(e.message).to.contain("0 of 3 decryption shares released");
    });

    it("refuses bad arguments", async () => {
      const conditions = JSON.stringify(balanceAtLeast(1n));
      expect((await runError("encrypt", { text: "a", file: "x", conditions })).message).to.match(
        /exactly one of --text/,
      );
      expect((await runError("encrypt", { text: "a" })).message).to.match(/exactly one of --conditions/);
      expect((await runError("encrypt", { text: "a", conditions: "{not json" })).message).to.match(
        /not JSON/,
      );
      expect((await runError("encrypt", { text: "a", conditions: "[]", kind: "bogus" })).message).to.match(
        /kind/,
      );
      expect((await runError("decrypt", { in: path.join(dir, "missing.json") })).message).to.match(
        /no such file/,
      );
    });
  });

  describe("a plain wallet AuthSig (a SIWE signed by the wallet, no session)", () => {
    const accessControlConditions = () => balanceAtLeast(parseEther("1"));

    /** POSTs `/web/encryption/sign/` to every node with `authSig`; each node's status and body. */
    async function signEverywhere(authSig: unknown) {
      const requestId = `lit_${Buffer.from(randomBytes(8)).toString("hex")}`;
      return Promise.all(
        client.nodes.map(async ({ url }) => {
          const res = await fetch(`${url}/web/encryption/sign/`, {
            method: "POST",
            headers: { "content-type": "application/json", "X-Request-Id": requestId },
            body: JSON.stringify({
              accessControlConditions: accessControlConditions(),
              dataToEncryptHash: "ab".repeat(32),
              chain: CHAIN,
              authSig,
              epoch: Number(client.epoch.number),
            }),
          });
          return { url, status: res.status, body: (await res.json()) as Record<string, unknown> };
        }),
      );
    }

    function refusedEverywhere(answers: Awaited<ReturnType<typeof signEverywhere>>, reason: string) {
      expect(answers).to.have.length(client.nodes.length);
      for (const a of answers) {
        expect(a.status, a.url).to.equal(401);
        expect(a.body.errorKind).to.equal("Unauthorized");
        expect(a.body.errorCode).to.equal("Unauthorized");
        expect(a.body.details).to.include(`reason: ${reason}`);
        expect(a.body).to.not.have.property("signatureShare");
      }
    }

    async function holderSiwe(fields: { domain: string; uri: string; chainId: number }) {
      const now = new Date();
      const message = new SiweMessage({
        ...fields,
        address: holder.address,
        statement: "Sign in",
        version: "1",
        nonce: (await admin.provider!.getBlock("latest"))!.hash!,
        issuedAt: now.toISOString(),
        expirationTime: new Date(now.getTime() + 3600_000).toISOString(),
      }).prepareMessage();
      return {
        sig: await holder.signMessage(message),
        derivedVia: "web3.eth.personal.sign",
        signedMessage: message,
        address: holder.address,
      };
    }

    it("refuses a session capability offered as a wallet AuthSig for decryption", async () => {
      // The holder's wallet capability, which every node (and anyone on the path) sees inside the
      // holder's session signatures.
      const capability = JSON.parse(holderSigs[client.nodes[0].url].signedMessage).capabilities[0];
      expect(new SiweMessage(capability.signedMessage).uri).to.match(/^lit:session:/);
      refusedEverywhere(await signEverywhere(capability), "SessionCapabilityAsWalletAuthSig");
    });

    it("refuses a SIWE for another chain as a wallet AuthSig", async () => {
      const polygon = await holderSiwe({
        domain: "evil.example",
        uri: "https://evil.example/",
        chainId: 137,
      });
      refusedEverywhere(await signEverywhere(polygon), "SiweChainNotAccepted");
    });

    it("releases shares for a wallet AuthSig on Lit's default chain and on the node's own chain", async () => {
      for (const chainId of [1, 31337]) {
        const authSig = await holderSiwe({ domain: "localhost", uri: "https://localhost/login", chainId });
        for (const a of await signEverywhere(authSig)) {
          expect(a.status, JSON.stringify(a.body)).to.equal(200);
          expect(a.body).to.have.property("signatureShare");
        }
      }
    });
  });

  describe("Lit's own client (@lit-protocol/lit-node-client-nodejs 7.4.0)", () => {
    let lit: LitNodeClientNodeJs;
    let litSigs: Awaited<ReturnType<LitNodeClientNodeJs["getSessionSigs"]>>;
    let quiet: [typeof console.log, typeof console.warn, typeof console.error];
    const accessControlConditions = () => balanceAtLeast(parseEther("1")) as never[];

    before(async () => {
      quiet = [console.log, console.warn, console.error];
      console.log = console.warn = () => undefined;
      lit = new LitNodeClientNodeJs({
        litNetwork: "custom",
        rpcUrl: network.info.rpcUrl,
        checkNodeAttestation: false,
        debug: false,
        contractContext: { Staking: { address: network.info.contracts.staking, abi: [...STAKING_ABI] } },
      } as ConstructorParameters<typeof LitNodeClientNodeJs>[0]);
      await lit.connect();
      litSigs = await lit.getSessionSigs({
        chain: "ethereum",
        resourceAbilityRequests: [
          {
            resource: new LitAccessControlConditionResource("*"),
            ability: LIT_ABILITY.AccessControlConditionDecryption,
          },
        ],
        authNeededCallback: async ({ uri, expiration, resourceAbilityRequests }) => {
          const toSign = await createSiweMessageWithRecaps({
            uri: uri!,
            expiration: expiration!,
            resources: resourceAbilityRequests!,
            walletAddress: holder.address,
            nonce: await lit.getLatestBlockhash(),
            litNodeClient: lit,
          });
          return generateAuthSig({ signer: holder, toSign });
        },
      });
    });
    after(async () => {
      await lit?.disconnect();
      [console.log, console.warn, console.error] = quiet;
    });

    it("encrypts and decrypts through our nodes", async () => {
      const data = new TextEncoder().encode("Lit's client, our network");
      const enc = await lit.encrypt({
        accessControlConditions: accessControlConditions(),
        dataToEncrypt: data,
      });
      const { decryptedData } = await lit.decrypt({
        accessControlConditions: accessControlConditions(),
        ...enc,
        chain: CHAIN,
        sessionSigs: litSigs,
      });
      expect(new TextDecoder().decode(decryptedData)).to.equal("Lit's client, our network");
    });

    it("a ciphertext made by Lit's client decrypts with our SDK", async () => {
      const data = randomBytes(3000);
      const enc = await lit.encrypt({
        accessControlConditions: accessControlConditions(),
        dataToEncrypt: data,
      });
      const ok = await decrypt({
        client,
        accessControlConditions: accessControlConditions(),
        ...enc,
        sessionSigs: holderSigs,
      });
      expect(Buffer.from(ok.decryptedData).equals(Buffer.from(data))).to.equal(true);
    });

    it("a ciphertext made by our SDK decrypts with Lit's client", async () => {
      const data = randomBytes(3000);
      const enc = await encrypt({ client, accessControlConditions: accessControlConditions(), data });
      const { decryptedData } = await lit.decrypt({
        accessControlConditions: accessControlConditions(),
        ...enc,
        chain: CHAIN,
        sessionSigs: litSigs,
      });
      expect(Buffer.from(decryptedData).equals(Buffer.from(data))).to.equal(true);
    });

    it("decrypts unified conditions sent in Lit's canonical form (conditionType dropped)", async () => {
      const unifiedAccessControlConditions = [
        { conditionType: "evmBasic" as const, ...balanceAtLeast(parseEther("1"))[0] },
        { operator: "and" },
        { conditionType: "evmContract" as const, ...isMember() },
      ];
      const data = new TextEncoder().encode("unified through Lit");
      const enc = await lit.encrypt({ unifiedAccessControlConditions, dataToEncrypt: data } as never);
      const { decryptedData } = await lit.decrypt({
        unifiedAccessControlConditions,
        ...enc,
        chain: CHAIN,
        sessionSigs: litSigs,
      } as never);
      expect(new TextDecoder().decode(decryptedData)).to.equal("unified through Lit");
    });

    it("decrypts with a plain wallet AuthSig made with Lit's defaults (createSiweMessage, generateAuthSig)", async () => {
      const data = new TextEncoder().encode("a wallet AuthSig, no session");
      const enc = await lit.encrypt({
        accessControlConditions: accessControlConditions(),
        dataToEncrypt: data,
      });
      const toSign = await createSiweMessage({
        walletAddress: holder.address,
        nonce: await lit.getLatestBlockhash(),
        litNodeClient: lit,
      });
      const authSig = await generateAuthSig({ signer: holder, toSign });
      const { decryptedData } = await lit.decrypt({
        accessControlConditions: accessControlConditions(),
        ...enc,
        chain: CHAIN,
        authSig,
      });
      expect(new TextDecoder().decode(decryptedData)).to.equal("a wallet AuthSig, no session");
    });

    it("is refused for a user who does not meet the conditions", async () => {
      const enc = await lit.encrypt({
        accessControlConditions: balanceAtLeast(parseEther("1000")) as never[],
        dataToEncrypt: new Uint8Array([1, 2, 3]),
      });
      let failed = false;
      try {
        await lit.decrypt({
          accessControlConditions: balanceAtLeast(parseEther("1000")) as never[],
          ...enc,
          chain: CHAIN,
          sessionSigs: litSigs,
        });
      } catch (e) {
        failed = true;
        expect(JSON.stringify(e)).to.contain("ConditionsNotMet");
      }
      expect(failed).to.equal(true);
    });
  });
});
