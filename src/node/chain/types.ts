/**
 * What the node's chain view speaks of: validators (sorted by node address; a validator's index, its
 * Shamir x, is its 1-based position), blocks, routing signatures, and the token id of a key.
 */
import { getAddress, keccak256 } from "ethers";

export { AUTH_METHOD_ADDRESS, KEY_TYPE_BLS, KEY_TYPE_ECDSA } from "../../protocol";

export interface Validator {
  /** 1-based position in the list sorted by node address: the Shamir x-coordinate. */
  readonly index: number;
  readonly nodeAddress: string;
  readonly url: string;
  readonly commsKey: Uint8Array;
}

export interface ChainContracts {
  staking: string;
  pubkeyRouter: string;
  pkpNft: string;
  pkpPermissions: string;
}

/** A block as far as the nodes care: its number, hash and timestamp (seconds). */
export interface BlockHead {
  number: number;
  hash: string;
  timestamp: number;
}

export interface RoutingSignature {
  r: string;
  s: string;
  v: number;
}

/** `http://a.b.c.d:port` from a big-endian uint32 IPv4 address. */
export function nodeUrl(ip: bigint | number, port: bigint | number): string {
  const v = Number(ip);
  return `http://${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}:${Number(port)}`;
}

/** Validators sorted by node address ascending, with their 1-based index. */
export function sortValidators(
  list: readonly { nodeAddress: string; url: string; commsKey: Uint8Array }[],
): Validator[] {
  return [...list]
    .sort((a, b) => {
      const x = BigInt(a.nodeAddress);
      const y = BigInt(b.nodeAddress);
      return x < y ? -1 : x > y ? 1 : 0;
    })
    .map((v, k) => Object.freeze({ ...v, nodeAddress: getAddress(v.nodeAddress), index: k + 1 }));
}

/** The token id of a PKP: uint256(keccak256(uncompressed pubkey)). */
export function tokenIdOf(pubkey: Uint8Array | string): bigint {
  return BigInt(keccak256(pubkey));
}
