/**
 * Encryption at rest. Every stored secret is sealed with ChaCha20-Poly1305 (RFC 8439) under a key
 * derived from the node's secret key with HKDF-SHA256; the associated data is the table name and
 * the row key, so a sealed value cannot be moved to another row or table without being refused.
 * Nonces are 96 random bits per value: far below the birthday bound for the number of values a
 * node stores.
 */
import { chacha20poly1305 } from "@noble/ciphers/chacha";
import { randomBytes } from "@noble/ciphers/webcrypto";
import { hkdf } from "@noble/hashes/hkdf";
import { sha256 } from "@noble/hashes/sha2";

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const SALT = new TextEncoder().encode("pkp-network/node-storage/v1");
const INFO = new TextEncoder().encode("chacha20poly1305 at-rest key");

/** The storage key of a node: HKDF-SHA256(node secret key, salt, info) → 32 bytes. */
export function deriveStorageKey(nodeSecretKey: Uint8Array): Uint8Array {
  if (nodeSecretKey.length < 32) throw new RangeError("the node secret key must be at least 32 bytes");
  return hkdf(sha256, nodeSecretKey, SALT, INFO, 32);
}

/** The associated data of a row: `table \0 rowKey`. */
export function associatedData(table: string, rowKey: string): Uint8Array {
  return new TextEncoder().encode(`${table}\u0000${rowKey}`);
}

/** nonce ‖ ciphertext ‖ tag. */
export function seal(key: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = chacha20poly1305(key, nonce, aad).encrypt(plaintext);
  const out = new Uint8Array(NONCE_BYTES + sealed.length);
  out.set(nonce, 0);
  out.set(sealed, NONCE_BYTES);
  return out;
}

/** The plaintext, or undefined when the value was altered, moved, or sealed under another key. */
export function open(key: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) return undefined;
  try {
    return chacha20poly1305(key, sealed.subarray(0, NONCE_BYTES), aad).decrypt(sealed.subarray(NONCE_BYTES));
  } catch {
    return undefined;
  }
}
