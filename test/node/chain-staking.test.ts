/**
 * The node's writes to Staking (src/node/chain/index.ts): kick votes and epoch advances sent from the
 * node's own key, and the kicked validators read back. A real `hardhat node` on 127.0.0.1.
 */
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider, Wallet, ZeroAddress, parseEther, type HDNodeWallet } from "ethers";
import { startChain, type EmbeddedChain } from "../../src/network/chain";
import { Chain } from "../../src/node/chain";
import { Staking__factory } from "../../typechain-types/factories/contracts/Staking__factory";
import type { Staking } from "../../typechain-types";

describe("node chain: kick votes and epoch advances from the node's key", function () {
  this.timeout(180_000);
  let chain: EmbeddedChain;
  let provider: JsonRpcProvider;
  const chains: Chain[] = [];

  before(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "pkp-kick-"));
    chain = await startChain({ logFile: path.join(dir, "chain.log") });
    provider = new JsonRpcProvider(chain.rpcUrl, 31337, { staticNetwork: true });
  });

  after(async () => {
    for (const c of chains) c.destroy();
    provider?.destroy();
    await chain?.process.stop();
  });

  /** A fresh Staking with `n` funded validators in epoch 2, and a node Chain for each. */
  async function network(n: number): Promise<{ staking: Staking; nodes: Chain[]; keys: HDNodeWallet[] }> {
    const admin = await provider.getSigner(0);
    const staking = await (await new Staking__factory(admin).deploy(3600, 60)).waitForDeployment();
    const keys = Array.from({ length: n }, () => Wallet.createRandom());
    for (const [i, key] of keys.entries()) {
      await (await admin.sendTransaction({ to: key.address, value: parseEther("1") })).wait();
      await (await staking.addValidator(2130706433, 0, 7470 + i, key.address, i + 1, i + 1)).wait();
    }
    await (await staking.advanceEpoch()).wait();
    const contracts = {
      staking: await staking.getAddress(),
      pubkeyRouter: ZeroAddress,
      pkpNft: ZeroAddress,
      pkpPermissions: ZeroAddress,
    };
    const nodes = keys.map((k) => new Chain(chain.rpcUrl, 31337, k.privateKey, contracts));
    chains.push(...nodes);
    return { staking, nodes, keys };
  }

  it("votes 'voted' until the threshold, then 'kicked'; a repeated vote is 'already'; kickedValidators lists the target", async () => {
    const { nodes, keys } = await network(4);
    const target = keys[3].address;
    expect(await nodes[0].voteToKick(target, 1)).to.equal("voted");
    expect(await nodes[0].voteToKick(target, 1)).to.equal("already");
    expect(await nodes[1].voteToKick(target, 2, "0x01")).to.equal("voted");
    expect(await nodes[0].kickedValidators()).to.deep.equal([]);
    expect(await nodes[2].voteToKick(target, 1)).to.equal("kicked");
    expect(await nodes[0].kickedValidators()).to.deep.equal([target]);
    expect(await nodes[1].voteToKick(target, 1)).to.equal("already");
  });

  it("advances the epoch from a validator's key after a kick; the kicked node is out", async () => {
    const { nodes, keys } = await network(4);
    for (const node of nodes.slice(0, 3)) await node.voteToKick(keys[3].address, 1);
    expect(await nodes[1].advanceEpoch()).to.match(/^0x[0-9a-f]{64}$/);
    expect(await nodes[0].epochNumber()).to.equal(3);
    expect((await nodes[0].validators()).map((v) => v.nodeAddress)).not.to.include(keys[3].address);
    expect(await nodes[0].kickedValidators()).to.deep.equal([]);
  });

  it("throws Staking's refusals, named by stakingRevertName", async () => {
    const { nodes, keys } = await network(4);
    const outsider = new Chain(chain.rpcUrl, 31337, Wallet.createRandom().privateKey, nodes[0].contracts);
    chains.push(outsider);
    const refusal = async (f: () => Promise<unknown>) => {
      try {
        await f();
      } catch (e) {
        return nodes[0].stakingRevertName(e);
      }
      throw new Error("no refusal");
    };
    expect(await refusal(() => nodes[0].voteToKick(keys[0].address, 1))).to.equal("StakingCannotVoteForSelf");
    expect(await refusal(() => nodes[0].advanceEpoch())).to.equal("StakingNothingToAdvance");
    expect(await refusal(() => outsider.voteToKick(keys[0].address, 1))).to.equal(
      "StakingVoterNotCurrentValidator",
    );
  });
});
