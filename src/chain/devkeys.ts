/**
 * Development only: routes freshly made random secp256k1 keys into PKPNFT's pool with
 * `PubkeyRouter.setRoutingDataAsAdmin`, so that PKPs can be minted before the nodes exist to make
 * keys by distributed key generation. Refused on every chain but 31337 and 1337.
 *
 * The private keys are whole (not shared among nodes): never use such a PKP for anything of value.
 */
import { secp256k1 } from "@noble/curves/secp256k1";
import { getAddress, hexlify, keccak256 } from "ethers";
import type { Provider } from "ethers";

import { DEV_CHAIN_IDS } from "./deployment";
import type { PKPContracts } from "./deployment";
import { ChainError, NotDevChainError } from "./errors";
import { KEY_TYPE_ECDSA } from "./pkp";
import { call, mined, summary } from "./tx";
import type { TxSummary } from "./tx";

export interface RoutedDevKey extends TxSummary {
  readonly tokenId: string;
  readonly pubkey: string;
  readonly ethAddress: string;
  /** Present only when asked for (`revealPrivateKeys`). */
  readonly privateKey?: string;
}

/** A random secp256k1 key pair as the contracts see it: 65-byte pubkey, tokenId = keccak256(pubkey). */
export function makeDevKey(): { privateKey: string; pubkey: string; tokenId: bigint; ethAddress: string } {
  const secret = secp256k1.utils.randomPrivateKey();
  const pubkey = hexlify(secp256k1.getPublicKey(secret, false));
  const ethAddress = getAddress(`0x${keccak256(`0x${pubkey.slice(4)}`).slice(-40)}`);
  return { privateKey: hexlify(secret), pubkey, tokenId: BigInt(keccak256(pubkey)), ethAddress };
}

/** Refuses unless the provider is connected to a development chain (31337 or 1337). */
export async function assertDevChain(provider: Provider): Promise<bigint> {
  const { chainId } = await provider.getNetwork();
  if (!DEV_CHAIN_IDS.includes(chainId)) throw new NotDevChainError(chainId);
  return chainId;
}

/**
 * Makes `count` random keys and routes each with `setRoutingDataAsAdmin` (the router's owner must
 * be the signer). Returns the routed keys in order.
 */
export async function routeDevKeys(
  contracts: PKPContracts,
  params: { count: number; keyType?: bigint; revealPrivateKeys?: boolean },
): Promise<RoutedDevKey[]> {
  const provider = contracts.pubkeyRouter.runner?.provider;
  if (provider === null || provider === undefined)
    throw new ChainError("the contracts are not connected to a provider");
  await assertDevChain(provider);
  const keyType = params.keyType ?? KEY_TYPE_ECDSA;
  const routed: RoutedDevKey[] = [];
  for (let i = 0; i < params.count; i++) {
    const key = makeDevKey();
    const receipt = await call(
      { name: "PubkeyRouter", instance: contracts.pubkeyRouter },
      "setRoutingDataAsAdmin",
      async () =>
        mined(
          await contracts.pubkeyRouter.setRoutingDataAsAdmin(
            key.tokenId,
            key.pubkey,
            contracts.addresses.staking,
            keyType,
          ),
          "setRoutingDataAsAdmin",
        ),
    );
    routed.push({
      tokenId: key.tokenId.toString(),
      pubkey: key.pubkey,
      ethAddress: key.ethAddress,
      ...(params.revealPrivateKeys === true ? { privateKey: key.privateKey } : {}),
      ...summary(receipt),
    });
  }
  return routed;
}
