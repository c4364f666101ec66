/**
 * The session key: an ed25519 key pair that signs each request to each node, delegated to by the
 * wallet's SIWE. Same hex format as Lit's client (`publicKey` 32 bytes; `secretKey` 64 bytes:
 * the 32-byte seed followed by the public key, as nacl writes it), so either side's pairs fit.
 */
import { ed25519 } from "@noble/curves/ed25519";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils";
import { InvalidArgumentError } from "../errors";

export interface SessionKeyPair {
  publicKey: string;
  secretKey: string;
}

export function generateSessionKeyPair(): SessionKeyPair {
  const seed = ed25519.utils.randomPrivateKey();
  const publicKey = ed25519.getPublicKey(seed);
  return { publicKey: bytesToHex(publicKey), secretKey: bytesToHex(seed) + bytesToHex(publicKey) };
}

/** Checks a pair (the public half must belong to the secret half) and returns the signing seed. */
export function sessionSeed(pair: SessionKeyPair): Uint8Array {
  if (!/^[0-9a-fA-F]{128}$/.test(pair.secretKey)) {
    throw new InvalidArgumentError(
      "sessionKeyPair.secretKey",
      "must be 64 bytes of hex (seed || public key)",
    );
  }
  if (!/^[0-9a-fA-F]{64}$/.test(pair.publicKey)) {
    throw new InvalidArgumentError("sessionKeyPair.publicKey", "must be 32 bytes of hex");
  }
  const seed = hexToBytes(pair.secretKey.slice(0, 64));
  const derived = bytesToHex(ed25519.getPublicKey(seed));
  if (derived !== pair.publicKey.toLowerCase() || derived !== pair.secretKey.slice(64).toLowerCase()) {
    throw new InvalidArgumentError("sessionKeyPair", "public key does not belong to the secret key");
  }
  return seed;
}

/** `lit:session:<public key hex>`, the SIWE URI that delegates to this key. */
export function sessionKeyUri(publicKey: string): string {
  return `lit:session:${publicKey}`;
}
