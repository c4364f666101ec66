/**
 * All participants of one DKG in one process, every message going through its byte encoding and
 * every private share sealed to its receiver, as the nodes do it over the network. For tests, the
 * benchmark and the node's tests; `faults` makes chosen participants misbehave.
 */
import type { Group } from "../group";
import { CulpritError } from "../errors";
import { generateEncryptionKeys, type EncryptionKeyPair } from "../encryption";
import { dkgFinalize, dkgJustify, dkgRound1, dkgRound2, type Round1Secret } from "./rounds";
import { systemRng, type Rng } from "../rng";
import { openShare, sealShare } from "./transport";
import { dkgParams, type Complaint, type DkgParams, type DkgResult, type Justification } from "./types";
import {
  decodeComplaints,
  decodeJustifications,
  decodeRound1Broadcast,
  decodeShare,
  encodeComplaints,
  encodeJustifications,
  encodeRound1Broadcast,
  encodeShare,
} from "./wire";

export interface DkgFaults {
  /**
   * `dealer` sends `receiver` f(receiver)+1. Accused, it answers as `justify` says: "same" reveals
   * the wrong value again (a cheater: disqualified; the default), "correct" reveals the right share
   * (not disqualified), "none" does not answer (disqualified).
   */
  readonly badShares?: readonly { dealer: number; receiver: number; justify?: "same" | "correct" | "none" }[];
  /** Dealers whose proof of knowledge is corrupted (z+1). */
  readonly badProofs?: readonly number[];
  /** Dealers that broadcast t commitments instead of t+1. */
  readonly wrongCommitmentCount?: readonly number[];
  /** Participants that send nothing in any round (they still receive, and compute a share). */
  readonly silent?: readonly number[];
  /** `accuser` complains about `dealer` although its share was right (a false accusation). */
  readonly falseComplaints?: readonly { accuser: number; dealer: number }[];
  /** The sealed share from `dealer` to `receiver` has a byte flipped in transit. */
  readonly tamperedShares?: readonly { dealer: number; receiver: number }[];
}

export interface LocalDkgOptions {
  readonly faults?: DkgFaults;
  /** Default: 32 random bytes (from `rng`). */
  readonly sessionId?: Uint8Array;
  /** Default: the system CSPRNG. A deterministic one reproduces the whole transcript. */
  readonly rng?: Rng;
  /** Seal private shares with x25519 + ChaCha20-Poly1305 (default true); false sends them encoded in the clear. */
  readonly encrypt?: boolean;
}

/** Every message of the run, as bytes. */
export interface LocalDkgTranscript {
  readonly encryptionPublicKeys: ReadonlyMap<number, Uint8Array>;
  readonly broadcasts: ReadonlyMap<number, Uint8Array>;
  /** Keyed "dealer:receiver". */
  readonly privateShares: ReadonlyMap<string, Uint8Array>;
  readonly complaints: ReadonlyMap<number, Uint8Array>;
  readonly justifications: ReadonlyMap<number, Uint8Array>;
}

export interface LocalDkgRun {
  readonly params: DkgParams;
  /** Every participant's output (silent ones included: they still receive). */
  readonly results: ReadonlyMap<number, DkgResult>;
  readonly transcript: LocalDkgTranscript;
  /** Messages a receiver refused (malformed, not opening), each naming its sender. */
  readonly refusals: readonly { readonly receiver: number; readonly error: CulpritError }[];
}

/** Runs the four rounds for participants 1..n (t defaults to floor((n-1)/3)). */
export function runDkgLocally(
  group: Group,
  n: number,
  t?: number,
  options: LocalDkgOptions = {},
): LocalDkgRun {
  const rng = options.rng ?? systemRng;
  const faults = options.faults ?? {};
  const encrypt = options.encrypt ?? true;
  const sessionId = options.sessionId ?? rng(32);
  const params = dkgParams(group, n, sessionId, { t, rng: options.rng });
  const ids = Array.from({ length: n }, (_, k) => k + 1);
  const silent = new Set(faults.silent ?? []);
  const refusals: { receiver: number; error: CulpritError }[] = [];
  const refuse = (receiver: number, e: unknown) => {
    if (!(e instanceof CulpritError)) throw e;
    refusals.push({ receiver, error: e });
  };

  const keys = new Map<number, EncryptionKeyPair>(ids.map((i) => [i, generateEncryptionKeys(rng)]));

  // Round 1: deal.
  const secrets1 = new Map<number, Round1Secret>();
  const broadcasts = new Map<number, Uint8Array>();
  const privateShares = new Map<string, Uint8Array>();
  for (const i of ids) {
    const out = dkgRound1(params, i);
    secrets1.set(i, out.secret);
    if (silent.has(i)) continue;
    let b = out.broadcast;
    if (faults.badProofs?.includes(i)) b = { ...b, proof: { ...b.proof, z: group.Fn.add(b.proof.z, 1n) } };
    if (faults.wrongCommitmentCount?.includes(i)) b = { ...b, commitments: b.commitments.slice(0, params.t) };
    broadcasts.set(i, encodeRound1Broadcast(params, b));
    for (const [j, s0] of out.privateShares) {
      const bad = faults.badShares?.some((f) => f.dealer === i && f.receiver === j);
      const s = bad ? group.Fn.add(s0, 1n) : s0;
      const sealed = encrypt
        ? sealShare(params, i, j, s, keys.get(i)!, keys.get(j)!.publicKey)
        : encodeShare(params, s);
      if (faults.tamperedShares?.some((f) => f.dealer === i && f.receiver === j))
        sealed[sealed.length - 1] ^= 1;
      privateShares.set(`${i}:${j}`, sealed);
    }
  }

  // Round 2: every receiver decodes, opens and verifies; complaints go out. Every receiver gets the
  // same broadcast bytes, so in one process each is decoded (and its points validated) once.
  const decoded = new Map<number, ReturnType<typeof decodeRound1Broadcast> | CulpritError>();
  for (const [j, b] of broadcasts) {
    try {
      decoded.set(j, decodeRound1Broadcast(params, j, b));
    } catch (e) {
      if (!(e instanceof CulpritError)) throw e;
      decoded.set(j, e);
    }
  }
  const secrets2 = new Map<number, ReturnType<typeof dkgRound2>["secret"]>();
  const complaintBytes = new Map<number, Uint8Array>();
  for (const i of ids) {
    const received = new Map<number, ReturnType<typeof decodeRound1Broadcast>>();
    const shares = new Map<number, bigint>();
    for (const j of ids) {
      if (j === i) continue;
      const b = decoded.get(j);
      if (b instanceof CulpritError) refuse(i, b);
      else if (b !== undefined) received.set(j, b);
      const sealed = privateShares.get(`${j}:${i}`);
      if (sealed !== undefined) {
        try {
          shares.set(
            j,
            encrypt
              ? openShare(params, j, i, sealed, keys.get(i)!, keys.get(j)!.publicKey)
              : decodeShare(params, j, sealed),
          );
        } catch (e) {
          refuse(i, e);
        }
      }
    }
    const out = dkgRound2(secrets1.get(i)!, received, shares);
    secrets2.set(i, out.secret);
    if (silent.has(i)) continue;
    const mine: Complaint[] = [...out.complaints];
    for (const f of faults.falseComplaints ?? [])
      if (f.accuser === i && !mine.some((c) => c.dealer === f.dealer))
        mine.push({ accuser: i, dealer: f.dealer, reason: "bad-share" });
    complaintBytes.set(i, encodeComplaints(params, i, mine));
  }

  // Justification round.
  const secrets3 = new Map<number, ReturnType<typeof dkgJustify>["secret"]>();
  const justificationBytes = new Map<number, Uint8Array>();
  for (const i of ids) {
    const all: Complaint[] = [];
    for (const [j, bytes] of complaintBytes) all.push(...decodeComplaints(params, j, bytes));
    const out = dkgJustify(secrets2.get(i)!, all);
    secrets3.set(i, out.secret);
    if (silent.has(i)) continue;
    const answers: Justification[] = [];
    for (const jf of out.justifications) {
      const fault = faults.badShares?.find((f) => f.dealer === i && f.receiver === jf.accuser);
      const how = fault === undefined ? "correct" : (fault.justify ?? "same");
      if (how === "none") continue;
      answers.push(how === "same" ? { ...jf, share: group.Fn.add(jf.share, 1n) } : jf);
    }
    justificationBytes.set(i, encodeJustifications(params, i, answers));
  }

  // Finalize.
  const results = new Map<number, DkgResult>();
  for (const i of ids) {
    const all: Justification[] = [];
    for (const [j, bytes] of justificationBytes) all.push(...decodeJustifications(params, j, bytes));
    results.set(i, dkgFinalize(secrets3.get(i)!, all));
  }

  return {
    params,
    results,
    transcript: {
      encryptionPublicKeys: new Map(ids.map((i) => [i, keys.get(i)!.publicKey])),
      broadcasts,
      privateShares,
      complaints: complaintBytes,
      justifications: justificationBytes,
    },
    refusals,
  };
}
