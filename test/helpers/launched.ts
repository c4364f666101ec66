/**
 * A network started by the launcher (`startNetwork`: hardhat node child, Ignition deployment, N node
 * processes), a funded wallet that minted a PKP from the nodes' pool, an SDK client connected to it and
 * that wallet's session signatures for signing with the PKP: the setup of the end-to-end tests. And
 * the setup of the decryption tests: 4 nodes, a funded "holder" and an empty "stranger" wallet.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Wallet, parseEther, type JsonRpcProvider, type Signer } from "ethers";
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
  type ResourceAbilityRequest,
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

export interface LaunchedWithHolder {
  network: Network;
  provider: JsonRpcProvider;
  /** The chain's first account (deploys mocks, funds wallets). */
  admin: Signer;
  client: NetworkClient;
  /** A fresh wallet funded with 5 ETH. */
  holder: Wallet;
  /** A fresh wallet with nothing. */
  stranger: Wallet;
}

/** 4 nodes (pools of 1 key and 4 presignatures), a funded holder, an empty stranger, a client. */
export async function launchWithHolder(prefix: string): Promise<LaunchedWithHolder> {
  const network = await startNetwork({
    nodes: 4,
    dataDir: mkdtempSync(path.join(os.tmpdir(), prefix)),
    progress: "silent",
    pools: { pkpKeys: 1, presignatures: 4 },
    readyTimeoutMs: 420_000,
  });
  try {
    const provider = jsonRpcProvider(network.info.rpcUrl, 100);
    const admin = await provider.getSigner(0);
    const holder = new Wallet(Wallet.createRandom().privateKey, provider);
    const stranger = new Wallet(Wallet.createRandom().privateKey, provider);
    await (await admin.sendTransaction({ to: holder.address, value: parseEther("5") })).wait();
    const client = await connect({ provider, staking: network.info.contracts.staking });
    return { network, provider, admin, client, holder, stranger };
  } catch (e) {
    await network.stop();
    throw e;
  }
}

/** `signer`'s session signatures for `requests`, one per node of `client`. */
export async function sessionSigsFor(
  client: NetworkClient,
  signer: Wallet,
  requests: ResourceAbilityRequest[],
): Promise<SessionSigs> {
  const { sessionSigs } = await getSessionSigs({
    signer,
    nodeUrls: client.nodes.map((x) => x.url),
    latestBlockhash: client.latestBlockhash,
    resourceAbilityRequests: requests,
  });
  return sessionSigs;
}

/** The evmBasic condition "the user's native balance on `chain` is at least `wei`". */
export function balanceAtLeast(chain: string, wei: bigint) {
  return [
    {
      contractAddress: "",
      standardContractType: "",
      chain,
      method: "eth_getBalance",
      parameters: [":userAddress", "latest"],
      returnValueTest: { comparator: ">=", value: wei.toString() },
    },
  ];
}
