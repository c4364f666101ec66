/**
 * A network started by the launcher (`startNetwork`: hardhat node child, Ignition deployment, N node
 * processes), a funded wallet that minted a PKP from the nodes' pool, an SDK client connected to it and
 * that wallet's session signatures for signing with the PKP: the setup of the end-to-end tests.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Wallet, parseEther, type JsonRpcProvider } from "ethers";
import { connectContracts, type PKPContracts } from "../../src/chain/deployment";
import { mintNext, type MintedPkp } from "../../src/chain/pkp";
import { startNetwork, type Network, type StartNetworkOptions } from "../../src/network";
import {
  connect,
  getSessionSigs,
  jsonRpcProvider,
  pkpResource,
  requestAbility,
  type NetworkClient,
  type SessionSigs,
} from "../../src/sdk";

export interface LaunchedWithPkp {
  network: Network;
  provider: JsonRpcProvider;
  /** A fresh wallet funded with 10 ETH, owner of `pkp`. */
  owner: Wallet;
  contracts: PKPContracts;
  pkp: MintedPkp;
  client: NetworkClient;
  /** `owner`'s session signatures for `pkp-signing` on `pkp`, one per node. */
  sessionSigs: SessionSigs;
}

export async function launchWithPkp(options: {
  nodes: number;
  pools: StartNetworkOptions["pools"];
  readyTimeoutMs: number;
  /** Prefix of the temporary data directory. */
  prefix: string;
}): Promise<LaunchedWithPkp> {
  const network = await startNetwork({
    nodes: options.nodes,
    dataDir: mkdtempSync(path.join(os.tmpdir(), options.prefix)),
    progress: "silent",
    pools: options.pools,
    readyTimeoutMs: options.readyTimeoutMs,
  });
  try {
    const provider = jsonRpcProvider(network.info.rpcUrl, 100);
    const owner = new Wallet(Wallet.createRandom().privateKey, provider);
    await (
      await (await provider.getSigner(0)).sendTransaction({ to: owner.address, value: parseEther("10") })
    ).wait();
    const contracts = await connectContracts(network.info.contracts, owner);
    const pkp = await mintNext(contracts);
    const client = await connect({ provider, staking: network.info.contracts.staking });
    const { sessionSigs } = await getSessionSigs({
      signer: owner,
      nodeUrls: client.nodes.map((x) => x.url),
      latestBlockhash: client.latestBlockhash,
      resourceAbilityRequests: [requestAbility(pkpResource(BigInt(pkp.tokenId)), "pkp-signing")],
    });
    return { network, provider, owner, contracts, pkp, client, sessionSigs };
  } catch (e) {
    await network.stop();
    throw e;
  }
}
