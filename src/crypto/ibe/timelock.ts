/**
 * Identity-based encryption as Lit's `blsful` time-lock encryption (`BlsTimeCrypt::seal/unseal`,
 * `TimeCryptCiphertext`), which Lit's client runs through `@lit-protocol/wasm` `blsEncrypt` /
 * `blsDecrypt`: Boneh-Franklin "FullIdent" with the Fujisaki-Okamoto transform, master public key in
 * G1, identity hashed to G2 with the signature DST of the proof-of-possession scheme, so that the
 * decryption key for an identity is the network's BLS signature on it.
 *
 *   α  = H_Zq(random 32 bytes)                    (its 32-byte little-endian repr is the FO seed)
 *   r  = H_Zq(α ‖ SHA-256(M))
 *   U  = r·G1
 *   K  = e(r·P_pub, H_G2(id))                      (= e(U, sk·H_G2(id)) for the holder of the key)
 *   V  = SHA-256(K as 576 bytes) ⊕ α
 *   W  = SHAKE128(α) ⊕ (LEB128(|M|) ‖ M ‖ zero padding up to 32 bytes)
 *
 * with H_Zq(x) = OS2IP(HKDF-SHA-256(salt = "TIMELOCK_BLS12381_XOF:HKDF-SHA2-256_", ikm = x ‖ 0x00,
 * info = I2OSP(48, 2), L = 48)) mod r. Decryption recomputes r from the recovered α and M and
 * checks U == r·G1 (the FO check), so any tampering fails instead of yielding a wrong plaintext.
 *
 * Serialisation is serde_bare of `TimeCryptCiphertext { u, v, w, scheme }`: U (48 bytes compressed),
 * V (32 bytes), W (ULEB128 length ‖ bytes), scheme (ULEB128 variant index, 2 = ProofOfPossession).
 */
import { bls12_381 } from "@noble/curves/bls12-381";
import { hkdf } from "@noble/hashes/hkdf";
import { sha256 } from "@noble/hashes/sha2";
import { createHash } from "node:crypto";
import { randomBytes as cryptoRandomBytes } from "@noble/hashes/utils";
import { CryptoError } from "../errors";
import { bigToBytesBE, bytesToBigBE } from "../group";
import {
  BLS_SIG_POP_DST,
  Fr,
  G1,
  G1_BYTES,
  g1FromBytes,
  hashToG2,
  messageBytes,
  toG1,
  toG2,
  verify,
  type G1Point,
  type G2Point,
} from "../bls/bls";

export const TIMELOCK_SALT = "TIMELOCK_BLS12381_XOF:HKDF-SHA2-256_";

/** blsful `SignatureSchemes` variant indices. */
export const SignatureScheme = { Basic: 0, MessageAugmentation: 1, ProofOfPossession: 2 } as const;
export type SignatureScheme = (typeof SignatureScheme)[keyof typeof SignatureScheme];

/**
 * SHAKE128 and SHA-256 over bulk data through node:crypto (OpenSSL): the same functions as noble's,
 * about 30× faster on megabytes (noble's SHAKE128 takes seconds per 10 MB).
 */
function shake128(seed: Uint8Array, opts: { dkLen: number }): Uint8Array {
  return new Uint8Array(createHash("shake128", { outputLength: opts.dkLen }).update(seed).digest());
}
function bulkSha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(data).digest());
}

const V_BYTES = 32;
const MIN_BODY = 32;
/** Bigger plaintexts than this are refused (the LEB128 length must stay an exact JS integer). */
export const MAX_PLAINTEXT = 2 ** 32;

export interface TimeLockCiphertext {
  readonly u: G1Point;
  readonly v: Uint8Array;
  readonly w: Uint8Array;
  readonly scheme: SignatureScheme;
}

export interface EncryptOptions {
  /** Source of the 32 random bytes behind α (tests pass a deterministic one). */
  readonly randomBytes?: (length: number) => Uint8Array;
}

const utf8 = new TextEncoder();
const SALT_BYTES = utf8.encode(TIMELOCK_SALT);
const INFO = new Uint8Array([0, 48]);

/** blsful `Bls12381G2::hash_to_scalar` (the IETF BLS KeyGen step with a fixed salt). */
export function hashToScalar(ikm: Uint8Array, salt: Uint8Array = SALT_BYTES): bigint {
  const input = new Uint8Array(ikm.length + 1);
  input.set(ikm);
  const s = Fr.create(bytesToBigBE(hkdf(sha256, input, salt, INFO, 48)));
  // blsful retries on zero with the same inputs (it never ends); probability 2^-255.
  if (s === 0n) throw new CryptoError("hash to scalar gave zero");
  return s;
}

/** A scalar's 32-byte little-endian representation (`PrimeField::to_repr` of bls12_381). */
function scalarReprLE(s: bigint): Uint8Array {
  return bigToBytesBE(s, 32).reverse();
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function encodeUleb128(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new CryptoError("length must be a non-negative integer");
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Uint8Array.from(out);
}

/** Minimal ULEB128 at `offset`; undefined if truncated, non-minimal or above `max`. */
export function decodeUleb128(
  bytes: Uint8Array,
  offset: number,
  max: number,
): { value: number; length: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; offset + i < bytes.length && i < 8; i++) {
    const b = bytes[offset + i];
    value += (b & 0x7f) * scale;
    if (value > max) return undefined;
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) return undefined; // non-minimal
      return { value, length: i + 1 };
    }
    scale *= 128;
  }
  return undefined;
}

/** SHA-256 of the pairing result as blsful's `Gt::to_bytes` (12 big-endian Fp, c0 before c1). */
function maskFromGt(k: ReturnType<typeof bls12_381.pairing>): Uint8Array {
  return sha256(bls12_381.fields.Fp12.toBytes(k));
}

/** The plaintext framing blsful seals: LEB128(|M|) ‖ M ‖ zeros up to 32 bytes. */
function frame(plaintext: Uint8Array): Uint8Array {
  const body = concat(encodeUleb128(plaintext.length), plaintext);
  if (body.length >= MIN_BODY) return body;
  const padded = new Uint8Array(MIN_BODY);
  padded.set(body);
  return padded;
}

/** Encrypt to the identity under the network's BLS public key; the structured ciphertext. */
export function seal(
  networkPublicKey: G1Point | Uint8Array,
  identity: Uint8Array | string,
  plaintext: Uint8Array,
  options: EncryptOptions = {},
): TimeLockCiphertext {
  const pk = toG1(networkPublicKey, "network public key");
  if (!(plaintext instanceof Uint8Array)) throw new CryptoError("plaintext must be bytes");
  if (plaintext.length > MAX_PLAINTEXT)
    throw new CryptoError(`plaintext is longer than ${MAX_PLAINTEXT} bytes`);
  const seed = (options.randomBytes ?? cryptoRandomBytes)(32);
  if (!(seed instanceof Uint8Array) || seed.length !== 32)
    throw new CryptoError("randomBytes must return 32 bytes");
  // α ← Zq, used through its 32-byte little-endian representation.
  const alpha = scalarReprLE(hashToScalar(seed));
  // r = H_Zq(α ‖ SHA-256(M))
  const r = hashToScalar(concat(alpha, bulkSha256(plaintext)));
  // K = e(P_pub^r, H_G2(id))
  const k = bls12_381.pairing(pk.multiply(r), hashToG2(identity, BLS_SIG_POP_DST));
  const u = G1.BASE.multiply(r);
  const v = xor(alpha, maskFromGt(k));
  const body = frame(plaintext);
  const w = xor(body, shake128(alpha, { dkLen: body.length }));
  return { u, v, w, scheme: SignatureScheme.ProofOfPossession };
}

/** serde_bare encoding of `TimeCryptCiphertext` (what `blsEncrypt` returns). */
export function encodeCiphertext(ct: TimeLockCiphertext): Uint8Array {
  if (ct.v.length !== V_BYTES) throw new CryptoError(`v must be ${V_BYTES} bytes`);
  return concat(ct.u.toBytes(true), ct.v, encodeUleb128(ct.w.length), ct.w, Uint8Array.of(ct.scheme));
}

/** Strict decoding: exact lengths, a valid non-identity U, minimal lengths, no trailing bytes. */
export function decodeCiphertext(bytes: Uint8Array): TimeLockCiphertext {
  if (!(bytes instanceof Uint8Array)) throw new CryptoError("ciphertext must be bytes");
  if (bytes.length < G1_BYTES + V_BYTES + 1 + MIN_BODY + 1) throw new CryptoError("ciphertext is too short");
  const u = g1FromBytes(bytes.subarray(0, G1_BYTES), "ciphertext U");
  const v = bytes.slice(G1_BYTES, G1_BYTES + V_BYTES);
  const len = decodeUleb128(bytes, G1_BYTES + V_BYTES, MAX_PLAINTEXT + 16);
  if (len === undefined) throw new CryptoError("ciphertext W length is malformed");
  const start = G1_BYTES + V_BYTES + len.length;
  if (len.value < MIN_BODY) throw new CryptoError("ciphertext W is too short");
  if (start + len.value + 1 !== bytes.length)
    throw new CryptoError("ciphertext length does not match its W length");
  const w = bytes.slice(start, start + len.value);
  const scheme = bytes[bytes.length - 1];
  if (scheme !== SignatureScheme.ProofOfPossession)
    throw new CryptoError(`unsupported signature scheme ${scheme} (only ProofOfPossession)`);
  return { u, v, w, scheme };
}

/** `encrypt(networkPublicKey, identity, plaintext)`: the serialised ciphertext, any plaintext size. */
export function encrypt(
  networkPublicKey: G1Point | Uint8Array,
  identity: Uint8Array | string,
  plaintext: Uint8Array,
  options: EncryptOptions = {},
): Uint8Array {
  return encodeCiphertext(seal(networkPublicKey, identity, plaintext, options));
}

const DECRYPT_FAILED = "ciphertext does not decrypt with this key";

/**
 * Decrypt with the identity key (the combined BLS signature on the identity). Every failure (a key
 * for another identity, a tampered U, V or W, bad framing) is a CryptoError; never a wrong plaintext.
 */
export function decrypt(
  ciphertext: Uint8Array | TimeLockCiphertext,
  identityKey: G2Point | Uint8Array,
): Uint8Array {
  const ct = ciphertext instanceof Uint8Array ? decodeCiphertext(ciphertext) : ciphertext;
  if (ct.scheme !== SignatureScheme.ProofOfPossession) throw new CryptoError("unsupported signature scheme");
  if (ct.v.length !== V_BYTES || ct.w.length < MIN_BODY) throw new CryptoError("malformed ciphertext");
  const u = toG1(ct.u, "ciphertext U");
  const key = toG2(identityKey, "identity key");
  const alpha = xor(ct.v, maskFromGt(bls12_381.pairing(u, key)));
  const body = xor(ct.w, shake128(alpha, { dkLen: ct.w.length }));
  const len = decodeUleb128(body, 0, body.length);
  if (len === undefined) throw new CryptoError(DECRYPT_FAILED);
  const end = len.length + len.value;
  if (end > body.length || body.length !== Math.max(MIN_BODY, end)) throw new CryptoError(DECRYPT_FAILED);
  for (let i = end; i < body.length; i++) if (body[i] !== 0) throw new CryptoError(DECRYPT_FAILED);
  const plaintext = body.slice(len.length, end);
  // Fujisaki-Okamoto: U must be r·G1 for r = H_Zq(α ‖ SHA-256(M)).
  const r = hashToScalar(concat(alpha, bulkSha256(plaintext)));
  if (!G1.BASE.multiply(r).equals(u)) throw new CryptoError(DECRYPT_FAILED);
  return plaintext;
}

/** Whether `identityKey` is the network's signature on `identity` (check before a costly decrypt). */
export function verifyIdentityKey(
  networkPublicKey: G1Point | Uint8Array,
  identity: Uint8Array | string,
  identityKey: G2Point | Uint8Array,
): boolean {
  return verify(networkPublicKey, messageBytes(identity), identityKey, BLS_SIG_POP_DST);
}
