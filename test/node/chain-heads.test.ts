/**
 * The node's view of the latest block (src/node/chain.ts): heads pushed by the chain over its
 * WebSocket (`eth_subscribe("newHeads")`), with a read per request whenever there is no subscription.
 * A real `hardhat node` on 127.0.0.1.
 */
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readFileSync } from "node:fs";
import { ContractFactory, JsonRpcProvider, Wallet, ZeroAddress, type Contract } from "ethers";
import { startChain, type EmbeddedChain } from "../../src/network/chain";
import { freePort } from "../../src/network/ports";
import { Chain } from "../../src/node/chain";

const NO_CONTRACTS = {
  staking: ZeroAddress,
  pubkeyRouter: ZeroAddress,
  pkpNft: ZeroAddress,
  pkpPermissions: ZeroAddress,
};

async function until<T>(f: () => Promise<T> | T, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("node chain heads: pushed by the chain, else read per request", function () {
  this.timeout(180_000);
  let chain: EmbeddedChain;
  const nodes: Chain[] = [];

  before(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "pkp-heads-"));
    chain = await startChain({ logFile: path.join(dir, "chain.log") });
  });

  after(async () => {
    for (const c of nodes) c.destroy();
    await chain?.process.stop();
  });

  function node(rpcUrl = chain.rpcUrl): Chain {
    const c = new Chain(rpcUrl, 31337, Wallet.createRandom().privateKey, NO_CONTRACTS);
    nodes.push(c);
    return c;
  }

  const mine = () =>
    fetch(chain.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "evm_mine", params: [] }),
    }).then((r) => r.json());

  it("reads per request before it subscribes, then follows every mined block without a read", async () => {
    const c = node();
    expect(c.headSource).to.equal("per-request");
    const first = await c.latestHead();
    c.watchHeads();
    await until(
      () => c.headSource,
      (s) => s === "subscription",
    );
    expect((await c.latestHead()).number).to.equal(first.number);
    let reads = 0;
    const send = c.provider.send.bind(c.provider);
    c.provider.send = (method, params) => {
      reads++;
      return send(method, params);
    };
    for (let k = 1; k <= 3; k++) {
      await mine();
      const head = await until(
        () => c.latestHead(),
        (h) => h.number === first.number + k,
      );
      expect(head.number).to.equal(first.number + k);
      expect(head.hash).to.match(/^0x[0-9a-f]{64}$/);
    }
    expect(reads).to.equal(0);
    // A pushed head is a known block hash (a session nonce) without a read.
    expect(await c.isKnownBlockhash((await c.latestHead()).hash, 60)).to.equal(true);
    expect(reads).to.equal(0);
  });

  it("tells its listeners when Staking announces a new epoch, over the same socket", async () => {
    const artifact = JSON.parse(
      readFileSync(path.join(__dirname, "../../artifacts/contracts/Staking.sol/Staking.json"), "utf8"),
    ) as { abi: []; bytecode: string };
    const provider = new JsonRpcProvider(chain.rpcUrl, 31337, { staticNetwork: true });
    const admin = await provider.getSigner(0);
    const staking = (await (
      await new ContractFactory(artifact.abi, artifact.bytecode, admin).deploy(3600, 3600)
    ).waitForDeployment()) as unknown as Contract;
    const c = new Chain(chain.rpcUrl, 31337, Wallet.createRandom().privateKey, {
      ...NO_CONTRACTS,
      staking: await staking.getAddress(),
    });
    nodes.push(c);
    let calls = 0;
    c.onStakingChange(() => calls++);
    c.watchHeads();
    await until(
      () => c.headSource,
      (s) => s === "subscription",
    );
    await new Promise((r) => setTimeout(r, 200)); // the logs subscription follows the heads one
    let reads = 0;
    const send = c.provider.send.bind(c.provider);
    c.provider.send = (method, params) => {
      reads++;
      return send(method, params);
    };
    await (await staking.getFunction("advanceEpoch")()).wait();
    // One transaction: EpochAdvanced and StateChanged.
    expect(
      await until(
        () => calls,
        (n) => n >= 2,
      ),
    ).to.equal(2);
    expect(reads).to.equal(0);
    provider.destroy();
  });

  it("stays with reads per request when the chain has no WebSocket", async () => {
    // A plain HTTP proxy-less URL whose WebSocket upgrade fails: a port with nothing listening.
    const dead = `http://127.0.0.1:${await freePort()}`;
    const c = node(dead);
    c.watchHeads();
    await new Promise((r) => setTimeout(r, 300));
    expect(c.headSource).to.equal("per-request");
  });

  it("reads per request again once destroyed", async () => {
    const c = node();
    c.watchHeads();
    await until(
      () => c.headSource,
      (s) => s === "subscription",
    );
    c.destroy();
    expect(c.headSource).to.equal("per-request");
  });
});
