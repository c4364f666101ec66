/**
 * Runs the presignature protocol for all n participants in one process, delivering every message to
 * everyone: for tests, vectors and benchmarks (the node layer runs the same rounds over the network).
 * `tamper` hooks let tests play a faulty participant by rewriting what it sends.
 */
import { CryptoError } from "../errors";
import { systemRng, type Rng } from "./common";
import type { Presignature } from "./presignature";
import {
  presignRound1,
  presignRound2,
  presignRound3,
  presignRound4,
  presignRound5,
  type PresignRound1Secret,
  type PresignRound2Secret,
  type PresignRound3Secret,
  type PresignRound4Secret,
} from "./presign";
import { presignParams } from "./types";
import type {
  ComplaintBroadcast,
  DealingBroadcast,
  DealingShare,
  JustificationBroadcast,
  PresignFault,
  ProductBroadcast,
} from "./types";

export interface LocalPresignOptions {
  readonly t?: number;
  readonly sessionId?: Uint8Array;
  readonly rng?: Rng;
  /** Participants that take part (default 1..n); the others send nothing and get nothing. */
  readonly participants?: readonly number[];
  /** Participants played as faulty by `tamper`: their own outputs are not required to agree with the rest. */
  readonly faulty?: readonly number[];
  readonly tamper?: {
    readonly dealing?: (b: DealingBroadcast) => DealingBroadcast;
    readonly share?: (s: DealingShare) => DealingShare | undefined;
    readonly complaint?: (c: ComplaintBroadcast) => ComplaintBroadcast;
    readonly justification?: (j: JustificationBroadcast) => JustificationBroadcast;
    readonly product?: (p: ProductBroadcast) => ProductBroadcast | undefined;
  };
}

export interface LocalPresignResult {
  /** By participant index. */
  readonly presignatures: ReadonlyMap<number, Presignature>;
  readonly qualified: readonly number[];
  /** What each participant blamed (equal at every honest participant for faults seen by all). */
  readonly faults: ReadonlyMap<number, ReadonlyMap<number, PresignFault>>;
}

export function runPresignLocally(n: number, options: LocalPresignOptions = {}): LocalPresignResult {
  const rng = options.rng ?? systemRng;
  const sessionId = options.sessionId ?? rng(16);
  const who = options.participants ?? Array.from({ length: n }, (_, k) => k + 1);
  const tp = options.tamper ?? {};
  const params = new Map(who.map((i) => [i, presignParams(n, i, sessionId, { t: options.t, rng })]));

  const s1 = new Map<number, PresignRound1Secret>();
  const dealings: DealingBroadcast[] = [];
  const shares: DealingShare[] = [];
  for (const i of who) {
    const out = presignRound1(params.get(i)!);
    s1.set(i, out.secret);
    dealings.push(tp.dealing ? tp.dealing(out.broadcast) : out.broadcast);
    for (const sh of out.shares) {
      const x = tp.share ? tp.share(sh) : sh;
      if (x) shares.push(x);
    }
  }
  const s2 = new Map<number, PresignRound2Secret>();
  const complaints: ComplaintBroadcast[] = [];
  for (const i of who) {
    const out = presignRound2(
      s1.get(i)!,
      dealings,
      shares.filter((s) => s.recipient === i),
    );
    s2.set(i, out.secret);
    complaints.push(tp.complaint ? tp.complaint(out.broadcast) : out.broadcast);
  }
  const s3 = new Map<number, PresignRound3Secret>();
  const justifications: JustificationBroadcast[] = [];
  for (const i of who) {
    const out = presignRound3(s2.get(i)!, complaints);
    s3.set(i, out.secret);
    justifications.push(tp.justification ? tp.justification(out.broadcast) : out.broadcast);
  }
  const s4 = new Map<number, PresignRound4Secret>();
  const products: ProductBroadcast[] = [];
  for (const i of who) {
    const out = presignRound4(s3.get(i)!, justifications);
    s4.set(i, out.secret);
    const p = tp.product ? tp.product(out.broadcast) : out.broadcast;
    if (p) products.push(p);
  }
  const faulty = new Set(options.faulty ?? []);
  const presignatures = new Map<number, Presignature>();
  const faults = new Map<number, ReadonlyMap<number, PresignFault>>();
  let qualified: readonly number[] = [];
  for (const i of who) {
    const out = presignRound5(s4.get(i)!, products);
    presignatures.set(i, out.presignature);
    faults.set(i, out.faults);
    if (!faulty.has(i)) qualified = out.qualified;
  }
  const ids = new Set([...presignatures].filter(([i]) => !faulty.has(i)).map(([, p]) => p.id));
  if (ids.size !== 1) throw new CryptoError("participants disagree on the presignature");
  return { presignatures, qualified, faults };
}
