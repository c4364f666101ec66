/**
 * Authenticated peer-to-peer encryption of private protocol messages (the DKG's shares).
 *
 *   sealFor(receiverPublicKey, senderKeys, aad, plaintext) → sealed
 *   open(receiverKeys, senderPublicKey, aad, sealed)        → plaintext (or a CryptoError)
 *
 * Construction (x25519 + HKDF-SHA256 + ChaCha20-Poly1305, static-static "auth" mode):
 *   dh    = X25519(sk_sender, pk_receiver)                      (= X25519(sk_receiver, pk_sender))
 *   salt  = 32 fresh random bytes, sent in the clear
 *   key   = HKDF-SHA256(ikm = dh, salt, info = LABEL ‖ pk_sender ‖ pk_receiver, 32)
 *   box   = ChaCha20-Poly1305(key, nonce = 0^12, aad).encrypt(plaintext)
 *   sealed = salt ‖ box
 * Only the two key holders can compute `dh`, so a box that opens came from the claimed sender (or
 * from the receiver itself); the direction is bound by the order of the keys in `info`, so a message
 * cannot be reflected back to its sender. Every message has its own key (a fresh salt), so the fixed
 * nonce is never reused under one key. `aad` is authenticated, not encrypted: callers bind the
 * sender, the receiver, the session and the round in it (see `src/crypto/dkg/transport.ts`), so a box
 * replayed in another session, round or for another receiver fails to open.
 *
 * The X25519 result for a (key pair, peer key) is memoised in a WeakMap keyed by the key pair object
 * (it lives exactly as long as the caller keeps its keys), so a node pays one X25519 per peer.
 */
import { x25519 } from "@noble/curves/ed25519";
import { chacha20poly1305 } from "@noble/ciphers/chacha";
import { hkdf } from "@noble/hashes/hkdf";
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex, concatBytes, randomBytes as cryptoRandomBytes, utf8ToBytes } from "@noble/hashes/utils";
import { CryptoError } from "./errors";

/** A node's long-term x25519 key pair for peer encryption (32-byte keys). */
export interface EncryptionKeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Bytes of an x25519 key, of the salt, and of the Poly1305 tag. */
export const KEY_LENGTH = 32;
export const SALT_LENGTH = 32;
export const TAG_LENGTH = 16;
/** The smallest sealed box (an empty plaintext). */
export const SEALED_OVERHEAD = SALT_LENGTH + TAG_LENGTH;

const LABEL = utf8ToBytes("pkp-network/seal/v1");
const NONCE = new Uint8Array(12);

/** A source of random bytes (tests pass a deterministic one; the default is the system CSPRNG). */
export type RandomBytes = (length: number) => Uint8Array;

export function generateEncryptionKeys(randomBytes: RandomBytes = cryptoRandomBytes): EncryptionKeyPair {
  return encryptionKeysFromSecret(randomBytes(KEY_LENGTH));
}

export function encryptionKeysFromSecret(secretKey: Uint8Array): EncryptionKeyPair {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== KEY_LENGTH)
    throw new CryptoError(`x25519 secret key must be ${KEY_LENGTH} bytes`);
  const sk = Uint8Array.from(secretKey);
  return Object.freeze({ secretKey: sk, publicKey: x25519.getPublicKey(sk) });
}

const sharedCache = new WeakMap<EncryptionKeyPair, Map<string, Uint8Array>>();

function sharedSecret(keys: EncryptionKeyPair, peerPublicKey: Uint8Array): Uint8Array {
  if (!(peerPublicKey instanceof Uint8Array) || peerPublicKey.length !== KEY_LENGTH)
    throw new CryptoError(`x25519 public key must be ${KEY_LENGTH} bytes`);
  let cache = sharedCache.get(keys);
  if (cache === undefined) {
    cache = new Map();
    sharedCache.set(keys, cache);
  }
  const id = bytesToHex(peerPublicKey);
  let dh = cache.get(id);
  if (dh === undefined) {
    try {
      // noble refuses an all-zero result (a low-order peer key), as RFC 7748 §6.1 recommends.
      dh = x25519.getSharedSecret(keys.secretKey, peerPublicKey);
    } catch (cause) {
      throw new CryptoError("x25519: peer public key is invalid (low order)", { cause });
    }
    cache.set(id, dh);
  }
  return dh;
}

function boxKey(
  dh: Uint8Array,
  salt: Uint8Array,
  senderPub: Uint8Array,
  receiverPub: Uint8Array,
): Uint8Array {
  return hkdf(sha256, dh, salt, concatBytes(LABEL, senderPub, receiverPub), 32);
}

/** Encrypts `plaintext` from `senderKeys` to `receiverPublicKey`, authenticating `aad`. */
export function sealFor(
  receiverPublicKey: Uint8Array,
  senderKeys: EncryptionKeyPair,
  aad: Uint8Array,
  plaintext: Uint8Array,
  options: { randomBytes?: RandomBytes } = {},
): Uint8Array {
  const dh = sharedSecret(senderKeys, receiverPublicKey);
  const salt = (options.randomBytes ?? cryptoRandomBytes)(SALT_LENGTH);
  if (salt.length !== SALT_LENGTH) throw new CryptoError("random source returned the wrong length");
  const key = boxKey(dh, salt, senderKeys.publicKey, receiverPublicKey);
  return concatBytes(salt, chacha20poly1305(key, NONCE, aad).encrypt(plaintext));
}

/**
 * Opens a box sealed by `senderPublicKey` for `receiverKeys` under the same `aad`. Throws a
 * CryptoError, never returns wrong bytes, when anything (salt, ciphertext, tag, aad, keys) differs.
 */
export function open(
  receiverKeys: EncryptionKeyPair,
  senderPublicKey: Uint8Array,
  aad: Uint8Array,
  sealed: Uint8Array,
): Uint8Array {
  if (!(sealed instanceof Uint8Array) || sealed.length < SEALED_OVERHEAD)
    throw new CryptoError(`sealed box is shorter than ${SEALED_OVERHEAD} bytes`);
  const dh = sharedSecret(receiverKeys, senderPublicKey);
  const key = boxKey(dh, sealed.subarray(0, SALT_LENGTH), senderPublicKey, receiverKeys.publicKey);
  try {
    return chacha20poly1305(key, NONCE, aad).decrypt(sealed.subarray(SALT_LENGTH));
  } catch (cause) {
    throw new CryptoError("sealed box does not open: wrong sender, receiver, context or tampered bytes", {
      cause,
    });
  }
}
