/**
 * End to end, the prime-number certificate against real processes: a 4-node network (hardhat node
 * child, Ignition deployment, IPFS gateway, four node processes on 127.0.0.1) runs the demo
 * (publish, mintGrantAndBurnNext, executeJs by CID for 7919 and 7917, verification); then every way of
 * getting a certificate for a non-prime is tried and refused, and tampered certificates fail.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { HardhatPluginError } from "hardhat/plugins";
import {
  Wallet,
  getBytes,
  hashMessage,
  hexlify,
  keccak256,
  parseEther,
  verifyMessage,
  type JsonRpcProvider,
} from "ethers";

import { startNetwork, type Network } from "../../src/network";
import { PRIME_ACTION_FILE, runPrimeDemo, type PrimeDemoResult } from "../../src/network/primeDemo";
import {
  InvalidProofError,
  LitActionError,
  PkpSignError,
  PROOF_CHECKS,
  connect,
  executeJs,
  getSessionSigs,
  jsonRpcProvider,
  litActionResource,
  pkpResource,
  pkpSign,
  requestAbility,
  verifyProof,
  type NetworkClient,
  type SessionSigs,
  type VerifyProofReturnType,
} from "../../src/sdk";

async function expectRejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  expect.fail("expected the promise to reject");
}

describe("the prime-number certificate on a local network of 4 nodes", function () {
  this.timeout(600_000);
  let network: Network;
  let provider: JsonRpcProvider;
  let demo: PrimeDemoResult;
  let printed: string[];
  let client: NetworkClient;
  let user: Wallet;
  let sessionSigs: SessionSigs;

  before(async function () {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "pkp-e2e-prime-"));
    network = await startNetwork({
      nodes: 4,
      dataDir,
      progress: "silent",
      pools: { pkpKeys: 2, presignatures: 8 },
      readyTimeoutMs: 420_000,
    });
    provider = jsonRpcProvider(network.info.rpcUrl, 100);
    printed = [];
    demo = await runPrimeDemo({ network, print: (line) => printed.push(line) });

    // A stranger with a session that may run any action and ask for any PKP's signature.
    const admin = await provider.getSigner(0);
    user = new Wallet(Wallet.createRandom().privateKey, provider);
    await (await admin.sendTransaction({ to: user.address, value: parseEther("1") })).wait();
    client = await connect({ provider, staking: network.info.contracts.staking });
    ({ sessionSigs } = await getSessionSigs({
      signer: user,
      nodeUrls: client.nodes.map((node) => node.url),
      latestBlockhash: client.latestBlockhash,
      resourceAbilityRequests: [
        requestAbility(litActionResource("*"), "lit-action-execution"),
        requestAbility(pkpResource("*"), "pkp-signing"),
      ],
    }));
  });

  after(async () => {
    provider?.destroy();
    await network?.stop();
  });

  const certificate = () => demo.runs.find((run) => run.number === "7919")!;

  describe("runPrimeDemo", () => {
    it("reports the network, the PKP and the published action's CID", async () => {
      expect(demo).to.include({ nodes: 4, threshold: 3 });
      expect(BigInt(keccak256(demo.pubkey)).toString()).to.equal(demo.tokenId);
      expect(demo.actionCid).to.match(/^Qm[1-9A-HJ-NP-Za-km-z]{44}$/);
      const stored = await fetch(`${network.info.ipfsGatewayUrl}/ipfs/${demo.actionCid}`);
      expect(Buffer.from(await stored.arrayBuffer()).equals(readFileSync(PRIME_ACTION_FILE))).to.equal(true);
      expect(printed.join("\n")).to.contain(
        `mintGrantAndBurnNext: PKP minted, permitted only ${demo.actionCid}`,
      );
    });

    it("signs 7919: the signature recovers to the PKP's address", () => {
      const run = certificate();
      expect(run.prime).to.equal(true);
      expect(run.signature).to.match(/^0x[0-9a-f]{130}$/);
      expect(verifyMessage("7919", run.signature!)).to.equal(demo.pkpAddress);
    });

    it("produces no signature for 7917", () => {
      expect(demo.runs.find((run) => run.number === "7917")).to.deep.equal({
        number: "7917",
        prime: false,
        signature: null,
      });
    });

    it("verifies the certificate: every check passes", () => {
      const proof = demo.proof!;
      expect(proof.valid).to.equal(true);
      expect(proof.checks.map((check) => check.name)).to.deep.equal(Object.values(PROOF_CHECKS));
      expect(proof).to.include({
        tokenId: demo.tokenId,
        pkpAddress: demo.pkpAddress,
        actionCid: demo.actionCid,
      });
      expect(printed.join("\n")).to.contain("VALID: 7919 is prime");
    });
  });

  describe("a certificate for a non-prime cannot be produced", () => {
    it("the action run again for 7917 by a stranger answers prime: false and signs nothing", async () => {
      const result = await executeJs({
        client,
        sessionSigs,
        ipfsId: demo.actionCid,
        jsParams: { number: "7917", publicKey: demo.pubkey },
      });
      expect(result.response).to.deep.equal({ number: "7917", prime: false });
      expect(result.signatures).to.deep.equal({});
    });

    it("other code asking the PKP to sign 7917 gets no share, with the reason", async () => {
      const error = await expectRejection(
        executeJs({
          client,
          sessionSigs,
          code: `await Lit.Actions.ethPersonalSignMessageEcdsa({ message: "7917", publicKey, sigName: "prime" });`,
          jsParams: { publicKey: demo.pubkey },
        }),
      );
      expect(error).to.be.instanceOf(LitActionError);
      expect(error.message, error.message).to.match(
        /not permitted: action Qm\w+ is not a permitted action of PKP/,
      );
    });

    it("pkpSign for the burned PKP is refused by every node: it has no owner and no permitted address", async () => {
      const error = await expectRejection(
        pkpSign({ client, pubkey: demo.pubkey, toSign: hashMessage("7917"), sessionSigs }),
      );
      expect(error).to.be.instanceOf(PkpSignError);
      const failures = (error as PkpSignError).failures;
      expect(new Set(failures.map((f) => f.url))).to.deep.equal(
        new Set(client.nodes.map((node) => node.url)),
      );
      for (const f of failures) {
        expect(f.status, f.reason).to.equal(403);
        expect(f.reason).to.contain("the PKP was burned");
      }
    });

    it("the action itself refuses 7917 written differently (leading zero, exponent, negative)", async () => {
      for (const number of ["07917", "7.917e3", "-7919"]) {
        const result = await executeJs({
          client,
          sessionSigs,
          ipfsId: demo.actionCid,
          jsParams: { number, publicKey: demo.pubkey },
        });
        expect((result.response as { error?: string }).error, number).to.be.a("string");
        expect(result.signatures, number).to.deep.equal({});
      }
    });
  });

  describe("a tampered certificate fails verification", () => {
    const verify = (message: string, signature: string): Promise<VerifyProofReturnType> =>
      verifyProof({
        provider,
        contracts: network.info.contracts,
        message,
        signature,
        tokenId: demo.tokenId,
        cid: demo.actionCid,
        code: readFileSync(PRIME_ACTION_FILE),
      });

    it("the signature of 7919 presented for 7917 fails the signature check", async () => {
      const result = await verify("7917", certificate().signature!);
      expect(result.valid).to.equal(false);
      expect(result.checks.filter((c) => !c.pass).map((c) => c.name)).to.deep.equal([PROOF_CHECKS.signature]);
    });

    it("a signature with one flipped bit fails the signature check", async () => {
      const bytes = getBytes(certificate().signature!);
      bytes[10] ^= 0x80;
      const result = await verify("7919", hexlify(bytes));
      expect(result.valid).to.equal(false);
      expect(result.checks.filter((c) => !c.pass).map((c) => c.name)).to.deep.equal([PROOF_CHECKS.signature]);
    });

    it("pkp:verify-proof --data-dir passes the certificate and fails the tampered one", async () => {
      const quiet = async (args: Record<string, unknown>) => {
        const original = console.log;
        console.log = () => undefined;
        try {
          return await hre.run("pkp:verify-proof", { ...args, dataDir: network.dataDir, json: true });
        } finally {
          console.log = original;
        }
      };
      const good = (await quiet({
        message: "7919",
        signature: certificate().signature,
        pkpAddress: demo.pkpAddress,
        codeFile: PRIME_ACTION_FILE,
      })) as VerifyProofReturnType;
      expect(good.valid).to.equal(true);
      const error = await expectRejection(
        quiet({ message: "7917", signature: certificate().signature, tokenId: demo.tokenId }),
      );
      expect(error).to.be.instanceOf(HardhatPluginError);
      expect((error as HardhatPluginError & { parent?: Error }).parent).to.be.instanceOf(InvalidProofError);
    });
  });
});
