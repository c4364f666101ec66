/**
 * Protocol runs over the peer network: a batch of DKGs (network BLS key, PKP keys) and a batch of
 * presignature generations, every participant running the same rounds of src/crypto over signed
 * peer envelopes (secret shares sealed to their receiver). Each round waits for every participant
 * or the round timeout; a silent or malformed participant is treated as absent, and the crypto layer
 * complains about it, disqualifies it and names it.
 */
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils";
import type { Logger } from "pino";
import type { Group } from "../../crypto/group";
import {
  decodeComplaints,
  decodeJustifications,
  decodeRound1Broadcast,
  decodeShare,
  dkgFinalize,
  dkgJustify,
  dkgParams,
  dkgRound1,
  dkgRound2,
  encodeComplaints,
  encodeJustifications,
  encodeRound1Broadcast,
  encodeShare,
  type Complaint,
  type DkgResult,
  type Justification,
  type Round1Broadcast,
} from "../../crypto/dkg";
import {
  presignParams,
  presignRound1,
  presignRound2,
  presignRound3,
  presignRound4,
  presignRound5,
  type DealingShare,
  type Presignature,
} from "../../crypto/ecdsa";
import type { Validator } from "../chain";
import type { Peers } from "../peers/peers";
import {
  decodeComplaint,
  decodeDealing,
  decodeDealingShare,
  decodeJustification,
  decodeProduct,
  encodeComplaint,
  encodeDealing,
  encodeDealingShare,
  encodeJustification,
  encodeProduct,
} from "./codec";

export interface RunContext {
  readonly peers: Peers;
  readonly me: Validator;
  /** Every participant (this node included), by validator index. */
  readonly participants: readonly Validator[];
  readonly roundMs: number;
  readonly log?: Logger;
}

/**
 * `items.map(f)` with a macrotask turn before each item: a batch's crypto is long, and the node must
 * keep answering signing requests and peer messages while it runs.
 */
async function mapYielding<T, U>(items: readonly T[], f: (item: T, k: number) => U): Promise<U[]> {
  const out: U[] = [];
  for (let k = 0; k < items.length; k++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    out.push(f(items[k], k));
  }
  return out;
}

function list(v: unknown, length: number): unknown[] {
  if (!Array.isArray(v) || v.length !== length) throw new Error(`expected a list of ${length}`);
  return v;
}

/** One round: send (payload to all, secret per receiver), then collect everyone's message. */
async function exchange(
  ctx: RunContext,
  session: string,
  kind: string,
  round: number,
  payload: unknown,
  secretFor?: (v: Validator) => unknown,
) {
  const ids = ctx.participants.map((v) => v.index);
  // A peer busy computing answers late: keep trying for up to a round.
  await ctx.peers.broadcast(ctx.participants, { session, kind, round, payload }, secretFor, ctx.roundMs);
  const got = await ctx.peers.mailbox.wait(session, kind, round, ids, ctx.roundMs);
  if (got.size < ids.length)
    ctx.log?.warn(
      { session, kind, round, missing: ids.filter((i) => !got.has(i)) },
      "round closed with participants missing",
    );
  return got;
}

/**
 * `count` DKGs at once on `group` with polynomial degree `t` (t for PKP keys, 2t for the network
 * BLS key). Returns this node's result of each.
 */
export async function runDkgBatch(
  ctx: RunContext,
  group: Group,
  t: number,
  session: string,
  count: number,
): Promise<DkgResult[]> {
  const n = Math.max(...ctx.participants.map((v) => v.index));
  const i = ctx.me.index;
  const params = Array.from({ length: count }, (_, k) =>
    dkgParams(group, n, utf8ToBytes(`${session}/${k}`), { t }),
  );
  const r1 = await mapYielding(params, (p) => dkgRound1(p, i));
  const got1 = await exchange(
    ctx,
    session,
    "dkg",
    1,
    r1.map((r, k) => bytesToHex(encodeRound1Broadcast(params[k], r.broadcast))),
    (v) =>
      v.index === i
        ? null
        : r1.map((r, k) => bytesToHex(encodeShare(params[k], r.privateShares.get(v.index)!))),
  );
  const r2 = await mapYielding(params, (p, k) => {
    const broadcasts = new Map<number, Round1Broadcast>();
    const shares = new Map<number, bigint>();
    for (const [j, m] of got1) {
      if (j === i) continue;
      try {
        broadcasts.set(j, decodeRound1Broadcast(p, j, hexToBytes(list(m.payload, count)[k] as string)));
      } catch (e) {
        ctx.log?.warn({ session, dealer: j, err: (e as Error).message }, "dkg broadcast refused");
      }
      try {
        shares.set(j, decodeShare(p, j, hexToBytes(list(m.secret, count)[k] as string)));
      } catch (e) {
        ctx.log?.warn({ session, dealer: j, err: (e as Error).message }, "dkg share refused");
      }
    }
    return dkgRound2(r1[k].secret, broadcasts, shares);
  });
  const got2 = await exchange(
    ctx,
    session,
    "dkg",
    2,
    r2.map((r, k) => bytesToHex(encodeComplaints(params[k], i, r.complaints))),
  );
  const r3 = await mapYielding(params, (p, k) => {
    const all: Complaint[] = [];
    for (const [j, m] of got2) {
      try {
        all.push(...decodeComplaints(p, j, hexToBytes(list(m.payload, count)[k] as string)));
      } catch (e) {
        ctx.log?.warn({ session, from: j, err: (e as Error).message }, "dkg complaints refused");
      }
    }
    return dkgJustify(r2[k].secret, all);
  });
  const got3 = await exchange(
    ctx,
    session,
    "dkg",
    3,
    r3.map((r, k) => bytesToHex(encodeJustifications(params[k], i, r.justifications))),
  );
  const results = await mapYielding(params, (p, k) => {
    const all: Justification[] = [];
    for (const [j, m] of got3) {
      try {
        all.push(...decodeJustifications(p, j, hexToBytes(list(m.payload, count)[k] as string)));
      } catch (e) {
        ctx.log?.warn({ session, from: j, err: (e as Error).message }, "dkg justifications refused");
      }
    }
    return dkgFinalize(r3[k].secret, all);
  });
  ctx.peers.mailbox.drop(session);
  return results;
}

export interface PresignOutcome {
  readonly presignature: Presignature;
  /** Participants that completed the run (sent a product): they hold shares of it. */
  readonly holders: readonly number[];
}

/** `count` presignature generations at once; returns this node's part of each. */
export async function runPresignBatch(
  ctx: RunContext,
  t: number,
  session: string,
  count: number,
): Promise<PresignOutcome[]> {
  const n = Math.max(...ctx.participants.map((v) => v.index));
  const i = ctx.me.index;
  const params = Array.from({ length: count }, (_, k) =>
    presignParams(n, i, utf8ToBytes(`${session}/${k}`), { t }),
  );
  const r1 = await mapYielding(params, (p) => presignRound1(p));
  const got1 = await exchange(
    ctx,
    session,
    "presign",
    1,
    r1.map((r) => encodeDealing(r.broadcast)),
    (v) => r1.map((r) => encodeDealingShare(r.shares.find((s) => s.recipient === v.index)!)),
  );
  const r2 = await mapYielding(params, (_, k) => {
    const dealings = [];
    const shares: DealingShare[] = [];
    for (const [j, m] of got1) {
      try {
        dealings.push(decodeDealing(list(m.payload, count)[k]));
        shares.push(decodeDealingShare(list(m.secret, count)[k]));
      } catch (e) {
        ctx.log?.warn({ session, dealer: j, err: (e as Error).message }, "presign dealing refused");
      }
    }
    return presignRound2(r1[k].secret, dealings, shares);
  });
  const got2 = await exchange(
    ctx,
    session,
    "presign",
    2,
    r2.map((r) => encodeComplaint(r.broadcast)),
  );
  const decodeAll = <T>(got: typeof got1, k: number, decode: (v: unknown) => T): T[] => {
    const out: T[] = [];
    for (const [j, m] of got) {
      try {
        out.push(decode(list(m.payload, count)[k]));
      } catch (e) {
        ctx.log?.warn({ session, from: j, err: (e as Error).message }, "presign message refused");
      }
    }
    return out;
  };
  const r3 = await mapYielding(params, (_, k) =>
    presignRound3(r2[k].secret, decodeAll(got2, k, decodeComplaint)),
  );
  const got3 = await exchange(
    ctx,
    session,
    "presign",
    3,
    r3.map((r) => encodeJustification(r.broadcast)),
  );
  const r4 = await mapYielding(params, (_, k) =>
    presignRound4(r3[k].secret, decodeAll(got3, k, decodeJustification)),
  );
  const got4 = await exchange(
    ctx,
    session,
    "presign",
    4,
    r4.map((r) => encodeProduct(r.broadcast)),
  );
  const holders = [...got4.keys()].sort((a, b) => a - b);
  const out = await mapYielding(params, (_, k) => {
    const r5 = presignRound5(r4[k].secret, decodeAll(got4, k, decodeProduct));
    return { presignature: r5.presignature, holders };
  });
  ctx.peers.mailbox.drop(session);
  return out;
}
