/**
 * A ready 4-node test network (test/node/harness.ts: real chain, real node processes) with a PKP
 * minted to Hardhat's account #1, for tests that sign through the nodes.
 */
import { Wallet } from "ethers";
import { startHarness, type Harness } from "../node/harness";
import { mintPkp, type TestPkp } from "./pkp";

/** Hardhat's account #1 (funded on `hardhat node`). */
export const USER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

export interface NetworkWithPkp {
  h: Harness;
  user: Wallet;
  pkp: TestPkp;
}

/** Starts 4 nodes with pools of 2 routed keys and `presignatures` presignatures, waits, mints a PKP. */
export async function startNetworkWithPkp(presignatures: number): Promise<NetworkWithPkp> {
  const h = await startHarness({
    n: 4,
    pools: { pkpKeys: 2, presignatures, keyBatch: 2, presignatureBatch: 8 },
  });
  try {
    await h.waitReady({ pkpKeys: 2, presignatures, timeoutMs: 600_000 });
    const user = new Wallet(USER_KEY, h.provider);
    return { h, user, pkp: await mintPkp(h.contracts.pkpNft, user) };
  } catch (e) {
    await h.stop();
    throw e;
  }
}
