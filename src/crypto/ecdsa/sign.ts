/**
 * Online signing with a presignature: re-randomisation and a participant's signature share (plain,
 * or weighted by its Lagrange coefficient as Lit's client adds them). Verifying shares is in
 * verify.ts, combining them into a standard low-s Ethereum signature (r, s, v) in combine.ts.
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
import { CryptoError, CulpritError, ThresholdError } from "../errors";
import { lagrangeCoefficients } from "../polynomial";
import {
  Fn,
  ORDER,
  checkHash,
  checkSigningSet,
  group,
  hashToInt,
  hashToScalar,
  isPoint,
  mulG,
  randomScalar,
  sameHash,
  shareChallenge,
  systemRng,
  toAffineBatch,
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
