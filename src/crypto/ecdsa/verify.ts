/**
 * Public verification of signature shares: each share's three equations (the share itself, and the
 * Chaum-Pedersen proof that log_G(Kinv_i) = log_{X_i}(P_i)) checked against the presignature's
 * Feldman commitments, the key's public shares X_i and the signing context, so that anyone can name
 * the sender of a wrong share. Many shares are checked in one MSM with random weights; one by one
 * only when that fails.
 */
import type { Point } from "../group";
import {
  Fn,
  evalCommitment,
  group,
  mulG,
  mulPublic,
  powers,
  prepared4,
  randomWeight,
  sameHash,
  shareChallenge,
} from "./common";
import type { PresignaturePublic } from "./presignature";
import { signingContext, unweightShare, type SignatureShare, type SigningContext } from "./sign";

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

/** Public verification of a weighted share (alias of verifySignatureShare, which un-weights first). */
export function verifyWeightedShare(share: SignatureShare, vctx: VerificationContext): boolean {
  if (share.signingSet === undefined) return false;
  return verifySignatureShare(share, vctx);
}
