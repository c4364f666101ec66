/**
 * Offline presignature generation among n participants with honest majority (at most t faulty,
 * n ≥ 3t+1 for the network's t): the protocol of Damgård, Jakobsen, Nielsen, Pagter and Østergaard,
 * "Fast threshold ECDSA with honest majority" (SCN 2020; its presigning phase: random sharings [k],
 * [a] of degree t, zero sharings of degree 2t, open w = a·k + 0, R = k·G, [k⁻¹] = w⁻¹·[a]), made
 * robust and attributable as in Gennaro-Jarecki-Krawczyk-Rabin (GJKR'96 "Robust threshold DSS
 * signatures"; complaints, answers and the qualified set as in step 1 of the DKG of GJKR'99 "Secure
 * distributed key generation for discrete-log based cryptosystems"): every sharing is
 * Feldman-committed so a bad share names its dealer, and every w_i carries a Chaum-Pedersen proof so
 * a bad product names its sender. The step descriptions below are paraphrases of the papers, not
 * verbatim quotations.
 *
 * Rounds (each a pure function; a state is consumed once):
 *   1. presignRound1: deal k_i, a_i (degree t), z_i, z'_i (degree 2t, constant 0); broadcast commitments.
 *   2. presignRound2: check the shares received; broadcast complaints.
 *   3. presignRound3: answer complaints against oneself by revealing the accuser's shares.
 *   4. presignRound4: fix QUAL; sum shares over QUAL; broadcast w_i = a_i·k_i + z_i with its DLEQ proof.
 *   5. presignRound5: open μ = a·k from 2t+1 correct w_i; output the Presignature.
 *
 * Over 400 lines on purpose: the five rounds of one protocol, each a pure function over the same
 * secret state; a file per round would scatter the state machine.
 */
import type { Point } from "../group";
import { CryptoError, CulpritsError, ThresholdError } from "../errors";
import { commit, evaluate, interpolateAtZero } from "../polynomial";
import {
  Fn,
  ORDER,
  evalCommitment,
  group,
  hashBytes,
  hashToScalar,
  isPoint,
  mulG,
  powers,
  randomScalar,
  randomWeight,
  systemRng,
  toAffineBatch,
  toHex,
  type Rng,
} from "./common";
import { Presignature, type PresignaturePublic } from "./presignature";
import { SingleUse } from "./state";
import type {
  ComplaintBroadcast,
  DealingBroadcast,
  DealingShare,
  DleqProof,
  JustificationBroadcast,
  PresignFault,
  PresignParams,
  ProductBroadcast,
} from "./types";

type Poly = readonly bigint[];

interface Round1Data {
  readonly params: PresignParams;
  readonly polys: { readonly k: Poly; readonly a: Poly; readonly z: Poly; readonly zPrime: Poly };
}

interface Round2Data {
  readonly params: PresignParams;
  readonly polys: Round1Data["polys"];
  /** Valid dealings by dealer. */
  readonly dealings: ReadonlyMap<number, DealingBroadcast>;
  /** Shares received (only from valid dealers). */
  readonly received: ReadonlyMap<number, DealingShare>;
  /** Dealers whose share to me was missing or wrong. */
  readonly myComplaints: readonly number[];
  /** Dealers left out before complaints: missing or malformed broadcast. */
  readonly faults: ReadonlyMap<number, PresignFault>;
  /** The summed commitments of the dealers whose shares passed round 2's joint check. */
  readonly checkedAggregate?: { readonly dealers: readonly number[]; readonly agg: AggregateCommitments };
}

interface Round3Data extends Round2Data {
  /** accuser → dealers it complained about (valid complaints only). */
  readonly complaints: ReadonlyMap<number, ReadonlySet<number>>;
}

interface Round4Data {
  readonly params: PresignParams;
  readonly qual: readonly number[];
  readonly faults: ReadonlyMap<number, PresignFault>;
  readonly transcript: Uint8Array;
  readonly agg: AggregateCommitments;
  readonly aShare: bigint;
  readonly zPrimeShare: bigint;
  readonly w: bigint;
}

export class PresignRound1Secret extends SingleUse<Round1Data> {}
export class PresignRound2Secret extends SingleUse<Round2Data> {}
export class PresignRound3Secret extends SingleUse<Round3Data> {}
export class PresignRound4Secret extends SingleUse<Round4Data> {}

/** Sums of the commitments of every dealer in QUAL: the commitments of the joint sharings. */
interface AggregateCommitments {
  readonly k: readonly Point[];
  readonly a: readonly Point[];
  readonly z: readonly Point[];
  readonly zPrime: readonly Point[];
}

const POLY_NAMES = ["k", "a", "z", "zPrime"] as const;
type PolyName = (typeof POLY_NAMES)[number];

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  let d = 0;
  for (let i = 0; i < x.length; i++) d |= x[i] ^ y[i];
  return d === 0;
}

function isScalar(v: unknown): v is bigint {
  return typeof v === "bigint" && v >= 0n && v < ORDER;
}

/** Round 1 (DJNPØ presigning, first step; GJKR'99 DKG step 1(a)): deal and commit. */
export function presignRound1(params: PresignParams): {
  secret: PresignRound1Secret;
  broadcast: DealingBroadcast;
  shares: DealingShare[];
} {
  const { n, t, index, sessionId } = params;
  const rng: Rng = params.rng ?? systemRng;
  const poly = (degree: number, constant?: bigint): bigint[] => {
    const coeffs = [constant ?? randomScalar(rng)];
    for (let i = 0; i < degree; i++) coeffs.push(randomScalar(rng));
    return coeffs;
  };
  // k_i and a_i: random, degree t. z_i, z'_i: zero sharings of degree 2t (their products with
  // degree-t sharings are what they mask).
  const polys = { k: poly(t), a: poly(t), z: poly(2 * t, 0n), zPrime: poly(2 * t, 0n) };
  const all = [...commit(group, polys.k), ...commit(group, polys.a)];
  all.push(...commit(group, polys.z.slice(1)), ...commit(group, polys.zPrime.slice(1)));
  // One batched inversion makes every commitment affine, so encoding them later is cheap.
  const affine = toAffineBatch(all);
  const broadcast: DealingBroadcast = Object.freeze({
    sessionId,
    dealer: index,
    k: Object.freeze(affine.slice(0, t + 1)),
    a: Object.freeze(affine.slice(t + 1, 2 * t + 2)),
    z: Object.freeze(affine.slice(2 * t + 2, 4 * t + 2)),
    zPrime: Object.freeze(affine.slice(4 * t + 2, 6 * t + 2)),
  });
  const shares: DealingShare[] = [];
  for (let j = 1; j <= n; j++) {
    const x = BigInt(j);
    shares.push(
      Object.freeze({
        sessionId,
        dealer: index,
        recipient: j,
        k: evaluate(group, polys.k, x),
        a: evaluate(group, polys.a, x),
        z: evaluate(group, polys.z, x),
        zPrime: evaluate(group, polys.zPrime, x),
      }),
    );
  }
  return { secret: new PresignRound1Secret({ params, polys }), broadcast, shares };
}

function wellFormedDealing(params: PresignParams, b: DealingBroadcast): boolean {
  const { t } = params;
  const lists: [readonly Point[], number][] = [
    [b.k, t + 1],
    [b.a, t + 1],
    [b.z, 2 * t],
    [b.zPrime, 2 * t],
  ];
  for (const [list, len] of lists) {
    if (!Array.isArray(list) || list.length !== len) return false;
    for (const p of list) {
      if (!isPoint(p)) return false;
      try {
        if (!p.equals(group.ZERO)) p.assertValidity();
      } catch {
        return false;
      }
    }
  }
  return true;
}

function commitmentOf(b: DealingBroadcast, name: PolyName): readonly Point[] {
  return b[name];
}

/** f(x)·G from a dealing's commitments (zero sharings have an implicit identity C_0). */
function evalDealing(b: DealingBroadcast | AggregateCommitments, name: PolyName, x: number): Point {
  return evalCommitment(b[name], x, name === "z" || name === "zPrime");
}

/** One dealer's share to `x` against its commitments (four Horner evaluations, four base multiplications). */
function shareMatches(b: DealingBroadcast, s: DealingShare, x: number): boolean {
  return POLY_NAMES.every((name) => evalDealing(b, name, x).equals(mulG(s[name])));
}

function sumCommitments(dealings: readonly DealingBroadcast[], name: PolyName, len: number): Point[] {
  const out: Point[] = [];
  for (let m = 0; m < len; m++) {
    let acc = group.ZERO;
    for (const d of dealings) acc = acc.add(commitmentOf(d, name)[m]);
    out.push(acc);
  }
  return out;
}

function aggregate(params: PresignParams, dealings: readonly DealingBroadcast[]): AggregateCommitments {
  const { t } = params;
  return {
    k: sumCommitments(dealings, "k", t + 1),
    a: sumCommitments(dealings, "a", t + 1),
    z: sumCommitments(dealings, "z", 2 * t),
    zPrime: sumCommitments(dealings, "zPrime", 2 * t),
  };
}

/**
 * Σ over `dealers` of their shares to me against the sum of their commitments: the optimistic
 * check (point additions and four Horner evaluations instead of four per dealer).
 */
function sumMatches(
  params: PresignParams,
  dealings: DealingBroadcast[],
  shares: DealingShare[],
): { ok: boolean; agg: AggregateCommitments } {
  const agg = aggregate(params, dealings);
  if (dealings.length === 0) return { ok: true, agg };
  const ok = POLY_NAMES.every((name) => {
    let s = 0n;
    for (const sh of shares) s = Fn.add(s, sh[name]);
    return evalDealing(agg, name, params.index).equals(mulG(s));
  });
  return { ok, agg };
}

/**
 * Round 2 (GJKR'99 DKG step 1(c), paraphrased: each party verifies the shares it received against
 * the dealers' commitments and broadcasts a complaint against every dealer whose check fails). All shares are first checked
 * together against the summed commitments; only if that fails is each dealer checked alone.
 */
export function presignRound2(
  secret: PresignRound1Secret,
  broadcasts: readonly DealingBroadcast[],
  sharesToMe: readonly DealingShare[],
): { secret: PresignRound2Secret; broadcast: ComplaintBroadcast } {
  const { params, polys } = secret.take();
  const { n, index, sessionId } = params;
  const faults = new Map<number, PresignFault>();
  const dealings = new Map<number, DealingBroadcast>();
  const seen = new Map<number, number>();
  for (const b of broadcasts) {
    if (!Number.isInteger(b.dealer) || b.dealer < 1 || b.dealer > n) continue; // not a participant
    if (!(b.sessionId instanceof Uint8Array) || !sameBytes(b.sessionId, sessionId)) continue; // another run
    seen.set(b.dealer, (seen.get(b.dealer) ?? 0) + 1);
    if (wellFormedDealing(params, b)) dealings.set(b.dealer, b);
    else faults.set(b.dealer, "malformed-dealing");
  }
  for (const [dealer, count] of seen) {
    // Two different dealings from one dealer in one run: equivocation.
    if (count > 1) {
      dealings.delete(dealer);
      faults.set(dealer, "malformed-dealing");
    }
  }
  for (let j = 1; j <= n; j++) if (!seen.has(j)) faults.set(j, "missing-dealing");

  const received = new Map<number, DealingShare>();
  const complaints = new Set<number>();
  for (const s of sharesToMe) {
    if (!dealings.has(s.dealer) || s.recipient !== index || !sameBytes(s.sessionId, sessionId)) continue;
    if (received.has(s.dealer) || !POLY_NAMES.every((name) => isScalar(s[name]))) {
      complaints.add(s.dealer);
      continue;
    }
    received.set(s.dealer, s);
  }
  for (const dealer of dealings.keys()) if (!received.has(dealer)) complaints.add(dealer);
  for (const dealer of complaints) received.delete(dealer);

  const checked = [...received.keys()].sort((x, y) => x - y);
  const sum = sumMatches(
    params,
    checked.map((j) => dealings.get(j)!),
    checked.map((j) => received.get(j)!),
  );
  // Kept for round 4: when QUAL turns out to be exactly these dealers, their sum is QUAL's commitments.
  const checkedAggregate = sum.ok ? { dealers: checked, agg: sum.agg } : undefined;
  if (!sum.ok) {
    for (const j of checked) {
      if (!shareMatches(dealings.get(j)!, received.get(j)!, index)) {
        complaints.add(j);
        received.delete(j);
      }
    }
  }
  const myComplaints = [...complaints].sort((x, y) => x - y);
  return {
    secret: new PresignRound2Secret({
      params,
      polys,
      dealings,
      received,
      myComplaints,
      faults,
      checkedAggregate,
    }),
    broadcast: Object.freeze({ sessionId, accuser: index, dealers: Object.freeze(myComplaints) }),
  };
}

/**
 * Round 3 (GJKR'99 DKG step 1(d), paraphrased: a dealer that received a complaint from P_j broadcasts
 * the share of P_j that satisfies the verification equation): reveal the accusers' shares.
 */
export function presignRound3(
  secret: PresignRound2Secret,
  complaintBroadcasts: readonly ComplaintBroadcast[],
): { secret: PresignRound3Secret; broadcast: JustificationBroadcast } {
  const data = secret.take();
  const { params, polys, dealings } = data;
  const { n, index, sessionId } = params;
  const complaints = new Map<number, Set<number>>();
  for (const c of complaintBroadcasts) {
    if (!Number.isInteger(c.accuser) || c.accuser < 1 || c.accuser > n) continue;
    if (!sameBytes(c.sessionId, sessionId) || complaints.has(c.accuser) || !Array.isArray(c.dealers))
      continue;
    const against = new Set<number>();
    for (const d of c.dealers) if (dealings.has(d) && d !== c.accuser) against.add(d);
    complaints.set(c.accuser, against);
  }
  // My own complaints are what I know them to be, whether or not my broadcast came back to me.
  complaints.set(index, new Set(data.myComplaints));
  const revealed: DealingShare[] = [];
  for (const [accuser, against] of complaints) {
    if (!against.has(index)) continue;
    const x = BigInt(accuser);
    revealed.push(
      Object.freeze({
        sessionId,
        dealer: index,
        recipient: accuser,
        k: evaluate(group, polys.k, x),
        a: evaluate(group, polys.a, x),
        z: evaluate(group, polys.z, x),
        zPrime: evaluate(group, polys.zPrime, x),
      }),
    );
  }
  return {
    secret: new PresignRound3Secret({ ...data, complaints }),
    broadcast: Object.freeze({ sessionId, dealer: index, revealed: Object.freeze(revealed) }),
  };
}

/** The run's public transcript: parameters, QUAL and the joint commitments (which fix every public share). */
function transcriptOf(params: PresignParams, qual: readonly number[], agg: AggregateCommitments): Uint8Array {
  const points = toAffineBatch([...agg.k, ...agg.a, ...agg.z, ...agg.zPrime]);
  return hashBytes("transcript", [params.sessionId, params.n, params.t, qual.length, ...qual, ...points]);
}

function productChallenge(transcript: Uint8Array, sender: number, w: bigint, T1: Point, T2: Point): bigint {
  return hashToScalar("product-dleq", [transcript, sender, w, ...toAffineBatch([T1, T2])]);
}

/**
 * Round 4. First QUAL (GJKR'99 DKG step 1(e), paraphrased: a dealer is disqualified if it received
 * more than t complaints, or answered a complaint with values that fail the verification equation).
 * Then (DJNPØ presigning: each party computes its share of a·k + 0 and
 * it is opened) w_i = a_i·k_i + z_i, with a Chaum-Pedersen proof that log_G(A_i) = log_{K_i}(w_i·G − Z_i).
 */
export function presignRound4(
  secret: PresignRound3Secret,
  justifications: readonly JustificationBroadcast[],
): { secret: PresignRound4Secret; broadcast: ProductBroadcast } {
  const data = secret.take();
  const { params, dealings, received, myComplaints, complaints } = data;
  const { t, index, sessionId } = params;
  const rng: Rng = params.rng ?? systemRng;
  const faults = new Map(data.faults);

  const revealedBy = new Map<number, Map<number, DealingShare>>();
  for (const j of justifications) {
    if (!dealings.has(j.dealer) || !sameBytes(j.sessionId, sessionId) || revealedBy.has(j.dealer)) continue;
    if (!Array.isArray(j.revealed)) continue;
    const m = new Map<number, DealingShare>();
    for (const s of j.revealed) {
      if (s.dealer !== j.dealer || !sameBytes(s.sessionId, sessionId) || m.has(s.recipient)) continue;
      if (POLY_NAMES.every((name) => isScalar(s[name]))) m.set(s.recipient, s);
    }
    revealedBy.set(j.dealer, m);
  }

  const mine = new Map(received);
  for (const dealer of [...dealings.keys()].sort((x, y) => x - y)) {
    const accusers = [...complaints].filter(([, against]) => against.has(dealer)).map(([a]) => a);
    if (accusers.length > t) {
      faults.set(dealer, "too-many-complaints");
      continue;
    }
    for (const accuser of accusers) {
      const s = revealedBy.get(dealer)?.get(accuser);
      if (s === undefined) {
        faults.set(dealer, "unanswered-complaint");
        break;
      }
      if (!shareMatches(dealings.get(dealer)!, s, accuser)) {
        faults.set(dealer, "bad-justification");
        break;
      }
      if (accuser === index) mine.set(dealer, s);
    }
  }
  const qual = [...dealings.keys()].filter((j) => !faults.has(j)).sort((x, y) => x - y);
  // At least t+1 dealers: with at most t faulty, one honest dealer makes k and a uniformly random.
  if (qual.length < t + 1) throw new ThresholdError("too few qualified dealers", t + 1, qual.length);
  for (const j of qual) {
    if (!mine.has(j)) throw new CryptoError(`no valid share from qualified dealer ${j}`);
  }
  // My shares were checked in round 2 as one sum over the dealers I did not complain about. If some of
  // those were disqualified since, the sum over the remaining ones needs its own check (two colluding
  // dealers could have sent errors that cancel in the larger sum).
  const unchecked = [...received.keys()].filter((j) => !qual.includes(j));
  if (
    unchecked.length > 0 &&
    !sumMatches(
      params,
      unchecked.map((j) => dealings.get(j)!),
      unchecked.map((j) => received.get(j)!),
    ).ok
  ) {
    const culprits = qual.filter(
      (j) => !myComplaints.includes(j) && !shareMatches(dealings.get(j)!, mine.get(j)!, index),
    );
    throw new CulpritsError("shares from qualified dealers do not match their commitments", culprits);
  }

  let k = 0n;
  let a = 0n;
  let z = 0n;
  let zPrime = 0n;
  for (const j of qual) {
    const s = mine.get(j)!;
    k = Fn.add(k, s.k);
    a = Fn.add(a, s.a);
    z = Fn.add(z, s.z);
    zPrime = Fn.add(zPrime, s.zPrime);
  }
  const cached = data.checkedAggregate;
  const agg =
    cached && cached.dealers.join() === qual.join()
      ? cached.agg
      : aggregate(
          params,
          qual.map((j) => dealings.get(j)!),
        );
  const transcript = transcriptOf(params, qual, agg);
  const w = Fn.add(Fn.mul(a, k), z);
  // Prover side of Chaum-Pedersen with witness a_i: T1 = ρ·G and T2 = ρ·K_i = (ρ·k_i)·G (K_i = k_i·G,
  // so both are base-point multiplications).
  const rho = randomScalar(rng);
  const T1 = mulG(rho);
  const T2 = mulG(Fn.mul(rho, k));
  const e = productChallenge(transcript, index, w, T1, T2);
  const proof: DleqProof = Object.freeze({ T1, T2, z: Fn.add(rho, Fn.mul(e, a)) });
  return {
    secret: new PresignRound4Secret({
      params,
      qual,
      faults,
      transcript,
      agg,
      aShare: a,
      zPrimeShare: zPrime,
      w,
    }),
    broadcast: Object.freeze({ sessionId, sender: index, w, proof }),
  };
}

/**
 * All proofs at once: with random weights ρ_j, σ_j,
 *   Σ ρ_j (z_j·G − T1_j − e_j·A_j) + σ_j (z_j·K_j − T2_j − e_j·w_j·G + e_j·Z_j) = 0,
 * where A_j, K_j, Z_j are folded into the joint commitments (Σ_j c_j·A_j = Σ_m (Σ_j c_j j^m)·C_m):
 * one MSM over 2·|set| + 4t + 3 points.
 */
function productProofsHold(
  data: Round4Data,
  products: ReadonlyMap<number, ProductBroadcast>,
  set: readonly number[],
): boolean {
  const { agg, transcript } = data;
  const { t } = data.params;
  let gCoeff = 0n;
  const aCo = new Array<bigint>(t + 1).fill(0n);
  const kCo = new Array<bigint>(t + 1).fill(0n);
  const zCo = new Array<bigint>(2 * t).fill(0n);
  const points: Point[] = [];
  const scalars: bigint[] = [];
  for (const j of set) {
    const { w, proof } = products.get(j)!;
    const e = productChallenge(transcript, j, w, proof.T1, proof.T2);
    const rho = randomWeight();
    const sigma = randomWeight();
    gCoeff = Fn.add(gCoeff, Fn.sub(Fn.mul(rho, proof.z), Fn.mul(Fn.mul(sigma, e), w)));
    const pw = powers(j, 2 * t + 1);
    for (let m = 0; m <= t; m++) {
      aCo[m] = Fn.sub(aCo[m], Fn.mul(Fn.mul(rho, e), pw[m]));
      kCo[m] = Fn.add(kCo[m], Fn.mul(Fn.mul(sigma, proof.z), pw[m]));
    }
    // Z_j = Σ_{m=1..2t} j^m·C_m (C_0 = identity is not stored).
    for (let m = 0; m < 2 * t; m++) zCo[m] = Fn.add(zCo[m], Fn.mul(Fn.mul(sigma, e), pw[m + 1]));
    points.push(proof.T1, proof.T2);
    scalars.push(Fn.neg(rho), Fn.neg(sigma));
  }
  points.push(group.G, ...agg.a, ...agg.k, ...agg.z);
  scalars.push(gCoeff, ...aCo, ...kCo, ...zCo);
  return group.msm(points, scalars).equals(group.ZERO);
}

/**
 * Degree ≤ 2t check of all the points: the first 2t+1 determine the polynomial; the rest must lie on
 * it. Barycentric Lagrange: L_i(x) = Π_j (x − j) · w_i / (x − i) with w_i = 1/Π_{j≠i} (i − j), using
 * batched inversions.
 */
function onOnePolynomial(points: ReadonlyMap<number, bigint>, degree: number): boolean {
  const xs = [...points.keys()];
  const base = xs.slice(0, degree + 1);
  const w = Fn.invertBatch(
    base.map((i) => base.reduce((acc, j) => (j === i ? acc : Fn.mul(acc, Fn.create(BigInt(i - j)))), 1n)),
  );
  for (const x of xs.slice(degree + 1)) {
    const diffs = base.map((i) => Fn.create(BigInt(x - i)));
    const all = diffs.reduce((acc, d) => Fn.mul(acc, d), 1n);
    const inv = Fn.invertBatch(diffs);
    let v = 0n;
    base.forEach((i, k) => {
      v = Fn.add(v, Fn.mul(points.get(i)!, Fn.mul(Fn.mul(all, inv[k]), w[k])));
    });
    if (v !== points.get(x)) return false;
  }
  return true;
}

/**
 * Round 5 (DJNPØ presigning: open w = a·k; R = k·G; [k⁻¹] = w⁻¹·[a]). Optimistic: if at least 3t+1 w_j
 * arrived and they all lie on one polynomial of degree 2t, that polynomial is the honest one (at
 * least 2t+1 of the points are honest) and no proof needs checking — Reed-Solomon error detection.
 * Otherwise the proofs are checked (batched, then one by one) and wrong senders are named.
 */
export function presignRound5(
  secret: PresignRound4Secret,
  products: readonly ProductBroadcast[],
): { presignature: Presignature; qualified: readonly number[]; faults: ReadonlyMap<number, PresignFault> } {
  const data = secret.take();
  const { params, agg, transcript, qual } = data;
  const { n, t, index, sessionId } = params;
  const faults = new Map(data.faults);
  const byIndex = new Map<number, ProductBroadcast>();
  const bad = new Set<number>();
  for (const p of products) {
    if (!Number.isInteger(p.sender) || p.sender < 1 || p.sender > n || !sameBytes(p.sessionId, sessionId))
      continue;
    const ok =
      isScalar(p.w) &&
      typeof p.proof === "object" &&
      p.proof !== null &&
      isScalar(p.proof.z) &&
      isPoint(p.proof.T1) &&
      isPoint(p.proof.T2);
    if (!ok || byIndex.has(p.sender) || bad.has(p.sender)) {
      bad.add(p.sender);
      byIndex.delete(p.sender);
      continue;
    }
    byIndex.set(p.sender, p);
  }
  // My own w is known to be right.
  byIndex.set(index, { sessionId, sender: index, w: data.w, proof: byIndex.get(index)?.proof ?? NO_PROOF });
  for (const j of bad) faults.set(j, "bad-product");

  let valid: number[] = [...byIndex.keys()].sort((x, y) => x - y);
  const ws = (set: readonly number[]) => new Map(set.map((j) => [j, byIndex.get(j)!.w]));
  const redundant = valid.length >= 3 * t + 1 && onOnePolynomial(ws(valid), 2 * t);
  if (!redundant) {
    const others = valid.filter((j) => j !== index);
    if (!productProofsHold(data, byIndex, others)) {
      for (const j of others) {
        if (!productProofsHold(data, byIndex, [j])) {
          faults.set(j, "bad-product");
          valid = valid.filter((x) => x !== j);
        }
      }
    }
  }
  for (let j = 1; j <= n; j++) if (!byIndex.has(j) && !faults.has(j)) faults.set(j, "missing-product");
  if (valid.length < 2 * t + 1)
    throw new ThresholdError("too few correct products to open a·k", 2 * t + 1, valid.length);
  const mu = interpolateAtZero(group, ws(valid.slice(0, 2 * t + 1)));
  // μ = 0 means a·k = 0: a = 0 or k = 0, with probability 2/n; start again.
  if (mu === 0n) throw new CryptoError("opened a·k is zero; discard this run");
  const R = agg.k[0];
  if (R.equals(group.ZERO)) throw new CryptoError("R is the identity; discard this run");
  const pubPoints = toAffineBatch([R, ...agg.a, ...agg.zPrime]);
  const pub: PresignaturePublic = Object.freeze({
    id: toHex(hashBytes("presignature-id", [transcript, mu])),
    sessionId: Uint8Array.from(sessionId),
    n,
    t,
    R: pubPoints[0],
    mu,
    aCommitments: Object.freeze(pubPoints.slice(1, t + 2)),
    zPrimeCommitments: Object.freeze(pubPoints.slice(t + 2)),
  });
  const presignature = new Presignature(pub, index, {
    kInvShare: Fn.mul(Fn.inv(mu), data.aShare),
    zPrimeShare: data.zPrimeShare,
  });
  return { presignature, qualified: qual, faults };
}

const NO_PROOF: DleqProof = Object.freeze({ T1: group.G, T2: group.G, z: 0n });
