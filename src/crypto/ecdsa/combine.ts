/**
 * Combining signature shares into a standard low-s Ethereum signature (r, s, v).
 *
 * - `combineSignatureShares` / `combineWeightedShares`: the shares of one operation; optimistic
 *   (interpolate, or add Lit's weighted shares, then one ECDSA check), and only if that fails each
 *   share verified (verify.ts), the wrong ones named and the honest rest combined.
 * - `combineSigningSet`: what a client does with the shares its nodes returned: the signing set most
 *   of them name, the optimistic sum first, then (only if it does not verify, or when asked) every
 *   share verified and the culprits named, down to a node whose public key share X_i is off the key's
 *   sharing polynomial (its share verifies against its own X_i, yet the sum does not).
 * - `sumShares` (Lit's client without verification data: add, low-s; unverified) and
 *   `combineLitShares` (the same, checked against the key: what a node does inside an action).
 *
 * About 400 lines: every way shares are combined (verified, weighted, Lit's unverified sum) beside
 * the culprit search they share.
 */
import type { Point } from "../group";
import { CryptoError, CulpritsError, ThresholdError } from "../errors";
import { interpolateInExponent, lagrangeCoefficients, lagrangeCoefficientsAt } from "../polynomial";
import {
  Fn,
  HALF_ORDER,
  ORDER,
  checkHash,
  encodePoint,
  encodeScalar,
  group,
  hashToInt,
  isPoint,
  mulG,
  mulPublic,
  prepared4,
  sameHash,
} from "./common";
import { unweightShare, type SignatureShare } from "./sign";
import { findInvalidShares, type VerificationContext } from "./verify";

export interface EcdsaSignature {
  readonly r: bigint;
  /** Low-s. */
  readonly s: bigint;
  /** Parity of R'.y, flipped with s. */
  readonly recoveryId: 0 | 1;
  /** 27 + recoveryId (Ethereum's convention). */
  readonly v: 27 | 28;
  /** 65 bytes r ‖ s ‖ v as 0x-hex: what ethers.recoverAddress and ethers.Signature.from take. */
  readonly serialized: string;
}

export interface CombineOptions {
  readonly hash: Uint8Array;
  readonly publicKey: Point;
  /** Degree t of the sharings; 2t+1 shares are needed. */
  readonly t: number;
  /** With it, shares for another presignature or R' are refused and a failed combination names its culprits. */
  readonly verification?: VerificationContext;
}

export interface CombineResult {
  readonly signature: EcdsaSignature;
  /** Shares that were refused (wrong operation, duplicate index, or failed verification), by index. */
  readonly culprits: readonly number[];
  /** The indices whose shares were combined. */
  readonly used: readonly number[];
}

/**
 * The standard ECDSA check with the full point: (m/s)·G + (r/s)·Y = R'. Checking the point (not only
 * its x) also proves R'.y, hence the recovery id. Then low-s normalisation (s ← n − s flips the parity).
 */
function finish(hash: Uint8Array, publicKey: Point, bigR: Point, s: bigint): EcdsaSignature | undefined {
  if (s === 0n) return undefined;
  const { x, y } = bigR.toAffine();
  if (x >= ORDER) return undefined;
  const r = x;
  const sInv = Fn.inv(s);
  const u1 = Fn.mul(hashToInt(hash), sInv);
  const u2 = Fn.mul(r, sInv);
  // u1·G with noble's precomputed base table; u2·Y with a cached table for the (long-lived) key.
  const Q = mulG(u1).add(mulPublic(prepared4(publicKey), u2));
  if (!Q.equals(bigR)) return undefined;
  return lowS(r, s, y);
}

/** (r, s) with s ← n − s if s > n/2, the recovery id from R'.y flipped with it, and the 65-byte form. */
function lowS(r: bigint, s: bigint, y: bigint): EcdsaSignature {
  let recoveryId: 0 | 1 = (y & 1n) === 1n ? 1 : 0;
  let low = s;
  if (s > HALF_ORDER) {
    low = ORDER - s;
    recoveryId = recoveryId === 1 ? 0 : 1;
  }
  const v = (27 + recoveryId) as 27 | 28;
  const serialized = "0x" + encodeScalar(r) + encodeScalar(low) + v.toString(16);
  return Object.freeze({ r, s: low, recoveryId, v, serialized });
}

function interpolate(shares: readonly SignatureShare[]): bigint {
  const lambdas = lagrangeCoefficients(
    group,
    shares.map((s) => s.index),
  );
  let s = 0n;
  for (const sh of shares) s = Fn.add(s, Fn.mul(lambdas.get(sh.index)!, sh.s));
  return s;
}

/**
 * Refuse shares that are not about this operation (another hash, key, presignature or R') or repeat
 * an index. Without a verification context the operation is the one most shares agree on.
 */
function screen(
  shares: readonly SignatureShare[],
  opts: CombineOptions,
): { ok: SignatureShare[]; culprits: Set<number>; bigR?: Point } {
  const culprits = new Set<number>();
  const counts = new Map<number, number>();
  for (const sh of shares) counts.set(sh.index, (counts.get(sh.index) ?? 0) + 1);
  let candidates = shares.filter((sh) => {
    const fine =
      Number.isInteger(sh.index) &&
      sh.index >= 1 &&
      counts.get(sh.index) === 1 &&
      sh.hash instanceof Uint8Array &&
      sameHash(sh.hash, opts.hash) &&
      isPoint(sh.publicKey) &&
      sh.publicKey.equals(opts.publicKey) &&
      isPoint(sh.bigR) &&
      typeof sh.s === "bigint" &&
      sh.s >= 0n &&
      sh.s < ORDER;
    if (!fine) culprits.add(sh.index);
    return fine;
  });
  let bigR: Point | undefined;
  if (opts.verification) {
    const sig = opts.verification.signing;
    bigR = sig.bigR;
    candidates = candidates.filter((sh) => {
      const fine = sh.presignatureId === sig.presignatureId && sh.bigR.equals(sig.bigR);
      if (!fine) culprits.add(sh.index);
      return fine;
    });
  } else if (candidates.length > 0) {
    const groups = new Map<string, SignatureShare[]>();
    for (const sh of candidates) {
      const key = `${sh.presignatureId}/${encodePoint(sh.bigR)}`;
      groups.set(key, [...(groups.get(key) ?? []), sh]);
    }
    const best = [...groups.values()].sort((x, y) => y.length - x.length)[0];
    for (const sh of candidates) if (!best.includes(sh)) culprits.add(sh.index);
    candidates = best;
    bigR = best[0].bigR;
  }
  return { ok: candidates, culprits, bigR };
}

function needEnough(ok: readonly SignatureShare[], culprits: ReadonlySet<number>, t: number): void {
  if (ok.length >= 2 * t + 1) return;
  if (culprits.size > 0)
    throw new CulpritsError(
      `not enough valid signature shares (need ${2 * t + 1}, have ${ok.length})`,
      [...culprits].sort((x, y) => x - y),
    );
  throw new ThresholdError("not enough signature shares", 2 * t + 1, ok.length);
}

/**
 * Optimistic combination of plain shares: interpolate and verify once; only if that fails check the
 * shares one by one (needs `verification`), drop and name the culprits, and combine the honest rest.
 */
export function combineSignatureShares(
  shares: readonly SignatureShare[],
  opts: CombineOptions,
): CombineResult {
  checkHash(opts.hash);
  if (!Number.isInteger(opts.t) || opts.t < 0) throw new CryptoError("t must be a non-negative integer");
  const plain = shares.map((sh) => {
    try {
      return unweightShare(sh);
    } catch {
      return { ...sh, index: sh.index, s: ORDER }; // screened out below as malformed
    }
  });
  const { ok, culprits, bigR } = screen(plain, opts);
  needEnough(ok, culprits, opts.t);
  const sig = finish(opts.hash, opts.publicKey, bigR!, interpolate(ok));
  if (sig) return result(sig, culprits, ok);
  if (!opts.verification)
    throw new CryptoError(
      "combined signature does not verify; pass the verification context to find the wrong shares",
    );
  const bad = findInvalidShares(ok, opts.verification);
  for (const i of bad) culprits.add(i);
  const honest = ok.filter((sh) => !bad.includes(sh.index));
  needEnough(honest, culprits, opts.t);
  const again = finish(opts.hash, opts.publicKey, bigR!, interpolate(honest));
  if (!again)
    throw new CulpritsError(
      "signature does not verify although every share does",
      [...culprits].sort((x, y) => x - y),
    );
  return result(again, culprits, honest);
}

function result(
  sig: EcdsaSignature,
  culprits: ReadonlySet<number>,
  used: readonly SignatureShare[],
): CombineResult {
  return Object.freeze({
    signature: sig,
    culprits: Object.freeze([...culprits].sort((x, y) => x - y)),
    used: Object.freeze(used.map((s) => s.index).sort((x, y) => x - y)),
  });
}

/**
 * Lit's client combination: s = Σ_{i∈S} (λ_i·s_i), then low-s and verify. Every share must carry the
 * same signing set S and S must be complete. If the sum does not verify (or S is incomplete), the
 * shares are un-weighted and combined like plain shares, which names culprits and uses the honest rest.
 */
export function combineWeightedShares(
  shares: readonly SignatureShare[],
  opts: CombineOptions,
): CombineResult {
  checkHash(opts.hash);
  const first = shares[0]?.signingSet;
  const complete =
    first !== undefined &&
    shares.every((sh) => sh.signingSet !== undefined && sh.signingSet.join() === first.join()) &&
    shares.length === first.length &&
    first.every((i) => shares.some((sh) => sh.index === i)) &&
    first.length >= 2 * opts.t + 1;
  if (complete) {
    const { ok, culprits, bigR } = screen(shares, opts);
    if (culprits.size === 0 && ok.length === shares.length) {
      let s = 0n;
      for (const sh of ok) s = Fn.add(s, sh.s);
      const sig = finish(opts.hash, opts.publicKey, bigR!, s);
      if (sig) return result(sig, culprits, ok);
    }
  }
  return combineSignatureShares(shares, opts);
}

// ---------- Lit's plain sum ----------

/**
 * Lit's client combination of weighted shares λ_i·s_i: s = Σ, low-s, r = R'.x, the recovery id from
 * R'.y. Not verified: the caller checks that the signature recovers to the key.
 */
export function sumShares(weighted: readonly bigint[], bigR: Point): EcdsaSignature {
  let s = 0n;
  for (const x of weighted) s = Fn.add(s, Fn.create(x));
  const { x, y } = bigR.toAffine();
  return lowS(Fn.create(x), s, y);
}

/**
 * A complete signing set's weighted shares added (s = Σ λ_i·s_i) and checked with the full point R'
 * against the key: the signature, low-s, or undefined if the sum does not verify.
 */
export function combineLitShares(
  weighted: readonly bigint[],
  bigR: Point,
  hash: Uint8Array,
  publicKey: Point,
): EcdsaSignature | undefined {
  checkHash(hash);
  let s = 0n;
  for (const x of weighted) s = Fn.add(s, Fn.create(x));
  return finish(hash, publicKey, bigR, s);
}

// ---------- a client's combination of its nodes' shares ----------

export interface SigningSetOptions {
  readonly hash: Uint8Array;
  readonly publicKey: Point;
  /** Degree t of the sharings; 2t+1 shares are needed. */
  readonly t: number;
  /** Verify every share before combining (true), or only if the optimistic sum does not verify (the default). */
  readonly verify?: boolean;
  /**
   * What verifies `shares` (the signing set's, among those given: the presignature's public part,
   * their signers' public key shares and the operation's entropy). Called at most once, and only
   * when shares must be verified; a share whose index has no public key share in it is left out (the
   * caller knows why). If it throws, the outcome carries the message as `error`.
   */
  readonly verification: (shares: readonly SignatureShare[]) => VerificationContext;
}

export interface SigningSetOutcome {
  readonly signature?: EcdsaSignature;
  /** The indices whose shares were combined (empty without a signature). */
  readonly used: readonly number[];
  /** The signing set most shares name. */
  readonly signingSet: readonly number[];
  /** Shares that failed verification, or whose public key share is off the key's sharing polynomial. */
  readonly culprits: readonly number[];
  /** The shares given for another signing set than `signingSet` (neither combined nor verified). */
  readonly strays: readonly SignatureShare[];
  /** Members of `signingSet` that gave no share. */
  readonly missing: readonly number[];
  /** Why there is no signature. */
  readonly error?: string;
}

/**
 * Combines weighted shares as a client receives them from its nodes: the signing set most shares
 * name; unless `verify` is set and if no member is missing, the optimistic sum (one ECDSA check with
 * the full point R' proves the result); otherwise, or if that does not verify, every share verified
 * against `verification`, the wrong ones named and the rest combined. If every share verifies and
 * the sum still does not, a lying X_i is looked for (`inconsistentKeyShares`). Never throws for a
 * signer's fault.
 */
export function combineSigningSet(
  shares: readonly SignatureShare[],
  o: SigningSetOptions,
): SigningSetOutcome {
  const setKey = (sh: SignatureShare) => sh.signingSet!.join(",");
  const weighted = shares.filter((sh) => sh.signingSet !== undefined);
  const set = mostCommon(weighted, setKey)?.signingSet ?? [];
  const inSet = weighted.filter((sh) => set.includes(sh.index) && setKey(sh) === set.join(","));
  const strays = shares.filter((sh) => !inSet.includes(sh));
  const missing = set.filter((i) => !inSet.some((sh) => sh.index === i));
  const base = { signingSet: [...set], strays, missing };
  if (inSet.length === 0) return { ...base, used: [], culprits: [], error: "no weighted shares" };
  if (o.verify !== true && missing.length === 0) {
    try {
      const r = combineWeightedShares(inSet, { hash: o.hash, publicKey: o.publicKey, t: o.t });
      return { ...base, signature: r.signature, used: [...r.used], culprits: [...r.culprits] };
    } catch {
      // fall through: verify every share
    }
  }
  let vctx: VerificationContext;
  try {
    vctx = o.verification(inSet);
  } catch (e) {
    return { ...base, used: [], culprits: [], error: (e as Error).message };
  }
  let usable = inSet.filter((sh) => vctx.publicKeyShares.has(sh.index));
  const bad = findInvalidShares(usable, vctx);
  usable = usable.filter((sh) => !bad.includes(sh.index));
  try {
    const r = combineWeightedShares(usable, {
      hash: o.hash,
      publicKey: o.publicKey,
      t: o.t,
      verification: vctx,
    });
    return {
      ...base,
      signature: r.signature,
      used: [...r.used],
      culprits: [...new Set([...bad, ...r.culprits])],
    };
  } catch (e) {
    const named = e instanceof CulpritsError ? [...e.culprits] : [];
    // Every share verified against its signer's claimed X_i, yet the sum is wrong: some X_i is not on
    // the key's sharing polynomial. The one whose removal makes the rest consistent with Y is the liar.
    if (named.length === 0) named.push(...inconsistentKeyShares(vctx.publicKeyShares, o.publicKey, o.t));
    return { ...base, used: [], culprits: [...new Set([...bad, ...named])], error: (e as Error).message };
  }
}

/**
 * Indices i such that the public key shares without X_i lie on one degree-t polynomial with value Y
 * at 0 (empty if all of them already do, or if no single removal helps).
 */
export function inconsistentKeyShares(shares: ReadonlyMap<number, Point>, Y: Point, t: number): number[] {
  const consistent = (points: ReadonlyMap<number, Point>): boolean => {
    const idx = [...points.keys()];
    if (idx.length < t + 1) return false;
    const base = idx.slice(0, t + 1);
    if (!interpolateInExponent(group, new Map(base.map((i) => [i, points.get(i)!]))).equals(Y)) return false;
    // Each further point must equal the polynomial through the base evaluated at its index.
    for (const j of idx.slice(t + 1)) {
      const lambdas = lagrangeCoefficientsAt(group, base, BigInt(j));
      const expected = group.msm(
        base.map((i) => points.get(i)!),
        base.map((i) => lambdas.get(i)!),
      );
      if (!expected.equals(points.get(j)!)) return false;
    }
    return true;
  };
  if (consistent(shares)) return [];
  const out: number[] = [];
  for (const i of shares.keys()) {
    const rest = new Map(shares);
    rest.delete(i);
    if (consistent(rest)) out.push(i);
  }
  return out;
}

/** The value most items share by `key`; the first seen wins a tie. */
function mostCommon<T>(values: readonly T[], key: (v: T) => string): T | undefined {
  const counts = new Map<string, { value: T; count: number }>();
  for (const v of values) {
    const entry = counts.get(key(v)) ?? { value: v, count: 0 };
    entry.count++;
    counts.set(key(v), entry);
  }
  let best: { value: T; count: number } | undefined;
  for (const e of counts.values()) if (best === undefined || e.count > best.count) best = e;
  return best?.value;
}
