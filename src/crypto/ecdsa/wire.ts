/**
 * JSON-safe encodings of the presignature protocol's messages (hex without 0x, compressed SEC1
 * points, 32-byte big-endian scalars). Decoders are strict — canonical scalars, points on the curve
 * and never the identity, exact list lengths for the run's t — and throw a CulpritError naming the
 * sender, so the node can drop that message and blame its sender (an honest dealer never commits to
 * the identity: its coefficients are non-zero). The private `DealingShare` is encrypted by the node.
 * At the end, the online signature share's JSON (`signatureShareToJSON`/`FromJSON`).
 */
import type { Point } from "../group";
import { CryptoError, CulpritError } from "../errors";
import {
  checkSigningSet,
  decodePoint,
  decodeScalar,
  encodePoint,
  encodeScalar,
  hexToBytesStrict,
  toHex,
  type PointForm,
} from "./common";
import type { ShareProof, SignatureShare } from "./sign";
import type {
  ComplaintBroadcast,
  DealingBroadcast,
  DealingShare,
  JustificationBroadcast,
  PresignParams,
  ProductBroadcast,
} from "./types";

type Json = Record<string, unknown>;

function obj(v: unknown, what: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new CryptoError(`${what}: expected an object`);
  return v as Json;
}

function index(v: unknown, n: number, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > n)
    throw new CryptoError(`${what}: participant index must be in 1..${n}`);
  return v;
}

function points(v: unknown, length: number, what: string): Point[] {
  if (!Array.isArray(v) || v.length !== length) throw new CryptoError(`${what}: expected ${length} points`);
  return v.map((p, k) => decodePoint(p, `${what}[${k}]`));
}

function session(params: PresignParams, v: unknown): Uint8Array {
  const s = hexToBytesStrict(v, params.sessionId.length, "session id");
  if (toHex(s) !== toHex(params.sessionId)) throw new CryptoError("message is for another session");
  return s;
}

/** Runs a decoder; any failure becomes a CulpritError naming `sender`. */
function blame<T>(sender: number, what: string, f: () => T): T {
  try {
    return f();
  } catch (cause) {
    if (cause instanceof CulpritError) throw cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new CulpritError(`malformed ${what}: ${reason}`, sender, { cause });
  }
}

export function encodeDealingBroadcast(b: DealingBroadcast): Json {
  return {
    sessionId: toHex(b.sessionId),
    dealer: b.dealer,
    k: b.k.map((p) => encodePoint(p)),
    a: b.a.map((p) => encodePoint(p)),
    z: b.z.map((p) => encodePoint(p)),
    zPrime: b.zPrime.map((p) => encodePoint(p)),
  };
}

export function decodeDealingBroadcast(
  params: PresignParams,
  sender: number,
  json: unknown,
): DealingBroadcast {
  return blame(sender, "dealing", () => {
    const o = obj(json, "dealing");
    const { t } = params;
    if (index(o.dealer, params.n, "dealing") !== sender) throw new CryptoError("dealer is not the sender");
    return Object.freeze({
      sessionId: session(params, o.sessionId),
      dealer: sender,
      k: Object.freeze(points(o.k, t + 1, "k")),
      a: Object.freeze(points(o.a, t + 1, "a")),
      z: Object.freeze(points(o.z, 2 * t, "z")),
      zPrime: Object.freeze(points(o.zPrime, 2 * t, "zPrime")),
    });
  });
}

export function encodeDealingShare(s: DealingShare): Json {
  return {
    sessionId: toHex(s.sessionId),
    dealer: s.dealer,
    recipient: s.recipient,
    k: encodeScalar(s.k),
    a: encodeScalar(s.a),
    z: encodeScalar(s.z),
    zPrime: encodeScalar(s.zPrime),
  };
}

function dealingShare(params: PresignParams, o: Json, dealer: number): DealingShare {
  if (index(o.dealer, params.n, "share") !== dealer)
    throw new CryptoError("share's dealer is not the sender");
  return Object.freeze({
    sessionId: session(params, o.sessionId),
    dealer,
    recipient: index(o.recipient, params.n, "share recipient"),
    k: decodeScalar(o.k, "k"),
    a: decodeScalar(o.a, "a"),
    z: decodeScalar(o.z, "z"),
    zPrime: decodeScalar(o.zPrime, "zPrime"),
  });
}

/** A share sent privately to this participant by `sender`. */
export function decodeDealingShare(params: PresignParams, sender: number, json: unknown): DealingShare {
  return blame(sender, "share", () => {
    const s = dealingShare(params, obj(json, "share"), sender);
    if (s.recipient !== params.index) throw new CryptoError("share is for another participant");
    return s;
  });
}

export function encodeComplaintBroadcast(c: ComplaintBroadcast): Json {
  return { sessionId: toHex(c.sessionId), accuser: c.accuser, dealers: [...c.dealers] };
}

export function decodeComplaintBroadcast(
  params: PresignParams,
  sender: number,
  json: unknown,
): ComplaintBroadcast {
  return blame(sender, "complaints", () => {
    const o = obj(json, "complaints");
    if (index(o.accuser, params.n, "complaints") !== sender)
      throw new CryptoError("accuser is not the sender");
    if (!Array.isArray(o.dealers) || o.dealers.length > params.n) throw new CryptoError("bad dealer list");
    const dealers = o.dealers.map((d) => index(d, params.n, "complaint"));
    if (new Set(dealers).size !== dealers.length) throw new CryptoError("a dealer appears twice");
    return Object.freeze({
      sessionId: session(params, o.sessionId),
      accuser: sender,
      dealers: Object.freeze(dealers),
    });
  });
}

export function encodeJustificationBroadcast(j: JustificationBroadcast): Json {
  return { sessionId: toHex(j.sessionId), dealer: j.dealer, revealed: j.revealed.map(encodeDealingShare) };
}

export function decodeJustificationBroadcast(
  params: PresignParams,
  sender: number,
  json: unknown,
): JustificationBroadcast {
  return blame(sender, "justification", () => {
    const o = obj(json, "justification");
    if (index(o.dealer, params.n, "justification") !== sender)
      throw new CryptoError("dealer is not the sender");
    if (!Array.isArray(o.revealed) || o.revealed.length > params.n)
      throw new CryptoError("bad revealed list");
    return Object.freeze({
      sessionId: session(params, o.sessionId),
      dealer: sender,
      revealed: Object.freeze(o.revealed.map((s) => dealingShare(params, obj(s, "revealed share"), sender))),
    });
  });
}

export function encodeProductBroadcast(p: ProductBroadcast): Json {
  return {
    sessionId: toHex(p.sessionId),
    sender: p.sender,
    w: encodeScalar(p.w),
    proof: { T1: encodePoint(p.proof.T1), T2: encodePoint(p.proof.T2), z: encodeScalar(p.proof.z) },
  };
}

export function decodeProductBroadcast(
  params: PresignParams,
  sender: number,
  json: unknown,
): ProductBroadcast {
  return blame(sender, "product", () => {
    const o = obj(json, "product");
    if (index(o.sender, params.n, "product") !== sender)
      throw new CryptoError("sender field is not the sender");
    const proof = obj(o.proof, "product proof");
    return Object.freeze({
      sessionId: session(params, o.sessionId),
      sender,
      w: decodeScalar(o.w, "w"),
      proof: Object.freeze({
        T1: decodePoint(proof.T1, "T1"),
        T2: decodePoint(proof.T2, "T2"),
        z: decodeScalar(proof.z, "z"),
      }),
    });
  });
}

// ---------- the online signature share ----------

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
