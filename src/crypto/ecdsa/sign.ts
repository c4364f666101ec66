/**
 * Online signing with a presignature: re-randomisation, a participant's signature share, public
 * verification of shares, and combination into a standard low-s Ethereum signature (r, s, v).
 *
 * Participant i holds k⁻¹_i (degree t), z'_i (degree 2t, sharing 0) and its key share x_i (degree t).
 * Its share is s_i = k'⁻¹_i·(m + r·x_i) + z'_i: the product k⁻¹_i·x_i has degree 2t and is hidden by
 * the degree-2t z', so any 2t+1 shares interpolate to s = k'⁻¹·(m + r·x) and fewer reveal nothing
 * (DJNPØ 2020, signing: each party computes and opens [k⁻¹]·(m + r·[x]) + [0]).
 * A presignature is not bound to a key: the same pool serves every PKP.
 *
 * Each share comes with P_i = k⁻¹_i·x_i·G and a Chaum-Pedersen proof that log_G(Kinv_i) = log_{X_i}(P_i),
 * so anyone can check s_i·G = δ⁻¹·(m·Kinv_i + r·P_i) + Z'_i and name the sender of a wrong share.
 */
import type { Point } from "../group";
import { CryptoError, CulpritError, CulpritsError, ThresholdError } from "../errors";
import { lagrangeCoefficients } from "../polynomial";
import {
  Fn,
  HALF_ORDER,
  ORDER,
  checkHash,
  decodePoint,
  decodeScalar,
  evalCommitment,
  encodePoint,
  encodeScalar,
  group,
  hashToInt,
  hashToScalar,
  hexToBytesStrict,
  isPoint,
  mulG,
  mulPublic,
  prepared4,
  powers,
  randomScalar,
  randomWeight,
  systemRng,
  toAffineBatch,
  toHex,
  type PointForm,
  type Rng,
} from "./common";
import type { Presignature, PresignaturePublic } from "./presignature";

/** A participant's share of an ECDSA key: the shape of the DKG's result (index, secretShare, publicKey, publicKeyShares). */
export interface EcdsaKeyShare {
  readonly index: number;
  /** x_i, degree-t Shamir share of the key. Secret. */
  readonly secretShare: bigint;
  /** Y = x·G. */
  readonly publicKey: Point;
  /** X_j = x_j·G for every participant j. */
  readonly publicKeyShares: ReadonlyMap<number, Point>;
}

/**
 * Everything public about one signing operation, equal at every signer and at the combiner.
 *
 * Re-randomisation (Groth and Shoup, "On the Security of ECDSA with Additive Key Derivation and
 * Presignatures", Eurocrypt 2022 — paraphrased, not a verbatim quote: presignatures used as they are
 * let an adversary who sees R before choosing the message mount attacks (related-key with additive
 * key derivation, and Wagner-style k-sum attacks); re-randomising the presignature with a public
 * random value that is only fixed once the message is, restores security). We take
 *   δ = H(presignature id, R, message hash, public key, request entropy),   k' = δ·k,   R' = δ·R,
 * the multiplicative form, because our presignature holds shares of k⁻¹ and (δ·k)⁻¹ = δ⁻¹·k⁻¹ keeps
 * them linear: each share and each public commitment is just scaled by δ⁻¹. The additive form
 * k' = k + δ would need shares of (k + δ)⁻¹, which are not a linear function of shares of k⁻¹
 * (near/mpc's robust-ECDSA, also following Groth-Shoup, makes the same choice: R ← R^δ).
 */
export interface SigningContext {
  readonly presignatureId: string;
  readonly hash: Uint8Array;
  /** m = the hash as an integer mod n. */
  readonly m: bigint;
  readonly publicKey: Point;
  readonly entropy: Uint8Array;
  readonly delta: bigint;
  /** R' = δ·R. */
  readonly bigR: Point;
  /** r = R'.x mod n. */
  readonly r: bigint;
}

export function signingContext(
  pub: PresignaturePublic,
  hash: Uint8Array,
  publicKey: Point,
  entropy: Uint8Array,
): SigningContext {
  checkHash(hash);
  if (!isPoint(publicKey) || publicKey.equals(group.ZERO)) throw new CryptoError("public key: not a point");
  if (!(entropy instanceof Uint8Array) || entropy.length < 1 || entropy.length > 1024)
    throw new CryptoError("request entropy must be 1..1024 bytes");
  const delta = hashToScalar("rerandomize", [
    new TextEncoder().encode(pub.id),
    ...toAffineBatch([pub.R, publicKey]),
    hash,
    entropy,
  ]);
  if (delta === 0n) throw new CryptoError("re-randomiser is zero");
  const bigR = toAffineBatch([pub.R.multiplyUnsafe(delta)])[0];
  const { x } = bigR.toAffine();
  // ethers' v carries one bit; R'.x ≥ n (probability ~2^-128) would need the second recovery bit.
  if (x >= ORDER) throw new CryptoError("R'.x is not below the group order; use another presignature");
  const r = x;
  if (r === 0n) throw new CryptoError("r is zero; use another presignature");
  return Object.freeze({
    presignatureId: pub.id,
    hash: Uint8Array.from(hash),
    m: hashToInt(hash),
    publicKey,
    entropy: Uint8Array.from(entropy),
    delta,
    bigR,
    r,
  });
}

/** P_i = k⁻¹_i·x_i·G with a Chaum-Pedersen proof that log_G(Kinv_i) = log_{X_i}(P_i). */
export interface ShareProof {
  readonly P: Point;
  readonly T1: Point;
  readonly T2: Point;
  readonly z: bigint;
}

export interface SignatureShare {
  readonly presignatureId: string;
  readonly index: number;
  readonly hash: Uint8Array;
  readonly publicKey: Point;
  /** R' (re-randomised), which gives r and the recovery id. */
  readonly bigR: Point;
  /** s_i (plain form) or λ_i(S)·s_i (weighted form, with `signingSet`). */
  readonly s: bigint;
  /** Present on weighted shares: the agreed signing set S. */
  readonly signingSet?: readonly number[];
  readonly proof?: ShareProof;
}

function shareChallenge(
  presignatureId: string,
  index: number,
  X: Point,
  proof: Omit<ShareProof, "z">,
): bigint {
  return hashToScalar("share-dleq", [
    new TextEncoder().encode(presignatureId),
    index,
    ...toAffineBatch([X, proof.P, proof.T1, proof.T2]),
  ]);
}

export interface SignShareOptions {
  /** Compute P_i and its proof (default true); without it the share can only be checked as part of a combination. */
  readonly proof?: boolean;
  readonly rng?: Rng;
  /** Reuse a context already computed for this presignature, hash, key and entropy (saves δ·R). */
  readonly context?: SigningContext;
}

/**
 * This participant's share for a 32-byte hash. Consumes the presignature first: a second call, even
 * with the same inputs, throws ReuseError ("presignature already used").
 */
export function signShare(
  presignature: Presignature,
  key: EcdsaKeyShare,
  hash: Uint8Array,
  entropy: Uint8Array,
  options: SignShareOptions = {},
): SignatureShare {
  checkHash(hash);
  if (key.index !== presignature.index)
    throw new CryptoError(
      `key share ${key.index} does not belong to presignature share ${presignature.index}`,
    );
  const X = key.publicKeyShares.get(key.index);
  if (X === undefined) throw new CryptoError(`no public key share for participant ${key.index}`);
  const ctx = options.context ?? signingContext(presignature.pub, hash, key.publicKey, entropy);
  if (
    ctx.presignatureId !== presignature.id ||
    !ctx.publicKey.equals(key.publicKey) ||
    !sameHash(ctx.hash, hash)
  )
    throw new CryptoError("signing context is for another presignature, key or hash");
  const { kInvShare, zPrimeShare } = presignature.consume();
  const x = Fn.create(key.secretShare);
  // s_i = δ⁻¹·k⁻¹_i·(m + r·x_i) + z'_i
  const s = Fn.add(
    Fn.mul(Fn.mul(Fn.inv(ctx.delta), kInvShare), Fn.add(ctx.m, Fn.mul(ctx.r, x))),
    zPrimeShare,
  );
  let proof: ShareProof | undefined;
  if (options.proof !== false) {
    const rho = randomScalar(options.rng ?? systemRng);
    // P = (k⁻¹_i·x_i)·G; T1 = ρ·G; T2 = ρ·X_i = (ρ·x_i)·G: base-point multiplications only.
    const [P, T1, T2] = toAffineBatch([mulG(Fn.mul(kInvShare, x)), mulG(rho), mulG(Fn.mul(rho, x))]);
    const e = shareChallenge(presignature.id, key.index, X, { P, T1, T2 });
    proof = Object.freeze({ P, T1, T2, z: Fn.add(rho, Fn.mul(e, kInvShare)) });
  }
  return Object.freeze({
    presignatureId: presignature.id,
    index: key.index,
    hash: Uint8Array.from(hash),
    publicKey: key.publicKey,
    bigR: ctx.bigR,
    s,
    ...(proof ? { proof } : {}),
  });
}

// ---------- Lit's additive form ----------

function checkSigningSet(set: readonly number[], n?: number): number[] {
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

/**
 * Lit's additive form: the share pre-multiplied by its Lagrange coefficient for the signing set S
 * (λ_i = Π_{j∈S, j≠i} x_j/(x_j − x_i)), so that the client simply adds: Σ_{i∈S} λ_i·s_i = s.
 */
export function weightShare(share: SignatureShare, signingSet: readonly number[]): SignatureShare {
  if (share.signingSet !== undefined) throw new CryptoError("share is already weighted");
  const set = checkSigningSet(signingSet);
  if (!set.includes(share.index))
    throw new CryptoError(`participant ${share.index} is not in the signing set`);
  const lambda = lagrangeCoefficients(group, set).get(share.index)!;
  return Object.freeze({ ...share, s: Fn.mul(lambda, share.s), signingSet: Object.freeze(set) });
}

/** Back to the plain form s_i = (λ_i·s_i)/λ_i. */
export function unweightShare(share: SignatureShare): SignatureShare {
  if (share.signingSet === undefined) return share;
  const set = checkSigningSet(share.signingSet);
  if (!set.includes(share.index))
    throw new CulpritError("share's index is not in its signing set", share.index);
  const lambda = lagrangeCoefficients(group, set).get(share.index)!;
  const { signingSet: _drop, ...plain } = share;
  return Object.freeze({ ...plain, s: Fn.div(share.s, lambda) });
}

/** signShare then weightShare. */
export function signWeightedShare(
  presignature: Presignature,
  key: EcdsaKeyShare,
  hash: Uint8Array,
  entropy: Uint8Array,
  signingSet: readonly number[],
  options: SignShareOptions = {},
): SignatureShare {
  const set = checkSigningSet(signingSet, presignature.pub.n);
  if (!set.includes(key.index)) throw new CryptoError(`participant ${key.index} is not in the signing set`);
  if (set.length < 2 * presignature.pub.t + 1)
    throw new ThresholdError("signing set too small", 2 * presignature.pub.t + 1, set.length);
  return weightShare(signShare(presignature, key, hash, entropy, options), set);
}

// ---------- verification ----------

/** What a verifier of shares needs: the presignature's public part, the signing context and the key's public shares. */
export interface VerificationContext {
  readonly presignature: PresignaturePublic;
  readonly signing: SigningContext;
  readonly publicKeyShares: ReadonlyMap<number, Point>;
}

export function verificationContext(
  presignature: PresignaturePublic,
  hash: Uint8Array,
  publicKey: Point,
  publicKeyShares: ReadonlyMap<number, Point>,
  entropy: Uint8Array,
): VerificationContext {
  return Object.freeze({
    presignature,
    signing: signingContext(presignature, hash, publicKey, entropy),
    publicKeyShares,
  });
}

function sameHash(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The share is about this operation at all (before any curve arithmetic). */
function sameOperation(share: SignatureShare, signing: SigningContext): boolean {
  return (
    share.presignatureId === signing.presignatureId &&
    sameHash(share.hash, signing.hash) &&
    share.publicKey.equals(signing.publicKey) &&
    share.bigR.equals(signing.bigR)
  );
}

/**
 * All three equations of all given (plain) shares in one MSM, with random weights α, β, γ per share:
 *   α(s_i·G − δ⁻¹μ⁻¹m·A_i − δ⁻¹r·P_i − Z'_i) + β(z_i·G − T1_i − e_iμ⁻¹·A_i) + γ(z_i·X_i − T2_i − e_i·P_i) = 0
 * with A_i and Z'_i folded into the presignature's commitments (Σ_i c_i·A_i = Σ_m (Σ_i c_i i^m)·C_m).
 */
function sharesHold(shares: readonly SignatureShare[], vctx: VerificationContext): boolean {
  const { presignature: pub, signing, publicKeyShares } = vctx;
  const { t } = pub;
  const muInv = Fn.inv(pub.mu);
  const deltaInv = Fn.inv(signing.delta);
  const cm = Fn.mul(Fn.mul(deltaInv, muInv), signing.m);
  const cr = Fn.mul(deltaInv, signing.r);
  let gCoeff = 0n;
  const aCo = new Array<bigint>(t + 1).fill(0n);
  const zCo = new Array<bigint>(2 * t).fill(0n);
  const points: Point[] = [];
  const scalars: bigint[] = [];
  for (const sh of shares) {
    const X = publicKeyShares.get(sh.index);
    if (!sh.proof || X === undefined || !sameOperation(sh, signing)) return false;
    const { P, T1, T2, z } = sh.proof;
    const e = shareChallenge(sh.presignatureId, sh.index, X, sh.proof);
    const alpha = randomWeight();
    const beta = randomWeight();
    const gamma = randomWeight();
    gCoeff = Fn.add(gCoeff, Fn.add(Fn.mul(alpha, sh.s), Fn.mul(beta, z)));
    const pw = powers(sh.index, 2 * t + 1);
    const aC = Fn.add(Fn.mul(alpha, cm), Fn.mul(Fn.mul(beta, e), muInv));
    for (let m = 0; m <= t; m++) aCo[m] = Fn.sub(aCo[m], Fn.mul(aC, pw[m]));
    for (let m = 0; m < 2 * t; m++) zCo[m] = Fn.sub(zCo[m], Fn.mul(alpha, pw[m + 1]));
    points.push(P, T1, T2, X);
    scalars.push(
      Fn.neg(Fn.add(Fn.mul(alpha, cr), Fn.mul(gamma, e))),
      Fn.neg(beta),
      Fn.neg(gamma),
      Fn.mul(gamma, z),
    );
  }
  points.push(group.G, ...pub.aCommitments, ...pub.zPrimeCommitments);
  scalars.push(gCoeff, ...aCo, ...zCo);
  return group.msm(points, scalars).equals(group.ZERO);
}

/**
 * One share's equations combined with random β, γ (the first equation's weight is 1):
 *   (s + βz)·G + γz·X_i = (δ⁻¹μ⁻¹m + βeμ⁻¹)·A_i + (δ⁻¹r + γe)·P + β·T1 + γ·T2 + Z'_i,
 * with A_i and Z'_i evaluated by Horner's rule (small scalars): cheaper than folding them into the
 * commitments when there is only one share.
 */
function oneShareHolds(sh: SignatureShare, vctx: VerificationContext): boolean {
  const { presignature: pub, signing, publicKeyShares } = vctx;
  const X = publicKeyShares.get(sh.index);
  if (!sh.proof || X === undefined || !sameOperation(sh, signing)) return false;
  const { P, T1, T2, z } = sh.proof;
  const e = shareChallenge(sh.presignatureId, sh.index, X, sh.proof);
  const muInv = Fn.inv(pub.mu);
  const deltaInv = Fn.inv(signing.delta);
  const beta = randomWeight();
  const gamma = randomWeight();
  const A = evalCommitment(pub.aCommitments, sh.index);
  const Zp = evalCommitment(pub.zPrimeCommitments, sh.index, true);
  const left = mulG(Fn.add(sh.s, Fn.mul(beta, z))).add(mulPublic(prepared4(X), Fn.mul(gamma, z)));
  const right = group
    .msm(
      [A, P, T1, T2],
      [
        Fn.add(Fn.mul(Fn.mul(deltaInv, muInv), signing.m), Fn.mul(Fn.mul(beta, e), muInv)),
        Fn.add(Fn.mul(deltaInv, signing.r), Fn.mul(gamma, e)),
        beta,
        gamma,
      ],
    )
    .add(Zp);
  return left.equals(right);
}

/** Public verification of one share (plain or weighted) against the presignature's commitments. */
export function verifySignatureShare(share: SignatureShare, vctx: VerificationContext): boolean {
  let plain: SignatureShare;
  try {
    plain = unweightShare(share);
  } catch {
    return false;
  }
  if (plain.index < 1 || plain.index > vctx.presignature.n) return false;
  return oneShareHolds(plain, vctx);
}

/** The indices of the shares that fail verification: one batched check, then one by one only if it fails. */
export function findInvalidShares(shares: readonly SignatureShare[], vctx: VerificationContext): number[] {
  const plain: SignatureShare[] = [];
  const bad: number[] = [];
  for (const sh of shares) {
    try {
      const p = unweightShare(sh);
      if (p.index < 1 || p.index > vctx.presignature.n) bad.push(sh.index);
      else plain.push(p);
    } catch {
      bad.push(sh.index);
    }
  }
  const holds = plain.length === 1 ? oneShareHolds(plain[0], vctx) : sharesHold(plain, vctx);
  if (plain.length > 0 && !holds) {
    for (const sh of plain) if (!oneShareHolds(sh, vctx)) bad.push(sh.index);
  }
  return bad.sort((x, y) => x - y);
}

// ---------- combination ----------

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

/** Public verification of a weighted share (alias of verifySignatureShare, which un-weights first). */
export function verifyWeightedShare(share: SignatureShare, vctx: VerificationContext): boolean {
  if (share.signingSet === undefined) return false;
  return verifySignatureShare(share, vctx);
}

// ---------- encoding ----------

export interface SignatureShareJson {
  readonly presignatureId: string;
  readonly index: number;
  /** Hex without 0x, as in Lit's shares. */
  readonly hash: string;
  readonly publicKey: string;
  readonly bigR: string;
  readonly share: string;
  readonly signingSet?: readonly number[];
  readonly proof?: { readonly P: string; readonly T1: string; readonly T2: string; readonly z: string };
}

/** JSON of a share; points compressed unless `form` says otherwise (decoding accepts both). */
export function signatureShareToJSON(
  share: SignatureShare,
  form: PointForm = "compressed",
): SignatureShareJson {
  return {
    presignatureId: share.presignatureId,
    index: share.index,
    hash: toHex(share.hash),
    publicKey: encodePoint(share.publicKey, form),
    bigR: encodePoint(share.bigR, form),
    share: encodeScalar(share.s),
    ...(share.signingSet ? { signingSet: [...share.signingSet] } : {}),
    ...(share.proof
      ? {
          proof: {
            P: encodePoint(share.proof.P, form),
            T1: encodePoint(share.proof.T1, form),
            T2: encodePoint(share.proof.T2, form),
            z: encodeScalar(share.proof.z),
          },
        }
      : {}),
  };
}

/** Strict decoding of a share from the wire: canonical scalars, points on the curve, exact lengths. */
export function signatureShareFromJSON(json: unknown): SignatureShare {
  if (typeof json !== "object" || json === null) throw new CryptoError("signature share: expected an object");
  const o = json as Record<string, unknown>;
  if (typeof o.presignatureId !== "string" || !/^[0-9a-f]{64}$/.test(o.presignatureId))
    throw new CryptoError("signature share: bad presignature id");
  if (typeof o.index !== "number" || !Number.isInteger(o.index) || o.index < 1 || o.index > 255)
    throw new CryptoError("signature share: bad index");
  const hash = hexToBytesStrict(o.hash, 32, "signature share hash");
  let signingSet: readonly number[] | undefined;
  if (o.signingSet !== undefined) {
    if (!Array.isArray(o.signingSet)) throw new CryptoError("signature share: bad signing set");
    signingSet = Object.freeze(checkSigningSet(o.signingSet as number[], 255));
  }
  let proof: ShareProof | undefined;
  if (o.proof !== undefined) {
    if (typeof o.proof !== "object" || o.proof === null) throw new CryptoError("signature share: bad proof");
    const p = o.proof as Record<string, unknown>;
    proof = Object.freeze({
      P: decodePoint(p.P, "proof P"),
      T1: decodePoint(p.T1, "proof T1"),
      T2: decodePoint(p.T2, "proof T2"),
      z: decodeScalar(p.z, "proof z"),
    });
  }
  return Object.freeze({
    presignatureId: o.presignatureId,
    index: o.index,
    hash,
    publicKey: decodePoint(o.publicKey, "signature share public key"),
    bigR: decodePoint(o.bigR, "signature share bigR"),
    s: decodeScalar(o.share, "signature share"),
    ...(signingSet ? { signingSet } : {}),
    ...(proof ? { proof } : {}),
  });
}
