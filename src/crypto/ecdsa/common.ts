/**
 * Shared pieces of threshold ECDSA: the curve (secp256k1 through `secp256k1Group`), randomness,
 * domain-separated hashing to scalars, strict decoding of untrusted scalars/points/hex, and the
 * small-scalar Horner evaluation of Feldman commitments that keeps verification cheap.
 */
import { sha256, sha512 } from "@noble/hashes/sha2";
import { bytesToHex, concatBytes, hexToBytes, randomBytes, utf8ToBytes } from "@noble/hashes/utils";
import { normalizeZ } from "@noble/curves/abstract/curve";
import { secp256k1 } from "@noble/curves/secp256k1";
import { secp256k1Group, bytesToBigBE, type Point } from "../group";
import { CryptoError } from "../errors";
import { randomScalarFrom, type Rng } from "../rng";

export const group = secp256k1Group;
export const Fn = group.Fn;
/** The order n of secp256k1. */
export const ORDER = group.order;
export const HALF_ORDER = ORDER >> 1n;

export { systemRng, type Rng } from "../rng";

/** A uniformly random non-zero scalar: 64 bytes reduced mod n (bias < 2^-250). */
export function randomScalar(rng: Rng): bigint {
  return randomScalarFrom(group, rng);
}

/** A random non-zero 128-bit weight for batch verification (soundness error 2^-128 per check). */
export function randomWeight(): bigint {
  for (;;) {
    const w = bytesToBigBE(randomBytes(16));
    if (w !== 0n) return w;
  }
}

function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v);
  return b;
}

/** One field of a hashed transcript: length-prefixed bytes, a u32, a scalar or a point. */
export type TranscriptItem = Uint8Array | number | bigint | Point;

function encodeItem(item: TranscriptItem): Uint8Array {
  if (item instanceof Uint8Array) return concatBytes(u32(item.length), item);
  if (typeof item === "number") return u32(item);
  if (typeof item === "bigint") return group.scalarToBytes(item);
  return pointForHash(item);
}

/** SHA-512(domain ‖ items) reduced mod n: a Fiat-Shamir challenge or a public randomiser. */
export function hashToScalar(domain: string, items: readonly TranscriptItem[]): bigint {
  const h = sha512.create();
  h.update(encodeItem(utf8ToBytes(`pkp-network/ecdsa/v1/${domain}`)));
  for (const item of items) h.update(encodeItem(item));
  return Fn.create(bytesToBigBE(h.digest()));
}

/** SHA-256(domain ‖ items): digests and identifiers. */
export function hashBytes(domain: string, items: readonly TranscriptItem[]): Uint8Array {
  const h = sha256.create();
  h.update(encodeItem(utf8ToBytes(`pkp-network/ecdsa/v1/${domain}`)));
  for (const item of items) h.update(encodeItem(item));
  return h.digest();
}

/** Compressed encoding; the identity (which has none on secp256k1) as 33 zero bytes. */
export function pointForHash(p: Point): Uint8Array {
  return p.equals(group.ZERO) ? new Uint8Array(group.pointLength) : group.pointToBytes(p);
}

/** Converts points to affine with one batched inversion, so that later encodings are cheap. */
export function toAffineBatch(points: readonly Point[]): Point[] {
  return normalizeZ(secp256k1.Point, points as Point[]);
}

/** k·G for a secret k (constant-time ladder with noble's precomputed base table); 0 maps to the identity. */
export function mulG(k: bigint): Point {
  const s = Fn.create(k);
  return s === 0n ? group.ZERO : group.G.multiply(s);
}

const prepared = new WeakSet<Point>();
const preparedByValue = new Map<string, Point>();

/**
 * Marks a long-lived public point (a PKP's public key, a public key share) for a cached window table
 * (w = 4): the first multiplication builds it (about the cost of one multiplication), later ones take
 * about a quarter of the time. Remembered by the point's value (the last 256 points), so a caller
 * that decodes the same key again for each request still finds its table: building one costs several
 * plain multiplications, so a table built for one use is a loss.
 */
export function prepared4(p: Point): Point {
  if (prepared.has(p)) return p;
  const { x, y } = p.toAffine();
  const key = `${x.toString(16)}:${y & 1n}`;
  const known = preparedByValue.get(key);
  if (known !== undefined) return known;
  p.precompute(4, true);
  prepared.add(p);
  if (preparedByValue.size >= 256) preparedByValue.clear();
  preparedByValue.set(key, p);
  return p;
}

/** k·P for public k and P (variable time). */
export function mulPublic(p: Point, k: bigint): Point {
  const s = Fn.create(k);
  return s === 0n ? group.ZERO : p.multiplyUnsafe(s);
}

/**
 * Σ_k C_k·x^k by Horner's rule in the exponent. x is a participant index (small), so each step is a
 * multiplication by a few-bit public scalar: much cheaper than an MSM with full-width powers of x.
 * `constantIsZero` means C_0 is the identity and is not stored (zero sharings).
 */
export function evalCommitment(commitments: readonly Point[], x: number, constantIsZero = false): Point {
  const xs = BigInt(x);
  let acc = group.ZERO;
  for (let k = commitments.length - 1; k >= 0; k--) {
    acc = acc.multiplyUnsafe(xs).add(commitments[k]);
  }
  return constantIsZero ? acc.multiplyUnsafe(xs) : acc;
}

/** Powers x^0..x^(len-1) mod n (for folding several evaluations of one commitment vector into an MSM). */
export function powers(x: number, len: number): bigint[] {
  const out: bigint[] = [];
  let p = 1n;
  for (let k = 0; k < len; k++) {
    out.push(p);
    p = Fn.mul(p, BigInt(x));
  }
  return out;
}

// ---------- strict decoding of untrusted input ----------

/** Lower-case hex without `0x` (the form Lit's client expects in shares). */
export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

export function hexToBytesStrict(hex: unknown, length: number | undefined, what: string): Uint8Array {
  if (typeof hex !== "string") throw new CryptoError(`${what}: expected a hex string`);
  const h = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new CryptoError(`${what}: not valid hex`);
  const bytes = hexToBytes(h);
  if (length !== undefined && bytes.length !== length)
    throw new CryptoError(`${what}: expected ${length} bytes, got ${bytes.length}`);
  return bytes;
}

/** A canonical scalar (< n) from 32 big-endian bytes or hex. */
export function decodeScalar(value: unknown, what: string): bigint {
  const bytes = value instanceof Uint8Array ? value : hexToBytesStrict(value, group.scalarLength, what);
  if (bytes.length !== group.scalarLength)
    throw new CryptoError(`${what}: expected ${group.scalarLength} bytes, got ${bytes.length}`);
  const v = bytesToBigBE(bytes);
  if (v >= ORDER) throw new CryptoError(`${what}: scalar is not below the group order`);
  return v;
}

export function encodeScalar(s: bigint): string {
  return toHex(group.scalarToBytes(s));
}

/** A point on the curve (compressed 33 bytes or uncompressed 65 bytes, SEC1), never the identity. */
export function decodePoint(value: unknown, what: string): Point {
  const bytes = value instanceof Uint8Array ? value : hexToBytesStrict(value, undefined, what);
  if (bytes.length !== 33 && bytes.length !== 65)
    throw new CryptoError(`${what}: a point must be 33 or 65 bytes, got ${bytes.length}`);
  try {
    const p = secp256k1.Point.fromBytes(bytes);
    p.assertValidity();
    return p;
  } catch (cause) {
    throw new CryptoError(`${what}: not a point on secp256k1`, { cause });
  }
}

/**
 * SEC1 hex of a point: compressed (33 bytes, the default and the form of the test vectors) or
 * uncompressed (65 bytes). Decoding a compressed point costs a square root (docs/performance.md), an
 * uncompressed one only an on-curve check, so data that is decoded often (the nodes' stored
 * presignatures, peer messages, shares sent to clients) uses the uncompressed form.
 */
export function encodePoint(p: Point, form: PointForm = "compressed"): string {
  return toHex(form === "compressed" ? group.pointToBytes(p) : p.toBytes(false));
}

export type PointForm = "compressed" | "uncompressed";

/** A 32-byte message hash (the prehashed digest that is signed). */
export function checkHash(hash: unknown, what = "message hash"): Uint8Array {
  if (!(hash instanceof Uint8Array) || hash.length !== 32) throw new CryptoError(`${what}: must be 32 bytes`);
  return hash;
}

/** ECDSA's m: the 32-byte hash as a big-endian integer reduced mod n (SEC1 §4.1.3 step 5, bits2int for 256-bit n). */
export function hashToInt(hash: Uint8Array): bigint {
  return Fn.create(bytesToBigBE(hash));
}

export function checkIndex(i: unknown, n: number, what: string): number {
  if (typeof i !== "number" || !Number.isInteger(i) || i < 1 || i > n)
    throw new CryptoError(`${what}: participant index must be an integer in 1..${n}, got ${String(i)}`);
  return i;
}

/** A secp256k1 point object (structural input check; validity is checked separately). */
export function isPoint(p: unknown): p is Point {
  return p instanceof secp256k1.Point;
}

/** Byte-wise equality of two hashes. */
export function sameHash(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** A signing set: distinct participant indices in 1..n (n if given), returned sorted. */
export function checkSigningSet(set: readonly number[], n?: number): number[] {
  if (!Array.isArray(set) || set.length === 0) throw new CryptoError("signing set must be a non-empty list");
  const seen = new Set<number>();
  for (const i of set) {
    if (!Number.isInteger(i) || i < 1 || (n !== undefined && i > n))
      throw new CryptoError(`signing set: bad participant index ${String(i)}`);
    if (seen.has(i)) throw new CryptoError(`signing set: participant ${i} appears twice`);
    seen.add(i);
  }
  return [...set].sort((x, y) => x - y);
}

/** The Fiat-Shamir challenge of a signature share's Chaum-Pedersen proof (P, T1, T2) for X_i. */
export function shareChallenge(
  presignatureId: string,
  index: number,
  X: Point,
  proof: { readonly P: Point; readonly T1: Point; readonly T2: Point },
): bigint {
  return hashToScalar("share-dleq", [
    new TextEncoder().encode(presignatureId),
    index,
    ...toAffineBatch([X, proof.P, proof.T1, proof.T2]),
  ]);
}
