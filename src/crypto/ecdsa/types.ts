/**
 * Parameters and messages of the presignature protocol. Everything sent is a plain readonly value
 * (the node layer encodes it, and encrypts the private `DealingShare`s to their recipients);
 * everything kept is an opaque single-use state object (see state.ts).
 */
import type { Point } from "../group";
import { CryptoError } from "../errors";
import { thresholdFor } from "../polynomial";
import type { Rng } from "./common";

export const MAX_PARTICIPANTS = 255;

export interface PresignParams {
  /** Participants 1..n deal, multiply and end up with a share of the presignature. */
  readonly n: number;
  /** Degree of the nonce sharings; the masks have degree 2t; any 2t+1 shares sign. Needs n ≥ 2t+1. */
  readonly t: number;
  /** This participant's index (its Shamir x-coordinate). */
  readonly index: number;
  /** Context of this generation run (1..255 bytes): bound into every message, proof and the presignature id. */
  readonly sessionId: Uint8Array;
  readonly rng?: Rng;
}

/** Checked parameters; `t` defaults to the network's floor((n-1)/3). */
export function presignParams(
  n: number,
  index: number,
  sessionId: Uint8Array,
  options: { t?: number; rng?: Rng } = {},
): PresignParams {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARTICIPANTS)
    throw new CryptoError(`number of participants must be an integer in 1..${MAX_PARTICIPANTS}, got ${n}`);
  const t = options.t ?? thresholdFor(n).t;
  if (!Number.isInteger(t) || t < 0 || 2 * t + 1 > n)
    throw new CryptoError(`degree t must be an integer with 2t+1 <= n = ${n}, got ${t}`);
  if (!Number.isInteger(index) || index < 1 || index > n)
    throw new CryptoError(`participant index must be an integer in 1..${n}, got ${index}`);
  if (!(sessionId instanceof Uint8Array) || sessionId.length < 1 || sessionId.length > 255)
    throw new CryptoError("session id must be 1..255 bytes");
  return Object.freeze({ n, t, index, sessionId: Uint8Array.from(sessionId), rng: options.rng });
}

/**
 * Round 1, broadcast: Feldman commitments of the dealer's four polynomials. `k` and `a` have
 * degree t (C_0..C_t); `z` and `zPrime` are zero sharings of degree 2t whose constant term is 0 by
 * construction, so only C_1..C_2t are sent.
 */
export interface DealingBroadcast {
  readonly sessionId: Uint8Array;
  readonly dealer: number;
  readonly k: readonly Point[];
  readonly a: readonly Point[];
  readonly z: readonly Point[];
  readonly zPrime: readonly Point[];
}

/** Round 1, private to `recipient`: the dealer's four polynomials evaluated at the recipient's index. */
export interface DealingShare {
  readonly sessionId: Uint8Array;
  readonly dealer: number;
  readonly recipient: number;
  readonly k: bigint;
  readonly a: bigint;
  readonly z: bigint;
  readonly zPrime: bigint;
}

/** Round 2, broadcast: the dealers whose share to `accuser` was missing or did not match their commitments. */
export interface ComplaintBroadcast {
  readonly sessionId: Uint8Array;
  readonly accuser: number;
  readonly dealers: readonly number[];
}

/** Round 3, broadcast: `dealer` answers each complaint by revealing the accuser's share. */
export interface JustificationBroadcast {
  readonly sessionId: Uint8Array;
  readonly dealer: number;
  readonly revealed: readonly DealingShare[];
}

/** Chaum-Pedersen proof that log_B1(P1) = log_B2(P2): T1 = ρ·B1, T2 = ρ·B2, z = ρ + e·witness. */
export interface DleqProof {
  readonly T1: Point;
  readonly T2: Point;
  readonly z: bigint;
}

/**
 * Round 4, broadcast: w_i = a_i·k_i + z_i (a degree-2t share of μ = a·k) and a DLEQ proof that
 * log_G(A_i) = log_{K_i}(w_i·G − Z_i), so that a wrong w_i names its sender.
 */
export interface ProductBroadcast {
  readonly sessionId: Uint8Array;
  readonly sender: number;
  readonly w: bigint;
  readonly proof: DleqProof;
}

/** Why a participant was left out or blamed. */
export type PresignFault =
  | "missing-dealing"
  | "malformed-dealing"
  | "too-many-complaints"
  | "unanswered-complaint"
  | "bad-justification"
  | "bad-product"
  | "missing-product";
