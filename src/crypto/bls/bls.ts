/**
 * BLS signatures on BLS12-381 exactly as Lit's `blsful` `Bls12381G2Impl` makes them: secret keys are
 * scalars, public keys are in G1 (48 bytes compressed), signatures are in G2 (96 bytes compressed,
 * the ZCash encoding), and messages are hashed to G2 with RFC 9380 `hash_to_curve`
 * (expand_message_xmd with SHA-256, simplified SWU) under the proof-of-possession scheme's DST.
 */
import { bls12_381 } from "@noble/curves/bls12-381";
import type { WeierstrassPoint } from "@noble/curves/abstract/weierstrass";
import type { Fp2 } from "@noble/curves/abstract/tower";
import { CryptoError } from "../errors";
import { blsG1Group } from "../group";

/** blsful `Bls12381G2Impl` (`BlsSignaturePop::SIG_DST`): what the network signs with. */
export const BLS_SIG_POP_DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
/** blsful `BlsSignatureBasic::DST` (not used by Lit's flows; kept for the known-answer tests). */
export const BLS_SIG_NUL_DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_";

export const G1_BYTES = 48;
export const G2_BYTES = 96;

export type G1Point = WeierstrassPoint<bigint>;
export type G2Point = WeierstrassPoint<Fp2>;

export const G1 = bls12_381.G1.Point;
export const G2 = bls12_381.G2.Point;
/** The scalar field (the same for G1 and G2). */
export const Fr = blsG1Group.Fn;

const utf8 = new TextEncoder();

/** Bytes of a message given as a string (UTF-8) or as bytes. */
export function messageBytes(message: Uint8Array | string): Uint8Array {
  return typeof message === "string" ? utf8.encode(message) : message;
}

/** RFC 9380 hash_to_curve into G2 (BLS12381G2_XMD:SHA-256_SSWU_RO_). */
export function hashToG2(message: Uint8Array | string, dst: string = BLS_SIG_POP_DST): G2Point {
  return bls12_381.G2.hashToCurve(messageBytes(message), { DST: dst }) as unknown as G2Point;
}

/** A G1 point from its 48-byte compressed encoding: on the curve, in the subgroup, not the identity. */
export function g1FromBytes(bytes: Uint8Array, what = "public key"): G1Point {
  if (!(bytes instanceof Uint8Array) || bytes.length !== G1_BYTES)
    throw new CryptoError(`${what} must be ${G1_BYTES} bytes`);
  let p: G1Point;
  try {
    p = G1.fromBytes(bytes);
    p.assertValidity();
  } catch (cause) {
    throw new CryptoError(`${what} is not a valid G1 point`, { cause });
  }
  if (p.is0()) throw new CryptoError(`${what} is the identity`);
  return p;
}

/** A G2 point from its 96-byte compressed encoding: on the curve, in the subgroup, not the identity. */
export function g2FromBytes(bytes: Uint8Array, what = "signature"): G2Point {
  if (!(bytes instanceof Uint8Array) || bytes.length !== G2_BYTES)
    throw new CryptoError(`${what} must be ${G2_BYTES} bytes`);
  let p: G2Point;
  try {
    p = G2.fromBytes(bytes);
    p.assertValidity();
  } catch (cause) {
    throw new CryptoError(`${what} is not a valid G2 point`, { cause });
  }
  if (p.is0()) throw new CryptoError(`${what} is the identity`);
  return p;
}

export function toG1(p: G1Point | Uint8Array, what = "public key"): G1Point {
  if (p instanceof Uint8Array) return g1FromBytes(p, what);
  if (p.is0()) throw new CryptoError(`${what} is the identity`);
  return p;
}

export function toG2(p: G2Point | Uint8Array, what = "signature"): G2Point {
  if (p instanceof Uint8Array) return g2FromBytes(p, what);
  if (p.is0()) throw new CryptoError(`${what} is the identity`);
  return p;
}

export function publicKeyFromSecret(secret: bigint): G1Point {
  const s = Fr.create(secret);
  if (s === 0n) throw new CryptoError("secret key is zero");
  return G1.BASE.multiply(s);
}

/** σ = sk·H(m). */
export function sign(secret: bigint, message: Uint8Array | string, dst: string = BLS_SIG_POP_DST): G2Point {
  const s = Fr.create(secret);
  if (s === 0n) throw new CryptoError("secret key is zero");
  return hashToG2(message, dst).multiply(s);
}

/**
 * e(pk, H) == e(G1, σ), checked as one product e(pk, H)·e(−G1, σ) == 1 with a single final
 * exponentiation. `hashed` is H(m) (pass it to verify many signatures on one message).
 */
export function verifyHashed(publicKey: G1Point, hashed: G2Point, signature: G2Point): boolean {
  if (publicKey.is0() || signature.is0()) return false;
  const gt = bls12_381.pairingBatch([
    { g1: publicKey, g2: hashed },
    { g1: G1.BASE.negate(), g2: signature },
  ]);
  return bls12_381.fields.Fp12.eql(gt, bls12_381.fields.Fp12.ONE);
}

/** Verifies a (combined) signature against a public key, as blsful's `Signature::verify` (PoP scheme). */
export function verify(
  publicKey: G1Point | Uint8Array,
  message: Uint8Array | string,
  signature: G2Point | Uint8Array,
  dst: string = BLS_SIG_POP_DST,
): boolean {
  let pk: G1Point;
  let sig: G2Point;
  try {
    pk = toG1(publicKey);
    sig = toG2(signature);
  } catch {
    return false;
  }
  return verifyHashed(pk, hashToG2(message, dst), sig);
}
