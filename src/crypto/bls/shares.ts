/**
 * Threshold BLS as Lit's nodes and client do it with `blsful`: each node signs with its Shamir share of
 * the network key; a share travels in Lit's 97-byte encoding (one identifier byte, the Shamir
 * x-coordinate = shareIndex + 1, followed by the compressed G2 point; hex in
 * `signatureShare.ProofOfPossession`); a share is checked with a pairing against its sender's public
 * key share; any `threshold` (= degree + 1) valid shares combine by Lagrange interpolation in the
 * exponent (in G2) into the signature under the group key.
 */
import { bytesToHex, hexToBytes as nobleHexToBytes } from "@noble/hashes/utils";
import { CryptoError, CulpritError, CulpritsError, ThresholdError } from "../errors";
import { blsG1Group } from "../group";
import { lagrangeCoefficients } from "../polynomial";
import {
  BLS_SIG_POP_DST,
  Fr,
  G2,
  G2_BYTES,
  g2FromBytes,
  hashToG2,
  toG1,
  verifyHashed,
  type G1Point,
  type G2Point,
} from "./bls";

/** Identifier byte ‖ 96-byte compressed G2 point. */
export const SHARE_BYTES = 1 + G2_BYTES;
/** The identifier is one byte, so at most 255 participants (as in Lit's client). */
export const MAX_PARTICIPANTS = 255;

const MSM_CUTOFF = 10;

export interface BlsSignatureShare {
  /** The signer's participant index: its Shamir x-coordinate (1-based). */
  readonly index: number;
  readonly signature: G2Point;
}

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 1 || index > MAX_PARTICIPANTS)
    throw new CryptoError(`participant index must be an integer in 1..${MAX_PARTICIPANTS}, got ${index}`);
}

/** Participant `index` signs `message` with its key share: σ_i = x_i·H(m). */
export function signShare(
  index: number,
  keyShare: bigint,
  message: Uint8Array | string,
  dst: string = BLS_SIG_POP_DST,
): BlsSignatureShare {
  checkIndex(index);
  const s = Fr.create(keyShare);
  if (s === 0n) throw new CryptoError("key share is zero");
  return { index, signature: hashToG2(message, dst).multiply(s) };
}

/** Lit's 97-byte encoding of a share. */
export function encodeShare(share: BlsSignatureShare): Uint8Array {
  checkIndex(share.index);
  if (share.signature.is0()) throw new CryptoError("signature share is the identity");
  const out = new Uint8Array(SHARE_BYTES);
  out[0] = share.index;
  out.set(share.signature.toBytes(true), 1);
  return out;
}

export function encodeShareHex(share: BlsSignatureShare): string {
  return bytesToHex(encodeShare(share));
}

function hexToBytes(hex: string): Uint8Array {
  const h = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new CryptoError("not a hex string");
  return nobleHexToBytes(h);
}

/**
 * Strict decoding of a 97-byte share (bytes or hex): exact length, identifier in 1..255, a valid
 * G2 point in the subgroup and not the identity. With `sender`, every failure is a CulpritError
 * naming the sender, and the identifier must be the sender's index.
 */
export function decodeShare(encoded: Uint8Array | string, sender?: number): BlsSignatureShare {
  if (sender !== undefined) checkIndex(sender);
  const fail = (message: string, cause?: unknown): never => {
    if (sender === undefined) throw new CryptoError(message, { cause });
    throw new CulpritError(message, sender, { cause });
  };
  let bytes: Uint8Array;
  try {
    bytes = typeof encoded === "string" ? hexToBytes(encoded) : encoded;
  } catch (cause) {
    return fail("BLS signature share is not hex", cause);
  }
  if (!(bytes instanceof Uint8Array) || bytes.length !== SHARE_BYTES)
    return fail(`BLS signature share must be ${SHARE_BYTES} bytes`);
  const index = bytes[0];
  if (index === 0) return fail("BLS signature share has identifier 0");
  if (sender !== undefined && index !== sender) return fail(`BLS signature share claims identifier ${index}`);
  let signature: G2Point;
  try {
    signature = g2FromBytes(bytes.subarray(1), "BLS signature share");
  } catch (cause) {
    return fail("BLS signature share is not a valid G2 point", cause);
  }
  return { index, signature };
}

/** e(pk_i, H(m)) == e(G1, σ_i): the share is participant i's signature on the message. */
export function verifyShare(
  publicKeyShare: G1Point | Uint8Array,
  message: Uint8Array | string,
  share: BlsSignatureShare,
  dst: string = BLS_SIG_POP_DST,
): boolean {
  let pk: G1Point;
  try {
    pk = toG1(publicKeyShare, "public key share");
  } catch {
    return false;
  }
  return verifyHashed(pk, hashToG2(message, dst), share.signature);
}

/** As {@link verifyShare}, throwing a CulpritError that names the share's participant. */
export function assertShare(
  publicKeyShare: G1Point | Uint8Array,
  message: Uint8Array | string,
  share: BlsSignatureShare,
  dst: string = BLS_SIG_POP_DST,
): void {
  if (!verifyShare(publicKeyShare, message, share, dst))
    throw new CulpritError("invalid BLS signature share", share.index);
}

/**
 * Lagrange interpolation at 0 in G2, without any check (what Lit's `blsCombine` does): Σ λ_i·σ_i
 * over the given shares. A participant index given twice is a CulpritError.
 */
export function combineShares(shares: readonly BlsSignatureShare[]): G2Point {
  if (shares.length === 0) throw new ThresholdError("no BLS signature shares to combine", 1, 0);
  shares.forEach((s) => checkIndex(s.index));
  const set = shares.map((s) => s.index);
  const lambdas = lagrangeCoefficients(blsG1Group, set);
  // Shares and coefficients are public: variable-time arithmetic. Up to ~10 points separate wNAF
  // multiplications beat noble's Pippenger MSM in G2 (measured in bench/crypto-bls.ts).
  if (shares.length <= MSM_CUTOFF)
    return shares.reduce((acc, s) => acc.add(s.signature.multiplyUnsafe(lambdas.get(s.index)!)), G2.ZERO);
  return G2.msm(
    shares.map((s) => s.signature),
    shares.map((s) => lambdas.get(s.index)!),
  );
}

export interface CombineParameters {
  readonly message: Uint8Array | string;
  /** The group public key (48-byte compressed or a point). */
  readonly publicKey: G1Point | Uint8Array;
  /** Every participant's public key share, by index (from the DKG). */
  readonly publicKeyShares: ReadonlyMap<number, G1Point | Uint8Array>;
  readonly shares: readonly BlsSignatureShare[];
  /** How many valid shares determine the signature: the sharing polynomial's degree + 1. */
  readonly threshold: number;
  readonly dst?: string;
}

export interface CombineResult {
  readonly signature: G2Point;
  /** The indices whose shares went into the signature. */
  readonly signers: readonly number[];
  /** Participants whose shares failed verification and were left out. */
  readonly culprits: readonly number[];
}

/**
 * Optimistic combination: interpolate every share and verify the result against the group key (one
 * pairing product). If that fails, verify each share against its sender's public key share, leave
 * out the culprits and combine the rest. Throws ThresholdError if fewer than `threshold` shares are
 * given, CulpritsError (naming every culprit) if fewer than `threshold` valid ones remain.
 */
export function combineAndVerify(params: CombineParameters): CombineResult {
  const { shares, threshold } = params;
  const dst = params.dst ?? BLS_SIG_POP_DST;
  if (!Number.isInteger(threshold) || threshold < 1)
    throw new CryptoError("threshold must be a positive integer");
  shares.forEach((s) => checkIndex(s.index));
  const seen = new Set<number>();
  for (const s of shares) {
    if (seen.has(s.index)) throw new CulpritError("BLS signature share given twice", s.index);
    seen.add(s.index);
  }
  if (shares.length < threshold)
    throw new ThresholdError("too few BLS signature shares", threshold, shares.length);
  const publicKey = toG1(params.publicKey, "group public key");
  const hashed = hashToG2(params.message, dst);

  const optimistic = combineShares(shares);
  if (verifyHashed(publicKey, hashed, optimistic))
    return { signature: optimistic, signers: shares.map((s) => s.index), culprits: [] };

  // Fallback: check every share on its own (a pairing product each) and exclude the culprits.
  const culprits: number[] = [];
  const honest: BlsSignatureShare[] = [];
  for (const s of shares) {
    const pkShare = params.publicKeyShares.get(s.index);
    let ok = false;
    if (pkShare !== undefined) {
      try {
        ok = verifyHashed(toG1(pkShare, "public key share"), hashed, s.signature);
      } catch {
        ok = false;
      }
    }
    if (ok) honest.push(s);
    else culprits.push(s.index);
  }
  if (honest.length < threshold) {
    if (culprits.length === 0) throw new CryptoError("public key shares are inconsistent with the group key");
    throw new CulpritsError(
      `invalid BLS signature shares; ${honest.length} valid of ${threshold} needed`,
      culprits,
    );
  }
  const signature = combineShares(honest);
  if (!verifyHashed(publicKey, hashed, signature))
    throw new CryptoError("public key shares are inconsistent with the group key");
  return { signature, signers: honest.map((s) => s.index), culprits };
}
