/**
 * The prime-order groups the protocols run in, behind one small interface so that Shamir sharing,
 * Feldman commitments and the DKG are written once for secp256k1 (PKP keys, ECDSA) and for
 * BLS12-381 G1 (the network's BLS key; public keys in G1 as Lit's `blsful` Bls12381G2Impl has them).
 */
import { secp256k1 } from "@noble/curves/secp256k1";
import { bls12_381 } from "@noble/curves/bls12-381";
import type { IField } from "@noble/curves/abstract/modular";
import type { WeierstrassPoint, WeierstrassPointCons } from "@noble/curves/abstract/weierstrass";
import { randomBytes } from "@noble/hashes/utils";
import { CryptoError } from "./errors";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Point = WeierstrassPoint<any>;

export interface Group {
  readonly name: "secp256k1" | "bls12-381-g1";
  /** The scalar field (order of the group). */
  readonly Fn: IField<bigint>;
  readonly order: bigint;
  readonly G: Point;
  readonly ZERO: Point;
  /** Bytes of a compressed point encoding. */
  readonly pointLength: number;
  /** Bytes of a scalar encoding (big-endian). */
  readonly scalarLength: number;
  pointFromBytes(bytes: Uint8Array): Point;
  pointToBytes(p: Point): Uint8Array;
  scalarToBytes(s: bigint): Uint8Array;
  /** Big-endian, must be canonical (< order). */
  scalarFromBytes(bytes: Uint8Array): bigint;
  /** A uniformly random non-zero scalar. */
  randomScalar(): bigint;
  /** Σ scalars[i]·points[i] (variable time: public data only). */
  msm(points: readonly Point[], scalars: readonly bigint[]): Point;
}

function bytesToBigBE(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function bigToBytesBE(v: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new CryptoError("scalar does not fit");
  return out;
}

function makeGroup(
  name: Group["name"],
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  P: WeierstrassPointCons<any>,
  Fn: IField<bigint>,
  pointLength: number,
): Group {
  const scalarLength = Fn.BYTES;
  return {
    name,
    Fn,
    order: Fn.ORDER,
    G: P.BASE,
    ZERO: P.ZERO,
    pointLength,
    scalarLength,
    pointFromBytes(bytes) {
      if (bytes.length !== pointLength) throw new CryptoError(`${name}: point must be ${pointLength} bytes`);
      const p = P.fromBytes(bytes);
      p.assertValidity();
      return p;
    },
    pointToBytes: (p) => p.toBytes(true),
    scalarToBytes: (s) => bigToBytesBE(Fn.create(s), scalarLength),
    scalarFromBytes(bytes) {
      if (bytes.length !== scalarLength)
        throw new CryptoError(`${name}: scalar must be ${scalarLength} bytes`);
      const v = bytesToBigBE(bytes);
      if (v >= Fn.ORDER) throw new CryptoError(`${name}: scalar is not canonical`);
      return v;
    },
    randomScalar() {
      // 64 bytes reduced mod order: statistical distance from uniform < 2^-250.
      for (;;) {
        const s = Fn.create(bytesToBigBE(randomBytes(scalarLength + 32)));
        if (s !== 0n) return s;
      }
    },
    msm(points, scalars) {
      if (points.length !== scalars.length) throw new CryptoError("msm: length mismatch");
      if (points.length === 0) return P.ZERO;
      return P.msm(
        points as Point[],
        scalars.map((s) => Fn.create(s)),
      );
    },
  };
}

export const secp256k1Group: Group = makeGroup("secp256k1", secp256k1.Point, secp256k1.Point.Fn, 33);
export const blsG1Group: Group = makeGroup("bls12-381-g1", bls12_381.G1.Point, bls12_381.G1.Point.Fn, 48);

export { bytesToBigBE, bigToBytesBE };
