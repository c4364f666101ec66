/**
 * JSON forms of what the node sends and keeps: presignature round messages (points as uncompressed
 * SEC1 hex, which decode without a square root: ten dealers' commitments per presignature made
 * decompression the largest cost of a presignature batch, scalars as 32-byte hex, session ids as hex) and DKG key shares. Decoders are strict
 * (they throw on anything malformed; a peer's malformed message is then treated as absent).
 */
import { bytesToHex, hexToBytes } from "@noble/hashes/utils";
import type { Group, Point } from "../../crypto/group";
import type { DkgResult } from "../../crypto/dkg";
import type {
  ComplaintBroadcast,
  DealingBroadcast,
  DealingShare,
  EcdsaKeyShare,
  JustificationBroadcast,
  ProductBroadcast,
} from "../../crypto/ecdsa";
import { decodePoint, decodeScalar, encodePoint, encodeScalar } from "../../crypto/ecdsa/common";

type Json = Record<string, unknown>;

const wide = (p: Point): string => encodePoint(p, "uncompressed");

function obj(v: unknown, what: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`${what}: expected an object`);
  return v as Json;
}
function int(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffff)
    throw new Error(`${what}: bad index`);
  return v;
}
function hexId(v: unknown, what: string): Uint8Array {
  if (typeof v !== "string" || !/^([0-9a-f]{2}){1,255}$/.test(v)) throw new Error(`${what}: bad session id`);
  return hexToBytes(v);
}
function points(v: unknown, what: string, max = 64): Point[] {
  if (!Array.isArray(v) || v.length > max) throw new Error(`${what}: expected a list of points`);
  return v.map((p, k) => decodePoint(p, `${what}[${k}]`));
}

export const encodeDealing = (b: DealingBroadcast) => ({
  sessionId: bytesToHex(b.sessionId),
  dealer: b.dealer,
  k: b.k.map(wide),
  a: b.a.map(wide),
  z: b.z.map(wide),
  zPrime: b.zPrime.map(wide),
});
export function decodeDealing(v: unknown): DealingBroadcast {
  const o = obj(v, "dealing");
  return {
    sessionId: hexId(o.sessionId, "dealing"),
    dealer: int(o.dealer, "dealer"),
    k: points(o.k, "k"),
    a: points(o.a, "a"),
    z: points(o.z, "z"),
    zPrime: points(o.zPrime, "zPrime"),
  };
}

export const encodeDealingShare = (s: DealingShare) => ({
  sessionId: bytesToHex(s.sessionId),
  dealer: s.dealer,
  recipient: s.recipient,
  k: encodeScalar(s.k),
  a: encodeScalar(s.a),
  z: encodeScalar(s.z),
  zPrime: encodeScalar(s.zPrime),
});
export function decodeDealingShare(v: unknown): DealingShare {
  const o = obj(v, "share");
  return {
    sessionId: hexId(o.sessionId, "share"),
    dealer: int(o.dealer, "dealer"),
    recipient: int(o.recipient, "recipient"),
    k: decodeScalar(o.k, "k"),
    a: decodeScalar(o.a, "a"),
    z: decodeScalar(o.z, "z"),
    zPrime: decodeScalar(o.zPrime, "zPrime"),
  };
}

export const encodeComplaint = (c: ComplaintBroadcast) => ({
  sessionId: bytesToHex(c.sessionId),
  accuser: c.accuser,
  dealers: [...c.dealers],
});
export function decodeComplaint(v: unknown): ComplaintBroadcast {
  const o = obj(v, "complaint");
  if (!Array.isArray(o.dealers) || o.dealers.length > 0xffff) throw new Error("complaint: bad dealers");
  return {
    sessionId: hexId(o.sessionId, "complaint"),
    accuser: int(o.accuser, "accuser"),
    dealers: o.dealers.map((d) => int(d, "dealer")),
  };
}

export const encodeJustification = (j: JustificationBroadcast) => ({
  sessionId: bytesToHex(j.sessionId),
  dealer: j.dealer,
  revealed: j.revealed.map(encodeDealingShare),
});
export function decodeJustification(v: unknown): JustificationBroadcast {
  const o = obj(v, "justification");
  if (!Array.isArray(o.revealed) || o.revealed.length > 0xffff) throw new Error("justification: bad list");
  return {
    sessionId: hexId(o.sessionId, "justification"),
    dealer: int(o.dealer, "dealer"),
    revealed: o.revealed.map(decodeDealingShare),
  };
}

export const encodeProduct = (p: ProductBroadcast) => ({
  sessionId: bytesToHex(p.sessionId),
  sender: p.sender,
  w: encodeScalar(p.w),
  proof: { T1: wide(p.proof.T1), T2: wide(p.proof.T2), z: encodeScalar(p.proof.z) },
});
export function decodeProduct(v: unknown): ProductBroadcast {
  const o = obj(v, "product");
  const p = obj(o.proof, "proof");
  return {
    sessionId: hexId(o.sessionId, "product"),
    sender: int(o.sender, "sender"),
    w: decodeScalar(o.w, "w"),
    proof: { T1: decodePoint(p.T1, "T1"), T2: decodePoint(p.T2, "T2"), z: decodeScalar(p.z, "z") },
  };
}

// ---- key shares at rest ----

export interface StoredKeyShare {
  readonly group: string;
  readonly n: number;
  readonly t: number;
  readonly index: number;
  readonly secretShare: string;
  readonly publicKey: string;
  readonly publicKeyShares: Record<string, string>;
}

export function keyShareToJson(r: DkgResult): StoredKeyShare {
  const shares: Record<string, string> = {};
  for (const [j, p] of r.publicKeyShares) shares[String(j)] = bytesToHex(r.group.pointToBytes(p));
  return {
    group: r.group.name,
    n: r.n,
    t: r.t,
    index: r.index,
    secretShare: bytesToHex(r.group.scalarToBytes(r.secretShare)),
    publicKey: bytesToHex(r.group.pointToBytes(r.publicKey)),
    publicKeyShares: shares,
  };
}

export interface KeyShare extends EcdsaKeyShare {
  readonly n: number;
  readonly t: number;
}

export function keyShareFromJson(group: Group, v: unknown): KeyShare {
  const o = v as StoredKeyShare;
  const publicKeyShares = new Map<number, Point>();
  for (const [j, hex] of Object.entries(o.publicKeyShares))
    publicKeyShares.set(Number(j), group.pointFromBytes(hexToBytes(hex)));
  return {
    n: o.n,
    t: o.t,
    index: o.index,
    secretShare: BigInt("0x" + o.secretShare),
    publicKey: group.pointFromBytes(hexToBytes(o.publicKey)),
    publicKeyShares,
  };
}
