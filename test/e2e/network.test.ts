/**
 * End to end, against real processes: a 4-node network (hardhat node child, Ignition deployment,
 * four node processes on 127.0.0.1), a PKP minted from the nodes' pool, signatures through our SDK,
 * a transaction from PkpSigner mined, Lit's own published client signing with the same network,
 * then faults (killed nodes) and a clean stop. One network for the whole file; destructive tests last.
 */
import { statSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import {
  Contract,
  Wallet,
  computeAddress,
  getAddress,
  hashMessage,
  keccak256,
  parseEther,
  randomBytes,
  recoverAddress,
  toUtf8Bytes,
  verifyMessage,
  verifyTypedData,
  type JsonRpcProvider,
} from "ethers";
import { LitNodeClientNodeJs } from "@lit-protocol/lit-node-client-nodejs";
import { LitPKPResource, createSiweMessageWithRecaps, generateAuthSig } from "@lit-protocol/auth-helpers";
import { LIT_ABILITY } from "@lit-protocol/constants";

import { type MintedPkp } from "../../src/chain/pkp";
import {
  controlNode,
  fetchStatus,
  isAlive,
  readNetworkFile,
  startNetwork,
  type Network,
} from "../../src/network";
import {
  InvalidArgumentError,
  PkpSignError,
  PkpSigner,
  STAKING_ABI,
  getSessionSigs,
  pkpResource,
  pkpSign,
  requestAbility,
  type NetworkClient,
  type SessionSigs,
} from "../../src/sdk";
import { expectRejection } from "../helpers/expect";
import { launchWithPkp } from "../helpers/launched";

describe("a local network of 4 nodes (real processes, HTTP and chain)", function () {
  this.timeout(600_000);
  let network: Network;
  let provider: JsonRpcProvider;
  let owner: Wallet;
  let pkp: MintedPkp;
  let client: NetworkClient;
  let sessionSigs: SessionSigs;

  before(async function () {
    ({ network, provider, owner, pkp, client, sessionSigs } = await launchWithPkp({
      nodes: 4,
      pools: { pkpKeys: 2, presignatures: 12 },
      readyTimeoutMs: 420_000,
      prefix: "pkp-e2e-",
    }));
  });

  after(async () => {
    await network?.stop();
  });

  describe("startNetwork", () => {
    it("writes network.json with every node, the contracts and the threshold", () => {
      const info = readNetworkFile(network.dataDir);
      expect(info).to.deep.equal(network.info);
      expect(info.n).to.equal(4);
      expect(info.t).to.equal(1);
      expect(info.quorum).to.equal(3);
      expect(info.nodes).to.have.length(4);
      for (const node of info.nodes) {
        expect(node.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(isAlive(node.pid)).to.equal(true);
      }
      expect(info.chainPid).to.be.a("number");
    });

    it("registers every node as a validator of the current epoch", async () => {
      const staking = new Contract(info().contracts.staking, STAKING_ABI, provider);
      const [, minNodeCount, validators] = (await staking.getActiveUnkickedValidatorStructsAndCounts()) as [
        unknown,
        bigint,
        { nodeAddress: string; port: bigint; ip: bigint }[],
      ];
      expect(minNodeCount).to.equal(3n);
      expect(validators.map((v) => getAddress(v.nodeAddress)).sort()).to.deep.equal(
        info()
          .nodes.map((x) => x.nodeAddress)
          .sort(),
      );
      for (const v of validators) expect(v.ip).to.equal(2130706433n);
    });

    it("refuses to start a second network in the same data directory while it runs", async () => {
      const error = await expectRejection(
        startNetwork({ nodes: 4, dataDir: network.dataDir, progress: "silent" }),
      );
      expect(error.message).to.match(/still running/);
    });
  });

  describe("connect", () => {
    it("finds every node through Staking and takes the majority view of the network keys", () => {
      expect(client.nodes.map((x) => x.url).sort()).to.deep.equal(
        info()
          .nodes.map((x) => x.url)
          .sort(),
      );
      expect(client.connectedUrls).to.have.length(4);
      expect(client.failures).to.deep.equal([]);
      expect(client.quorum).to.equal(3);
      expect(client.networkPublicKey).to.match(/^[0-9a-f]{96}$/);
      expect(client.latestBlockhash).to.match(/^0x[0-9a-f]{64}$/);
    });
  });

  describe("pkpSign", () => {
    it("returns a signature that recovers to the minted PKP's address", async () => {
      const digest = keccak256(toUtf8Bytes("hello from the e2e test"));
      const result = await pkpSign({ client, pubkey: pkp.pubkey, toSign: digest, sessionSigs });
      expect(result.address).to.equal(pkp.ethAddress);
      expect(recoverAddress(digest, result.signature)).to.equal(pkp.ethAddress);
      expect(result.signingSet).to.have.length(3);
      expect(result.culprits).to.deep.equal([]);
      expect(result.requestId).to.match(/^lit_[0-9a-f]+$/);
    });

    it("signs twice the same digest with two different presignatures", async () => {
      const digest = keccak256(toUtf8Bytes("same digest"));
      const a = await pkpSign({ client, pubkey: pkp.pubkey, toSign: digest, sessionSigs });
      const b = await pkpSign({ client, pubkey: pkp.pubkey, toSign: digest, sessionSigs });
      expect(a.r).to.not.equal(b.r);
      expect(recoverAddress(digest, b.signature)).to.equal(pkp.ethAddress);
    });

    it("refuses a digest that is not 32 bytes before contacting any node", async () => {
      const error = await expectRejection(
        pkpSign({ client, pubkey: pkp.pubkey, toSign: new Uint8Array(31), sessionSigs }),
      );
      expect(error).to.be.instanceOf(InvalidArgumentError);
    });

    it("fails naming every node's refusal when the wallet is not permitted", async () => {
      const stranger = Wallet.createRandom();
      const { sessionSigs: strangers } = await getSessionSigs({
        signer: stranger,
        nodeUrls: client.nodes.map((x) => x.url),
        latestBlockhash: client.latestBlockhash,
        resourceAbilityRequests: [requestAbility(pkpResource(BigInt(pkp.tokenId)), "pkp-signing")],
      });
      const error = await expectRejection(
        pkpSign({ client, pubkey: pkp.pubkey, toSign: keccak256("0x01"), sessionSigs: strangers }),
      );
      expect(error).to.be.instanceOf(PkpSignError);
      const failures = (error as PkpSignError).failures;
      expect(failures.map((f) => f.url).sort()).to.deep.equal(client.nodes.map((x) => x.url).sort());
      for (const f of failures) {
        expect(f.status).to.equal(403);
        expect(f.reason).to.contain(stranger.address);
      }
    });
  });

  describe("PkpSigner", () => {
    let signer: PkpSigner;
    before(() => {
      signer = new PkpSigner({ client, pubkey: pkp.pubkey, authSigner: owner }, provider);
    });

    it("has the PKP's address", async () => {
      expect(await signer.getAddress()).to.equal(pkp.ethAddress);
      expect(computeAddress(pkp.pubkey)).to.equal(pkp.ethAddress);
    });

    it("signs an EIP-191 message", async () => {
      const signature = await signer.signMessage("gm from a PKP");
      expect(verifyMessage("gm from a PKP", signature)).to.equal(pkp.ethAddress);
      expect(recoverAddress(hashMessage("gm from a PKP"), signature)).to.equal(pkp.ethAddress);
    });

    it("signs EIP-712 typed data", async () => {
      const domain = { name: "pkp-network", version: "1", chainId: 31337, verifyingContract: owner.address };
      const types = {
        Mail: [
          { name: "to", type: "address" },
          { name: "contents", type: "string" },
        ],
      };
      const value = { to: owner.address, contents: "hello" };
      const signature = await signer.signTypedData(domain, types, value);
      expect(verifyTypedData(domain, types, value, signature)).to.equal(pkp.ethAddress);
    });

    it("sends a transaction that is mined", async () => {
      await (await owner.sendTransaction({ to: pkp.ethAddress, value: parseEther("1") })).wait();
      const to = Wallet.createRandom().address;
      const response = await signer.sendTransaction({ to, value: parseEther("0.25") });
      const receipt = await response.wait();
      expect(receipt?.status).to.equal(1);
      expect(getAddress(receipt!.from)).to.equal(pkp.ethAddress);
      expect(await provider.getBalance(to)).to.equal(parseEther("0.25"));
    });

    it("refuses a transaction whose from is another address", async () => {
      const error = await expectRejection(
        signer.signTransaction({
          from: owner.address,
          to: owner.address,
          value: 1n,
          chainId: 31337n,
          nonce: 0,
          gasLimit: 21000n,
          gasPrice: 1n,
        }),
      );
      expect(error).to.be.instanceOf(InvalidArgumentError);
    });
  });

  describe("Lit's own client (@lit-protocol/lit-node-client-nodejs 7.4.0, custom network)", () => {
    let lit: LitNodeClientNodeJs;
    let quiet: [typeof console.log, typeof console.warn, typeof console.error];
    before(async () => {
      quiet = [console.log, console.warn, console.error];
      console.log = console.warn = () => undefined;
      lit = new LitNodeClientNodeJs({
        litNetwork: "custom",
        rpcUrl: info().rpcUrl,
        checkNodeAttestation: false,
        debug: false,
        contractContext: { Staking: { address: info().contracts.staking, abi: [...STAKING_ABI] } },
      } as ConstructorParameters<typeof LitNodeClientNodeJs>[0]);
      await lit.connect();
    });
    after(async () => {
      await lit?.disconnect();
      [console.log, console.warn, console.error] = quiet;
    });

    it("connects to every node", () => {
      const state = lit as unknown as { connectedNodes: Set<string>; ready: boolean };
      expect(state.ready).to.equal(true);
      expect([...state.connectedNodes].sort()).to.deep.equal(
        info()
          .nodes.map((x) => x.url)
          .sort(),
      );
    });

    it("makes wallet session signatures and its pkpSign recovers to the PKP's address", async () => {
      const litSessionSigs = await lit.getSessionSigs({
        chain: "ethereum",
        resourceAbilityRequests: [{ resource: new LitPKPResource("*"), ability: LIT_ABILITY.PKPSigning }],
        authNeededCallback: async ({ uri, expiration, resourceAbilityRequests }) => {
          const toSign = await createSiweMessageWithRecaps({
            uri: uri!,
            expiration: expiration!,
            resources: resourceAbilityRequests!,
            walletAddress: owner.address,
            nonce: await lit.getLatestBlockhash(),
            litNodeClient: lit,
          });
          return generateAuthSig({ signer: owner, toSign });
        },
      });
      const digest = randomBytes(32);
      const sig = await lit.pkpSign({ toSign: digest, pubKey: pkp.pubkey, sessionSigs: litSessionSigs });
      expect(recoverAddress(digest, sig.signature)).to.equal(pkp.ethAddress);
    });
  });

  describe("faults", () => {
    it("kills and restarts a node through the launcher's control endpoint (network:kill, network:restart)", async () => {
      const file = readNetworkFile(network.dataDir);
      const control = file.control!;
      expect(control.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(statSync(path.join(network.dataDir, "network.json")).mode & 0o777).to.equal(0o600);
      // Refusals first: nothing is killed by any of them.
      const wrongToken = await expectRejection(controlNode({ ...control, token: "0".repeat(48) }, 2, "kill"));
      expect(wrongToken.message).to.match(/wrong control token/);
      expect((await expectRejection(controlNode(control, 9, "kill"))).message).to.match(/no node 9/);
      expect((await expectRejection(controlNode(control, 2, "restart"))).message).to.match(/is running/);
      expect((await expectRejection(controlNode(control, 2, "kill", "SIGHUP"))).message).to.match(
        /not one of/,
      );
      expect(isAlive(file.nodes[1].pid)).to.equal(true);

      expect(await controlNode(control, 2, "kill")).to.deep.include({ node: 2, signal: "SIGKILL" });
      expect(isAlive(file.nodes[1].pid)).to.equal(false);
      expect(await fetchStatus(file.nodes[1].url)).to.equal(undefined);
      expect((await expectRejection(controlNode(control, 2, "kill"))).message).to.match(/not running/);
      const digest = keccak256(toUtf8Bytes("node 2 down"));
      const down = await pkpSign({ client, pubkey: pkp.pubkey, toSign: digest, sessionSigs });
      expect(recoverAddress(digest, down.signature)).to.equal(pkp.ethAddress);

      expect(await controlNode(control, 2, "restart")).to.deep.include({ node: 2, running: true });
      const restarted = readNetworkFile(network.dataDir).nodes[1].pid;
      expect(restarted).to.not.equal(file.nodes[1].pid);
      expect(isAlive(restarted)).to.equal(true);
      expect((await fetchStatus(file.nodes[1].url))?.ready).to.equal(true);
    });

    it("signs with N − (2t+1) = 1 node killed, reporting it unreachable", async () => {
      await network.killNode(3);
      const digest = keccak256(toUtf8Bytes("one node down"));
      const result = await pkpSign({ client, pubkey: pkp.pubkey, toSign: digest, sessionSigs });
      expect(recoverAddress(digest, result.signature)).to.equal(pkp.ethAddress);
      expect(result.failures.map((f) => f.url)).to.include(network.nodes[3].url);
    });

    it("fails with one more node killed, naming both missing nodes", async () => {
      await network.killNode(2);
      const error = await expectRejection(
        pkpSign({ client, pubkey: pkp.pubkey, toSign: keccak256("0x02"), sessionSigs, timeoutMs: 60_000 }),
      );
      expect(error).to.be.instanceOf(PkpSignError);
      expect([...(error as PkpSignError).unreachable].sort()).to.deep.equal(
        [network.nodes[2].url, network.nodes[3].url].sort(),
      );
      expect(error.message).to.contain(network.nodes[2].url);
      expect(error.message).to.contain(network.nodes[3].url);
    });
  });

  describe("stop", () => {
    it("stops every node and the chain, leaving no process behind", async () => {
      const pids = [...info().nodes.map((x) => x.pid), info().chainPid!];
      await network.stop();
      for (const pid of pids) expect(isAlive(pid), `process ${pid}`).to.equal(false);
    });
  });

  function info() {
    return network.info;
  }
});
