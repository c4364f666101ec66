/**
 * Opening a running local network from its network.json: a provider, a wallet of the chain (an
 * unlocked account of the node's RPC, or a given private key), the contracts and a connected SDK
 * client. Used by the tasks and the demo.
 */
import { getBytes, hexlify, type Signer, type JsonRpcProvider } from "ethers";

import { connectContracts, type PKPContracts } from "../chain/deployment";
import { connect, type NetworkClient } from "../sdk/connect";
import { PkpSigner } from "../sdk/pkpSigner";
import { jsonRpcProvider } from "../sdk/provider";
import { NetworkError } from "./errors";
import { readNetworkFile, type NetworkInfo } from "./networkFile";

export interface OpenNetwork {
  info: NetworkInfo;
  provider: JsonRpcProvider;
  signer: Signer;
  contracts: PKPContracts;
  client: NetworkClient;
}

/** `from`: an address or index of the RPC's unlocked accounts (default the first). */
export async function openNetwork(
  source: string | NetworkInfo,
  options: { from?: string | number; signer?: Signer } = {},
): Promise<OpenNetwork> {
  const info = typeof source === "string" ? readNetworkFile(source) : source;
  const provider = jsonRpcProvider(info.rpcUrl, 100);
  const signer = options.signer ?? (await provider.getSigner(options.from ?? 0));
  const contracts = await connectContracts(info.contracts, signer);
  const client = await connect({ provider, staking: info.contracts.staking });
  return { info, provider, signer, contracts, client };
}

/** The PKP's 65-byte public key (0x04…) from PubkeyRouter. */
export async function pubkeyOf(contracts: PKPContracts, tokenId: bigint): Promise<string> {
  const pubkey = hexlify(await contracts.pubkeyRouter.getPubkey(tokenId));
  if (getBytes(pubkey).length !== 65) {
    throw new NetworkError(`no ECDSA key is routed for token ${tokenId.toString()}`);
  }
  return pubkey;
}

/** A PkpSigner for a token, authorised by `net.signer` (its owner or a permitted address). */
export async function pkpSignerFor(net: OpenNetwork, tokenId: bigint): Promise<PkpSigner> {
  const pubkey = await pubkeyOf(net.contracts, tokenId);
  return new PkpSigner({ client: net.client, pubkey, authSigner: net.signer }, net.provider);
}
