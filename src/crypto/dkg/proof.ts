/**
 * The dealer's Schnorr proof of knowledge of its constant term a_0 (for C_0 = a_0·G), made
 * non-interactive with Fiat-Shamir. The challenge binds the group, the session id, n, t, the
 * dealer's index and all its commitments, so a proof cannot be copied to another dealer, another
 * session or another commitment vector. A dealer therefore cannot publish C_0 = T − Σ_{j≠i} C_j0
 * for a target T of its choice (the rogue-key attack on plain joint-Feldman): it would need the
 * discrete log of that point. This is the "proof of knowledge per dealer" variant of Pedersen's
 * DKG that FROST (Komlo-Goldberg 2020, Fig. 1, round 1 steps 2 and 5) uses.
 *
 * What it does not stop (and GJKR'99's Pedersen-commitment phase does): the bias of GJKR'99 §3,
 * where a rushing dealer that has seen the honest C_j0 decides to get itself disqualified, choosing
 * between a few possible keys. The key is still unknown to everyone and of full entropy bar ≤ t bits;
 * Gennaro-Jarecki-Krawczyk-Rabin 2003/2007 ("Secure applications of Pedersen's DKG") show that
 * Schnorr-type signatures and similar uses stay secure with this distribution.
 */
import { sha512 } from "@noble/hashes/sha2";
import { utf8ToBytes } from "@noble/hashes/utils";
import type { Group, Point } from "../group";
import { bytesToBigBE } from "../group";
import type { DkgParams, SchnorrProof } from "./types";
import { randomScalarFrom, systemRng } from "../rng";

const POK_DOMAIN = utf8ToBytes("pkp-network/dkg/v1/pok");

function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v);
  return b;
}

/** Encoding for hashing: the identity (which has no compressed encoding on secp256k1) as zeros. */
function pointForHash(group: Group, p: Point): Uint8Array {
  return p.equals(group.ZERO) ? new Uint8Array(group.pointLength) : group.pointToBytes(p);
}

/** c = SHA-512(domain ‖ group ‖ sessionId ‖ n ‖ t ‖ dealer ‖ C_0..C_t ‖ R) mod q. */
export function pokChallenge(
  params: DkgParams,
  dealer: number,
  commitments: readonly Point[],
  R: Point,
): bigint {
  const { group } = params;
  const h = sha512.create();
  const name = utf8ToBytes(group.name);
  h.update(POK_DOMAIN);
  h.update(u32(name.length)).update(name);
  h.update(u32(params.sessionId.length)).update(params.sessionId);
  h.update(u32(params.n)).update(u32(params.t)).update(u32(dealer));
  h.update(u32(commitments.length));
  for (const C of commitments) h.update(pointForHash(group, C));
  h.update(pointForHash(group, R));
  return group.Fn.create(bytesToBigBE(h.digest()));
}

/** Prove knowledge of a0 with C_0 = a0·G: k random, R = k·G, z = k + c·a0. */
export function provePok(
  params: DkgParams,
  dealer: number,
  a0: bigint,
  commitments: readonly Point[],
): SchnorrProof {
  const { group } = params;
  const k = randomScalarFrom(group, params.rng ?? systemRng);
  const R = group.G.multiply(k);
  const c = pokChallenge(params, dealer, commitments, R);
  return Object.freeze({ R, z: group.Fn.add(k, group.Fn.mul(c, a0)) });
}

/** Single-proof verification: z·G == R + c·C_0. */
export function verifyPok(
  params: DkgParams,
  dealer: number,
  commitments: readonly Point[],
  proof: SchnorrProof,
): boolean {
  const { group } = params;
  if (commitments.length === 0) return false;
  const c = pokChallenge(params, dealer, commitments, proof.R);
  // Public data only: a variable-time MSM is fine. z·G − c·C_0 must equal R.
  const lhs = group.msm([group.G, commitments[0]], [proof.z, group.Fn.neg(c)]);
  return lhs.equals(proof.R);
}
