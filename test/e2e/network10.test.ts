/**
 * N = 10 (t = 3, quorum 2t+1 = 7), end to end against real processes: the launcher starts the chain, the
 * contracts and ten node processes that make the network key by DKG and vote it on chain; a PKP minted
 * from their pool signs through our SDK with 7 of the 10 nodes and sends a transaction through
 * PkpSigner; then the fault rule: with N − (2t+1) = 3 nodes killed signing still succeeds, with one
 * more killed it fails naming the 4 missing nodes; and a clean stop. One network for the whole file;
 * the tests run in order and the destructive ones come last.
 */
import { expect } from "chai";
import {
  Wallet,
  getAddress,
  keccak256,
  parseEther,
  recoverAddress,
  toUtf8Bytes,
  type JsonRpcProvider,
} from "ethers";

import { type MintedPkp } from "../../src/chain/pkp";
import { isAlive, readNetworkFile, type Network } from "../../src/network";
import { PkpSignError, PkpSigner, pkpSign, type NetworkClient, type SessionSigs } from "../../src/sdk";
import { expectRejection } from "../helpers/expect";
import { launchWithPkp } from "../helpers/launched";

describe("a local network of 10 nodes (real processes, HTTP and chain)", function () {
  this.timeout(1_200_000);
  let network: Network;
  let provider: JsonRpcProvider;
  let owner: Wallet;
  let pkp: MintedPkp;
  let client: NetworkClient;
  let sessionSigs: SessionSigs;
  /** Positions (in `network.nodes`) of the nodes killed by the fault tests, in the order killed. */
  const killed = [2, 5, 8, 9];

  before(async function () {
    ({ network, provider, owner, pkp, client, sessionSigs } = await launchWithPkp({
      nodes: 10,
      // Every owner (each node is the only leader that may assign its own presignatures) holds
      // 20 / 10 = 2 free presignatures, made while all ten nodes are up, so every live leader can
      // still sign after nodes are killed (no refill happens while a node is down).
      pools: { pkpKeys: 1, keyBatch: 1, presignatures: 20, presignatureBatch: 10 },
      readyTimeoutMs: 900_000,
      prefix: "pkp-e2e10-",
    }));
  });

  after(async () => {
    await network?.stop();
  });

  const urlsOf = (positions: readonly number[]) => positions.map((p) => network.nodes[p].url).sort();
  const indexOf = (url: string) => client.nodes.find((x) => x.url === url)!.index;

  it("writes network.json with ten nodes, t = 3 and quorum 7", () => {
    const info = readNetworkFile(network.dataDir);
    expect(info).to.deep.equal(network.info);
    expect(info.n).to.equal(10);
    expect(info.t).to.equal(3);
    expect(info.quorum).to.equal(7);
    expect(info.nodes).to.have.length(10);
    for (const node of info.nodes) {
      expect(node.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(isAlive(node.pid)).to.equal(true);
    }
    expect(info.chainPid).to.be.a("number");
  });

  it("connect finds all ten nodes", () => {
    expect(client.nodes.map((x) => x.url).sort()).to.deep.equal(network.info.nodes.map((x) => x.url).sort());
    expect(client.connectedUrls).to.have.length(10);
    expect(client.failures).to.deep.equal([]);
    expect(client.quorum).to.equal(7);
  });

  it("pkpSign with a minted PKP recovers to its address, from a signing set of 7", async () => {
    const digest = keccak256(toUtf8Bytes("ten nodes"));
    const result = await pkpSign({ client, pubkey: pkp.pubkey, toSign: digest, sessionSigs });
    expect(result.address).to.equal(pkp.ethAddress);
    expect(recoverAddress(digest, result.signature)).to.equal(pkp.ethAddress);
    expect(result.signingSet).to.have.length(7);
    expect(result.culprits).to.deep.equal([]);
  });

  it("PkpSigner sends a transaction from the PKP's address that is mined", async () => {
    await (await owner.sendTransaction({ to: pkp.ethAddress, value: parseEther("1") })).wait();
    const signer = new PkpSigner({ client, pubkey: pkp.pubkey, authSigner: owner }, provider);
    expect(await signer.getAddress()).to.equal(pkp.ethAddress);
    const to = Wallet.createRandom().address;
    const response = await signer.sendTransaction({ to, value: parseEther("0.25") });
    const receipt = await response.wait();
    expect(receipt?.status).to.equal(1);
    expect(getAddress(receipt!.from)).to.equal(pkp.ethAddress);
    expect(await provider.getBalance(to)).to.equal(parseEther("0.25"));
  });

  it("signs with N − (2t+1) = 3 nodes killed, reporting them unreachable", async () => {
    const down = killed.slice(0, 3);
    for (const position of down) await network.killNode(position);
    for (const position of down) expect(isAlive(network.nodes[position].process.pid)).to.equal(false);
    const digest = keccak256(toUtf8Bytes("three nodes down"));
    const result = await pkpSign({ client, pubkey: pkp.pubkey, toSign: digest, sessionSigs });
    expect(recoverAddress(digest, result.signature)).to.equal(pkp.ethAddress);
    expect(result.signingSet).to.have.length(7);
    for (const url of urlsOf(down)) expect(result.signingSet).to.not.include(indexOf(url));
    const unreachable = result.failures.filter((f) => f.status === undefined).map((f) => f.url);
    expect(unreachable).to.include.members(urlsOf(down));
  });

  it("fails with one more node killed, naming all four missing nodes", async () => {
    await network.killNode(killed[3]);
    const error = await expectRejection(
      pkpSign({ client, pubkey: pkp.pubkey, toSign: keccak256("0x02"), sessionSigs, timeoutMs: 60_000 }),
    );
    expect(error).to.be.instanceOf(PkpSignError);
    const signError = error as PkpSignError;
    expect([...signError.unreachable].sort()).to.deep.equal(urlsOf(killed));
    for (const url of urlsOf(killed)) {
      expect(error.message).to.contain(url);
      expect(signError.failures.map((f) => f.url)).to.include(url);
    }
  });

  it("stops every node and the chain, leaving no process behind", async () => {
    const pids = [...network.info.nodes.map((x) => x.pid), network.info.chainPid!];
    await network.stop();
    for (const pid of pids) expect(isAlive(pid), `process ${pid}`).to.equal(false);
  });
});
