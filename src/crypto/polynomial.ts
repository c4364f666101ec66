/**
 * Polynomials over a group's scalar field, Shamir sharing, Lagrange interpolation (of scalars and
 * in the exponent) and Feldman commitments. Participants are identified by their 1-based index,
 * which is also their Shamir x-coordinate.
 */
import type { Group, Point } from "./group";
import { CryptoError, CulpritError } from "./errors";

/** Coefficients a_0 … a_t; a_0 is the secret. */
export type Polynomial = readonly bigint[];

export function randomPolynomial(group: Group, degree: number, constant?: bigint): Polynomial {
  if (!Number.isInteger(degree) || degree < 0) throw new CryptoError("degree must be a non-negative integer");
  const coeffs: bigint[] = [constant === undefined ? group.randomScalar() : group.Fn.create(constant)];
  for (let i = 0; i < degree; i++) coeffs.push(group.randomScalar());
  return coeffs;
}

/** Horner evaluation of f at x. */
export function evaluate(group: Group, poly: Polynomial, x: bigint): bigint {
  const { Fn } = group;
  let acc = 0n;
  for (let i = poly.length - 1; i >= 0; i--) acc = Fn.add(Fn.mul(acc, x), poly[i]);
  return acc;
}

/** Feldman commitments C_k = a_k·G. */
export function commit(group: Group, poly: Polynomial): Point[] {
  // noble's multiply() refuses 0; a zero coefficient (as in a zero sharing) commits to the identity.
  return poly.map((a) => {
    const s = group.Fn.create(a);
    return s === 0n ? group.ZERO : group.G.multiply(s);
  });
}

/** Σ_k C_k·x^k: the commitment to f(x). */
export function evaluateCommitment(group: Group, commitments: readonly Point[], x: bigint): Point {
  const { Fn } = group;
  const powers: bigint[] = [];
  let p = 1n;
  for (let k = 0; k < commitments.length; k++) {
    powers.push(p);
    p = Fn.mul(p, x);
  }
  return group.msm(commitments, powers);
}

/** Checks share·G == Σ C_k·x^k. */
export function verifyShare(group: Group, commitments: readonly Point[], x: bigint, share: bigint): boolean {
  const expected = evaluateCommitment(group, commitments, x);
  const actual = share === 0n ? group.ZERO : group.G.multiply(share);
  return expected.equals(actual);
}

/** Split a secret into shares for participants 1..n with threshold degree t (t+1 shares recover it). */
export function share(
  group: Group,
  secret: bigint,
  degree: number,
  n: number,
): { shares: bigint[]; commitments: Point[]; polynomial: Polynomial } {
  if (degree >= n) throw new CryptoError("degree must be below the number of participants");
  const polynomial = randomPolynomial(group, degree, secret);
  const shares = [];
  for (let i = 1; i <= n; i++) shares.push(evaluate(group, polynomial, BigInt(i)));
  return { shares, commitments: commit(group, polynomial), polynomial };
}

function checkIndices(indices: readonly number[]): void {
  const seen = new Set<number>();
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 1)
      throw new CryptoError(`participant index must be a positive integer, got ${i}`);
    if (seen.has(i)) throw new CulpritError("participant index appears twice", i);
    seen.add(i);
  }
}

/** λ_i = Π_{j∈S, j≠i} x_j / (x_j − x_i): the Lagrange coefficient at 0 of participant i within S. */
export function lagrangeCoefficient(group: Group, i: number, set: readonly number[]): bigint {
  checkIndices(set);
  if (!set.includes(i)) throw new CryptoError(`participant ${i} is not in the set`);
  const { Fn } = group;
  let num = 1n;
  let den = 1n;
  const xi = BigInt(i);
  for (const j of set) {
    if (j === i) continue;
    const xj = BigInt(j);
    num = Fn.mul(num, xj);
    den = Fn.mul(den, Fn.sub(xj, xi));
  }
  return Fn.div(num, den);
}

/** All Lagrange coefficients at 0 for the set, with one batched inversion. */
export function lagrangeCoefficients(group: Group, set: readonly number[]): Map<number, bigint> {
  return lagrangeCoefficientsAt(group, set, 0n);
}

/**
 * All Lagrange coefficients at x for the set, λ_i(x) = Π_{j∈S, j≠i} (x_j − x)/(x_j − x_i), with one
 * batched inversion: Σ_i λ_i(x)·f(i) = f(x) for any f of degree below |S|. (At x = 0 the factors
 * x_j stay small integers, which keeps the products cheap.)
 */
export function lagrangeCoefficientsAt(group: Group, set: readonly number[], x: bigint): Map<number, bigint> {
  checkIndices(set);
  const { Fn } = group;
  const toX = new Map(set.map((j) => [j, Fn.create(BigInt(j) - x)]));
  const nums: bigint[] = [];
  const dens: bigint[] = [];
  for (const i of set) {
    let num = 1n;
    let den = 1n;
    for (const j of set) {
      if (j === i) continue;
      num = Fn.mul(num, toX.get(j)!);
      den = Fn.mul(den, Fn.sub(BigInt(j), BigInt(i)));
    }
    nums.push(num);
    dens.push(den);
  }
  const inv = Fn.invertBatch(dens);
  return new Map(set.map((i, k) => [i, Fn.mul(nums[k], inv[k])]));
}

/** f(0) from points (i, f(i)). */
export function interpolateAtZero(group: Group, points: ReadonlyMap<number, bigint>): bigint {
  const set = [...points.keys()];
  const lambdas = lagrangeCoefficients(group, set);
  let acc = 0n;
  for (const i of set) acc = group.Fn.add(acc, group.Fn.mul(lambdas.get(i)!, points.get(i)!));
  return acc;
}

/** f(0)·G from points (i, f(i)·G). */
export function interpolateInExponent(group: Group, points: ReadonlyMap<number, Point>): Point {
  const set = [...points.keys()];
  const lambdas = lagrangeCoefficients(group, set);
  return group.msm(
    set.map((i) => points.get(i)!),
    set.map((i) => lambdas.get(i)!),
  );
}

/** Thresholds of the network: t = floor((N-1)/3); 2t+1 shares are needed for anything. */
export function thresholdFor(n: number): { t: number; quorum: number } {
  if (!Number.isInteger(n) || n < 1) throw new CryptoError("network size must be a positive integer");
  const t = Math.floor((n - 1) / 3);
  return { t, quorum: 2 * t + 1 };
}
