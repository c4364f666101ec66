/**
 * Byte encodings of the DKG's messages (indices u16 big-endian, points compressed, scalars
 * big-endian of the group's length). Every decoder takes the sender the transport authenticated
 * and throws a CulpritError naming it for anything malformed: wrong length, wrong count, a point
 * that is not on the curve or not in the subgroup, a non-canonical scalar, or a message that claims
 * to come from someone else.
 *
 *   Round1Broadcast   dealer u16 ‖ count u16 ‖ C_0 … C_{count-1} ‖ R ‖ z
 *   share             scalar
 *   complaints        accuser u16 ‖ count u16 ‖ count × (dealer u16 ‖ reason u8)
 *   justifications    dealer u16 ‖ count u16 ‖ count × (accuser u16 ‖ share)
 */
import type { Point } from "../group";
import { CryptoError, CulpritError } from "../errors";
import type { Complaint, ComplaintReason, DkgParams, Justification, Round1Broadcast } from "./types";

const REASON_CODES: readonly ComplaintReason[] = ["missing-share", "bad-share", "bad-dealing"];

class Writer {
  private readonly parts: Uint8Array[] = [];
  u8(v: number): this {
    this.parts.push(Uint8Array.of(v));
    return this;
  }
  u16(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new CryptoError(`value ${v} does not fit in u16`);
    this.parts.push(Uint8Array.of(v >> 8, v & 0xff));
    return this;
  }
  bytes(b: Uint8Array): this {
    this.parts.push(b);
    return this;
  }
  done(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

class Reader {
  private offset = 0;
  constructor(
    private readonly data: Uint8Array,
    private readonly sender: number,
    private readonly what: string,
  ) {
    if (!(data instanceof Uint8Array)) throw new CulpritError(`${what} is not bytes`, sender);
  }
  fail(message: string, cause?: unknown): never {
    throw new CulpritError(
      `malformed ${this.what}: ${message}`,
      this.sender,
      cause === undefined ? undefined : { cause },
    );
  }
  take(length: number): Uint8Array {
    if (this.offset + length > this.data.length) this.fail(`truncated at byte ${this.offset}`);
    const out = this.data.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
  u8(): number {
    return this.take(1)[0];
  }
  u16(): number {
    const b = this.take(2);
    return (b[0] << 8) | b[1];
  }
  end(): void {
    if (this.offset !== this.data.length) this.fail(`${this.data.length - this.offset} trailing bytes`);
  }
}

function point(params: DkgParams, r: Reader, what: string): Point {
  const bytes = r.take(params.group.pointLength);
  try {
    return params.group.pointFromBytes(bytes);
  } catch (cause) {
    return r.fail(`${what} is not a valid ${params.group.name} point`, cause);
  }
}

function scalar(params: DkgParams, r: Reader, what: string): bigint {
  const bytes = r.take(params.group.scalarLength);
  try {
    return params.group.scalarFromBytes(bytes);
  } catch (cause) {
    return r.fail(`${what} is not a canonical scalar`, cause);
  }
}

function expectSender(r: Reader, claimed: number, sender: number, role: string): void {
  if (claimed !== sender) r.fail(`${role} field says ${claimed}, but it came from ${sender}`);
}

export function encodeRound1Broadcast(params: DkgParams, b: Round1Broadcast): Uint8Array {
  const { group } = params;
  const w = new Writer().u16(b.dealer).u16(b.commitments.length);
  for (const C of b.commitments) w.bytes(group.pointToBytes(C));
  return w.bytes(group.pointToBytes(b.proof.R)).bytes(group.scalarToBytes(b.proof.z)).done();
}

/** Decodes the dealing `sender` broadcast; refuses a wrong commitment count (≠ t+1) or malformed bytes. */
export function decodeRound1Broadcast(params: DkgParams, sender: number, bytes: Uint8Array): Round1Broadcast {
  const r = new Reader(bytes, sender, "dealing");
  const dealer = r.u16();
  expectSender(r, dealer, sender, "dealer");
  const count = r.u16();
  if (count !== params.t + 1) r.fail(`${count} commitments, expected t+1 = ${params.t + 1}`);
  const commitments: Point[] = [];
  for (let m = 0; m < count; m++) commitments.push(point(params, r, `commitment C_${m}`));
  const R = point(params, r, "proof nonce R");
  const z = scalar(params, r, "proof response z");
  r.end();
  return Object.freeze({ dealer, commitments: Object.freeze(commitments), proof: Object.freeze({ R, z }) });
}

export function encodeShare(params: DkgParams, share: bigint): Uint8Array {
  return params.group.scalarToBytes(share);
}

export function decodeShare(params: DkgParams, sender: number, bytes: Uint8Array): bigint {
  const r = new Reader(bytes, sender, "share");
  const s = scalar(params, r, "share");
  r.end();
  return s;
}

/** The complaints of one accuser (all must carry `accuser` as their accuser). */
export function encodeComplaints(
  params: DkgParams,
  accuser: number,
  complaints: readonly Complaint[],
): Uint8Array {
  const w = new Writer().u16(accuser).u16(complaints.length);
  for (const c of complaints) {
    if (c.accuser !== accuser) throw new CryptoError(`complaint of ${c.accuser} in the list of ${accuser}`);
    const code = REASON_CODES.indexOf(c.reason);
    if (code < 0) throw new CryptoError(`unknown complaint reason ${c.reason}`);
    w.u16(c.dealer).u8(code);
  }
  return w.done();
}

export function decodeComplaints(params: DkgParams, sender: number, bytes: Uint8Array): Complaint[] {
  const r = new Reader(bytes, sender, "complaints");
  const accuser = r.u16();
  expectSender(r, accuser, sender, "accuser");
  const count = r.u16();
  if (count > params.n) r.fail(`${count} complaints among ${params.n} participants`);
  const out: Complaint[] = [];
  const seen = new Set<number>();
  for (let k = 0; k < count; k++) {
    const dealer = r.u16();
    const code = r.u8();
    if (dealer < 1 || dealer > params.n) r.fail(`dealer ${dealer} outside 1..${params.n}`);
    if (dealer === accuser) r.fail("complaint against oneself");
    if (seen.has(dealer)) r.fail(`two complaints against dealer ${dealer}`);
    if (code >= REASON_CODES.length) r.fail(`unknown reason code ${code}`);
    seen.add(dealer);
    out.push(Object.freeze({ accuser, dealer, reason: REASON_CODES[code] }));
  }
  r.end();
  return out;
}

/** The justifications of one dealer (all must carry `dealer` as their dealer). */
export function encodeJustifications(
  params: DkgParams,
  dealer: number,
  justifications: readonly Justification[],
): Uint8Array {
  const w = new Writer().u16(dealer).u16(justifications.length);
  for (const j of justifications) {
    if (j.dealer !== dealer) throw new CryptoError(`justification of ${j.dealer} in the list of ${dealer}`);
    w.u16(j.accuser).bytes(params.group.scalarToBytes(j.share));
  }
  return w.done();
}

export function decodeJustifications(params: DkgParams, sender: number, bytes: Uint8Array): Justification[] {
  const r = new Reader(bytes, sender, "justifications");
  const dealer = r.u16();
  expectSender(r, dealer, sender, "dealer");
  const count = r.u16();
  if (count > params.n) r.fail(`${count} justifications among ${params.n} participants`);
  const out: Justification[] = [];
  const seen = new Set<number>();
  for (let k = 0; k < count; k++) {
    const accuser = r.u16();
    if (accuser < 1 || accuser > params.n) r.fail(`accuser ${accuser} outside 1..${params.n}`);
    if (accuser === dealer) r.fail("justification to oneself");
    if (seen.has(accuser)) r.fail(`two justifications for accuser ${accuser}`);
    seen.add(accuser);
    out.push(Object.freeze({ dealer, accuser, share: scalar(params, r, `share for ${accuser}`) }));
  }
  r.end();
  return out;
}
