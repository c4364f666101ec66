/**
 * Types of the DKG: parameters, what each round sends (broadcasts, private shares, complaints,
 * justifications) and the final output. Secret round states are opaque and single-use (see
 * rounds.ts); everything here is readonly.
 */
import type { Group, Point } from "../group";
import { CryptoError } from "../errors";
import { thresholdFor } from "../polynomial";
import type { Rng } from "../rng";

/** Largest network the wire format carries (indices are u16). */
export const MAX_PARTICIPANTS = 0xffff;
export const MAX_SESSION_ID_LENGTH = 255;

export interface DkgParams {
  readonly group: Group;
  /** Participants 1..n; every participant is a dealer and a receiver. */
  readonly n: number;
  /** Degree of every dealer's polynomial: t+1 shares rebuild the key, t learn nothing. */
  readonly t: number;
  /**
   * Context of this run (1..255 bytes; e.g. network, epoch and key purpose). Bound into every
   * proof of knowledge and every encrypted share, so nothing carries over between runs.
   */
  readonly sessionId: Uint8Array;
  /** Randomness; the system CSPRNG unless given (tests, vectors). */
  readonly rng?: Rng;
}

/**
 * Checked parameters. `t` defaults to floor((n-1)/3) (the network's threshold, see
 * `thresholdFor`); tests may choose any 0 ≤ t < n.
 */
export function dkgParams(
  group: Group,
  n: number,
  sessionId: Uint8Array,
  options: { t?: number; rng?: Rng } = {},
): DkgParams {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARTICIPANTS)
    throw new CryptoError(`number of participants must be an integer in 1..${MAX_PARTICIPANTS}, got ${n}`);
  const t = options.t ?? thresholdFor(n).t;
  if (!Number.isInteger(t) || t < 0 || t >= n)
    throw new CryptoError(`degree t must be an integer with 0 <= t < n = ${n}, got ${t}`);
  if (!(sessionId instanceof Uint8Array) || sessionId.length < 1 || sessionId.length > MAX_SESSION_ID_LENGTH)
    throw new CryptoError(`session id must be 1..${MAX_SESSION_ID_LENGTH} bytes`);
  return Object.freeze({ group, n, t, sessionId: Uint8Array.from(sessionId), rng: options.rng });
}

/** Schnorr proof of knowledge of a dealer's constant term a_0 for C_0 = a_0·G: z·G = R + c·C_0. */
export interface SchnorrProof {
  readonly R: Point;
  readonly z: bigint;
}

/** Round 1, sent to everyone: the dealer's Feldman commitments C_0..C_t and its proof for C_0. */
export interface Round1Broadcast {
  readonly dealer: number;
  readonly commitments: readonly Point[];
  readonly proof: SchnorrProof;
}

/** Why a receiver complains about a dealer in round 2. */
export type ComplaintReason =
  /** No share arrived, or it did not decrypt/decode. */
  | "missing-share"
  /** The share does not match the dealer's commitments. */
  | "bad-share"
  /** The dealer's broadcast is missing, malformed, or its proof of knowledge fails. */
  | "bad-dealing";

/** Round 2, sent to everyone: `accuser` says `dealer` did not deal to it correctly. */
export interface Complaint {
  readonly accuser: number;
  readonly dealer: number;
  readonly reason: ComplaintReason;
}

/** Justification round, sent to everyone: `dealer` reveals f_dealer(accuser) in answer to a complaint. */
export interface Justification {
  readonly dealer: number;
  readonly accuser: number;
  readonly share: bigint;
}

/** What one participant ends up with. Everything but `secretShare` is public and equal at every honest participant. */
export interface DkgResult {
  readonly group: Group;
  readonly n: number;
  readonly t: number;
  readonly index: number;
  /** x_i = Σ_{j∈QUAL} f_j(i). Secret. */
  readonly secretShare: bigint;
  /** Y = Σ_{j∈QUAL} C_j0 = x·G, where x = Σ_{j∈QUAL} f_j(0) is never known to anyone. */
  readonly publicKey: Point;
  /** X_k = x_k·G for every participant k = 1..n (including disqualified dealers, who still hold shares). */
  readonly publicKeyShares: ReadonlyMap<number, Point>;
  /** A_m = Σ_{j∈QUAL} C_jm: Feldman commitments to the joint polynomial (A_0 = Y). */
  readonly commitments: readonly Point[];
  /** QUAL, ascending. */
  readonly qualified: readonly number[];
  /** Dealers left out of QUAL, with the reason. */
  readonly disqualified: ReadonlyMap<number, string>;
}
