/**
 * A presignature: the output of the offline protocol at one participant. Its public part is equal at
 * every participant; its secret part is this participant's share of k⁻¹ and of the degree-2t mask z'.
 * A `Presignature` object signs at most once (a second use throws ReuseError), and serialises to a
 * JSON-safe object so that the node can persist it and durably mark its stable `id` as used before
 * any share leaves (reusing a nonce with two messages reveals the key).
 */
import type { Point } from "../group";
import { CryptoError, ReuseError } from "../errors";
import {
  Fn,
  decodePoint,
  decodeScalar,
  encodePoint,
  encodeScalar,
  evalCommitment,
  hexToBytesStrict,
  toHex,
  group,
  type PointForm,
} from "./common";
import { MAX_PARTICIPANTS } from "./types";

/** The public part of a presignature, the same at every participant. */
export interface PresignaturePublic {
  /** Stable identifier: hex of SHA-256 over the run's transcript and μ. */
  readonly id: string;
  readonly sessionId: Uint8Array;
  readonly n: number;
  readonly t: number;
  /** R = k·G (before re-randomisation). */
  readonly R: Point;
  /** μ = a·k, opened in round 5. */
  readonly mu: bigint;
  /**
   * Feldman commitments of the joint a-polynomial (C_0..C_t). The commitment of participant j's
   * k⁻¹ share is Kinv_j = μ⁻¹·A_j with A_j = Σ_m j^m·C_m; kept in this factored form so that
   * building a presignature costs no full-width scalar multiplication per participant.
   * Note: with μ public, these make k⁻¹·G = μ⁻¹·C_0 public next to R = k·G (after re-randomisation
   * k'⁻¹·G = δ⁻¹·μ⁻¹·C_0). The per-share commitments that attributable signing needs imply it. Whether
   * this extra public value matters for ECDSA's security has not been analysed here: review it.
   */
  readonly aCommitments: readonly Point[];
  /** Commitments C_1..C_2t of the joint z' zero sharing (C_0 is the identity): Z'_j = Σ_m j^m·C_m. */
  readonly zPrimeCommitments: readonly Point[];
}

/** A_j·μ⁻¹: the public commitment of participant j's share of k⁻¹ (variable time; public data). */
export function kInvCommitment(pub: PresignaturePublic, j: number): Point {
  return evalCommitment(pub.aCommitments, j).multiplyUnsafe(Fn.inv(pub.mu));
}

/** Z'_j: the public commitment of participant j's share of the degree-2t mask z'. */
export function zPrimeCommitment(pub: PresignaturePublic, j: number): Point {
  return evalCommitment(pub.zPrimeCommitments, j, true);
}

export interface PresignatureJson {
  readonly version: 1;
  readonly id: string;
  readonly sessionId: string;
  readonly n: number;
  readonly t: number;
  readonly index: number;
  readonly R: string;
  readonly mu: string;
  readonly aCommitments: readonly string[];
  readonly zPrimeCommitments: readonly string[];
  readonly kInvShare: string;
  readonly zPrimeShare: string;
  readonly used: boolean;
}

export interface PresignaturePublicJson {
  readonly id: string;
  readonly sessionId: string;
  readonly n: number;
  readonly t: number;
  readonly R: string;
  readonly mu: string;
  readonly aCommitments: readonly string[];
  readonly zPrimeCommitments: readonly string[];
}

/** JSON of the public part; points compressed unless `form` says otherwise (decoding accepts both). */
export function presignaturePublicToJSON(
  pub: PresignaturePublic,
  form: PointForm = "compressed",
): PresignaturePublicJson {
  return {
    id: pub.id,
    sessionId: toHex(pub.sessionId),
    n: pub.n,
    t: pub.t,
    R: encodePoint(pub.R, form),
    mu: encodeScalar(pub.mu),
    aCommitments: pub.aCommitments.map((p) => encodePoint(p, form)),
    zPrimeCommitments: pub.zPrimeCommitments.map((p) => encodePoint(p, form)),
  };
}

function decodePointList(v: unknown, length: number, what: string): Point[] {
  if (!Array.isArray(v) || v.length !== length)
    throw new CryptoError(`${what}: expected a list of ${length} points`);
  return v.map((p, k) => decodePoint(p, `${what}[${k}]`));
}

export function presignaturePublicFromJSON(json: unknown): PresignaturePublic {
  if (typeof json !== "object" || json === null) throw new CryptoError("presignature: expected an object");
  const o = json as Record<string, unknown>;
  const n = o.n;
  const t = o.t;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_PARTICIPANTS)
    throw new CryptoError("presignature: bad n");
  if (typeof t !== "number" || !Number.isInteger(t) || t < 0 || 2 * t + 1 > n)
    throw new CryptoError("presignature: bad t");
  if (typeof o.id !== "string" || !/^[0-9a-f]{64}$/.test(o.id)) throw new CryptoError("presignature: bad id");
  const sessionId = hexToBytesStrict(o.sessionId, undefined, "presignature session id");
  if (sessionId.length < 1 || sessionId.length > 255) throw new CryptoError("presignature: bad session id");
  const mu = decodeScalar(o.mu, "presignature mu");
  if (mu === 0n) throw new CryptoError("presignature mu: must not be zero");
  return Object.freeze({
    id: o.id,
    sessionId,
    n,
    t,
    R: decodePoint(o.R, "presignature R"),
    mu,
    aCommitments: Object.freeze(decodePointList(o.aCommitments, t + 1, "presignature aCommitments")),
    zPrimeCommitments: Object.freeze(
      decodePointList(o.zPrimeCommitments, 2 * t, "presignature zPrimeCommitments"),
    ),
  });
}

/** The secret material released once, to sign. */
export interface PresignatureSecret {
  readonly kInvShare: bigint;
  readonly zPrimeShare: bigint;
}

export class Presignature {
  readonly #kInvShare: bigint;
  readonly #zPrimeShare: bigint;
  #used: boolean;

  constructor(
    readonly pub: PresignaturePublic,
    readonly index: number,
    secret: PresignatureSecret,
    used = false,
  ) {
    if (!Number.isInteger(index) || index < 1 || index > pub.n)
      throw new CryptoError(`presignature: index must be in 1..${pub.n}`);
    this.#kInvShare = Fn.create(secret.kInvShare);
    this.#zPrimeShare = Fn.create(secret.zPrimeShare);
    this.#used = used;
  }

  get id(): string {
    return this.pub.id;
  }

  get used(): boolean {
    return this.#used;
  }

  /**
   * Hands out the secret shares exactly once. Callers (signShare) consume before computing anything,
   * so that even a failed signing attempt burns the presignature.
   */
  consume(): PresignatureSecret {
    if (this.#used) throw new ReuseError(`presignature already used (${this.pub.id})`);
    this.#used = true;
    return { kInvShare: this.#kInvShare, zPrimeShare: this.#zPrimeShare };
  }

  toJSON(form: PointForm = "compressed"): PresignatureJson {
    return {
      version: 1,
      ...presignaturePublicToJSON(this.pub, form),
      index: this.index,
      kInvShare: encodeScalar(this.#kInvShare),
      zPrimeShare: encodeScalar(this.#zPrimeShare),
      used: this.#used,
    };
  }

  /**
   * Decodes and, unless `check` is false, checks the secret shares against their public commitments
   * (a variable-base and two fixed-base multiplications): that catches a corrupted or mismatched
   * record. A caller whose records are authenticated (the node's store is AEAD-encrypted under its
   * own key, and each record was checked when the protocol produced it) may skip it.
   */
  static fromJSON(json: unknown, options: { check?: boolean } = {}): Presignature {
    if (typeof json !== "object" || json === null) throw new CryptoError("presignature: expected an object");
    const o = json as Record<string, unknown>;
    if (o.version !== 1) throw new CryptoError("presignature: unsupported version");
    const pub = presignaturePublicFromJSON(o);
    if (typeof o.index !== "number") throw new CryptoError("presignature: bad index");
    if (typeof o.used !== "boolean") throw new CryptoError("presignature: bad used flag");
    const kInvShare = decodeScalar(o.kInvShare, "presignature kInvShare");
    const zPrimeShare = decodeScalar(o.zPrimeShare, "presignature zPrimeShare");
    // The share must match its public commitment: catches a corrupted or mismatched record.
    const p = new Presignature(pub, o.index, { kInvShare, zPrimeShare }, o.used);
    if (options.check === false) return p;
    const expectedKInv = kInvCommitment(pub, o.index);
    const actualKInv = kInvShare === 0n ? group.ZERO : group.G.multiply(kInvShare);
    if (!expectedKInv.equals(actualKInv))
      throw new CryptoError("presignature: k⁻¹ share does not match its commitment");
    const expectedZ = zPrimeCommitment(pub, o.index);
    const actualZ = zPrimeShare === 0n ? group.ZERO : group.G.multiply(zPrimeShare);
    if (!expectedZ.equals(actualZ))
      throw new CryptoError("presignature: z' share does not match its commitment");
    return p;
  }
}
