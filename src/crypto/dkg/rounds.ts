/**
 * The rounds of the DKG: Pedersen's joint-Feldman DKG (Pedersen'91 "A threshold cryptosystem
 * without a trusted party", §3; as restated in Gennaro-Jarecki-Krawczyk-Rabin'99 "Secure
 * distributed key generation for discrete-log based cryptosystems", Fig. 1 "Joint-Feldman"), with
 * the complaint/justification/disqualification steps of GJKR'99 Fig. 2 (New-DKG) step 1(b)-(d),
 * and a Schnorr proof of knowledge of every dealer's constant term (proof.ts) instead of GJKR's
 * Pedersen-commitment phase, so that no dealer can bias the key by choosing its C_0 after seeing
 * the others' (the attack of GJKR'99 §3).
 *
 *   dkgRound1(params, i)                         deal: keep f_i, broadcast C_i and the proof, send f_i(j) to j
 *   dkgRound2(secret1, broadcasts, shares)       verify: complaints to broadcast
 *   dkgJustify(secret2, allComplaints)           answer complaints against me: justifications to broadcast
 *   dkgFinalize(secret3, allJustifications)      QUAL, x_i, Y, every X_k
 *
 * Every secret state is consumed exactly once: a second use, or a state passed to the wrong round,
 * throws (ReuseError / CryptoError). Broadcasts, complaints and justifications are assumed to reach
 * every honest participant identically (a reliable broadcast channel, as in GJKR'99 §2); private
 * shares travel sealed to their receiver (transport.ts).
 *
 * Over 400 lines on purpose: the rounds of one protocol (GJKR'99), pure functions over one state.
 */
import type { Point } from "../group";
import { CryptoError, CulpritError, ReuseError, ThresholdError } from "../errors";
import { commit, evaluate, type Polynomial } from "../polynomial";
import { bytesToBigBE } from "../group";
import { pokChallenge, provePok, verifyPok } from "./proof";
import { randomScalarFrom, systemRng } from "../rng";
import type {
  Complaint,
  ComplaintReason,
  DkgParams,
  DkgResult,
  Justification,
  Round1Broadcast,
} from "./types";

interface StateBase {
  readonly params: DkgParams;
  /** This participant's index (1-based, its Shamir x-coordinate). */
  readonly index: number;
}

/** Kept after round 1 (secret: holds f_i). Consumed by dkgRound2. */
export interface Round1Secret extends StateBase {
  readonly stage: "dkg-round1";
  readonly polynomial: Polynomial;
  readonly broadcast: Round1Broadcast;
}

/** Kept after round 2 (secret). Consumed by dkgJustify. */
export interface Round2Secret extends StateBase {
  readonly stage: "dkg-round2";
  readonly polynomial: Polynomial;
  /** Dealings that passed the public checks (count, proof of knowledge), by dealer. */
  readonly dealings: ReadonlyMap<number, Round1Broadcast>;
  /** Dealers whose broadcast failed the public checks, with the reason. */
  readonly rejected: ReadonlyMap<number, string>;
  /** Shares f_j(i) received and verified, by dealer j (including my own). */
  readonly shares: ReadonlyMap<number, bigint>;
  /** The complaints I broadcast. */
  readonly complaints: readonly Complaint[];
}

/** Kept after the justification round (secret). Consumed by dkgFinalize. */
export interface Round3Secret extends StateBase {
  readonly stage: "dkg-round3";
  readonly dealings: ReadonlyMap<number, Round1Broadcast>;
  readonly rejected: ReadonlyMap<number, string>;
  readonly shares: ReadonlyMap<number, bigint>;
  /** Every complaint of the round (mine and everyone's), one per (accuser, dealer). */
  readonly complaints: readonly Complaint[];
  /** The justifications I broadcast. */
  readonly justifications: readonly Justification[];
}

export interface Round1Output {
  /** Keep: consumed by dkgRound2. */
  readonly secret: Round1Secret;
  /** Send to everyone. */
  readonly broadcast: Round1Broadcast;
  /** Send privately (sealShare) to each receiver j ≠ i: f_i(j). */
  readonly privateShares: ReadonlyMap<number, bigint>;
}

export interface Round2Output {
  readonly secret: Round2Secret;
  /** Broadcast to everyone (possibly empty). */
  readonly complaints: readonly Complaint[];
}

export interface JustifyOutput {
  readonly secret: Round3Secret;
  /** Broadcast to everyone (possibly empty). */
  readonly justifications: readonly Justification[];
}

type Stage = Round1Secret["stage"] | Round2Secret["stage"] | Round3Secret["stage"];

const consumed = new WeakSet<object>();

/** The step guard: `state` must be an unused state of the `expected` stage. */
function checkState(state: { readonly stage: Stage }, expected: Stage, round: string): void {
  if (state === null || typeof state !== "object" || state.stage !== expected)
    throw new CryptoError(`${round} needs the state of ${expected}, got ${String(state?.stage)}`);
  if (consumed.has(state)) throw new ReuseError(`${round}: this ${expected} state was already used`);
}

/** Marks `state` used; called once the round's inputs are validated (a refused input leaves it usable). */
function consume(state: object): void {
  consumed.add(state);
}

function checkIndex(params: DkgParams, i: number, what: string): void {
  if (!Number.isInteger(i) || i < 1 || i > params.n)
    throw new CryptoError(`${what} must be a participant index in 1..${params.n}, got ${i}`);
}

/**
 * Σ_m C_m·x^m for a participant index x by Horner's rule: t multiplications by a small public
 * scalar (a few doublings each) instead of an MSM with full-size powers. Public data: variable time.
 */
export function evalCommitmentAt(params: DkgParams, commitments: readonly Point[], x: number): Point {
  const k = BigInt(x);
  let acc = commitments[commitments.length - 1];
  for (let m = commitments.length - 2; m >= 0; m--) acc = acc.multiplyUnsafe(k).add(commitments[m]);
  return acc;
}

/**
 * [Σ_m C_m·k^m for k = 1..n] by finite differences: Horner at k = 1..t+1, then each further value
 * costs t point additions (the t-th difference of a degree-t polynomial is constant).
 */
export function evalCommitmentAtAll(params: DkgParams, commitments: readonly Point[], n: number): Point[] {
  const t = commitments.length - 1;
  const head = Math.min(n, t + 1);
  const values: Point[] = [];
  for (let k = 1; k <= head; k++) values.push(evalCommitmentAt(params, commitments, k));
  if (n <= t + 1) return values;
  // Backward differences at x = t+1: b[m] = ∇^m P(t+1), from the first t+1 values.
  const b: Point[] = [];
  let row = values.slice();
  for (let m = 0; m <= t; m++) {
    b.push(row[row.length - 1]);
    row = row.slice(1).map((p, k) => p.subtract(row[k]));
  }
  for (let k = t + 2; k <= n; k++) {
    // ∇^m P(x+1) = ∇^m P(x) + ∇^{m+1} P(x+1); ∇^t P is constant.
    for (let m = t - 1; m >= 0; m--) b[m] = b[m].add(b[m + 1]);
    values.push(b[0]);
  }
  return values;
}

/** share·G == Σ_m C_m·x^m; the share is secret, so it is multiplied with the constant-time ladder. */
function shareMatches(params: DkgParams, commitments: readonly Point[], x: number, share: bigint): boolean {
  const { group } = params;
  const lhs = share === 0n ? group.ZERO : group.G.multiply(share);
  return lhs.equals(evalCommitmentAt(params, commitments, x));
}

/**
 * Round 1 (deal). Pedersen'91 §3 / GJKR'99 Fig. 1 step 1: "Each party P_i chooses a random
 * polynomial f_i(z) over Z_q of degree t: f_i(z) = a_i0 + a_i1·z + … + a_it·z^t. P_i broadcasts
 * A_ik = g^{a_ik} mod p for k = 0,…,t. Denote a_i0 by z_i and A_i0 by y_i. Each P_i computes the
 * shares s_ij = f_i(j) mod q for j = 1,…,n and sends s_ij secretly to player P_j."
 * Plus the proof of knowledge of a_i0 (proof.ts), broadcast with the commitments.
 */
export function dkgRound1(params: DkgParams, myIndex: number): Round1Output {
  checkIndex(params, myIndex, "my index");
  const { group, n, t } = params;
  const rng = params.rng ?? systemRng;
  const polynomial: Polynomial = Object.freeze(
    Array.from({ length: t + 1 }, () => randomScalarFrom(group, rng)),
  );
  // commit() multiplies the secret coefficients with the constant-time G.multiply.
  const commitments = Object.freeze(commit(group, polynomial));
  const proof = provePok(params, myIndex, polynomial[0], commitments);
  const broadcast: Round1Broadcast = Object.freeze({ dealer: myIndex, commitments, proof });
  const privateShares = new Map<number, bigint>();
  for (let j = 1; j <= n; j++)
    if (j !== myIndex) privateShares.set(j, evaluate(group, polynomial, BigInt(j)));
  const secret: Round1Secret = Object.freeze({
    stage: "dkg-round1",
    params,
    index: myIndex,
    polynomial,
    broadcast,
  });
  return Object.freeze({ secret, broadcast, privateShares });
}

/**
 * The public checks of one dealer's broadcast: it is from `sender`, has t+1 commitments, and its
 * proof of knowledge verifies. Throws a CulpritError naming `sender`.
 */
export function verifyRound1Broadcast(
  params: DkgParams,
  broadcast: Round1Broadcast,
  sender = broadcast.dealer,
): void {
  checkStructure(params, broadcast, sender);
  if (!verifyPok(params, sender, broadcast.commitments, broadcast.proof))
    throw new CulpritError("dealer's proof of knowledge of its secret does not verify", sender);
}

function checkStructure(params: DkgParams, broadcast: Round1Broadcast, sender: number): void {
  if (broadcast.dealer !== sender)
    throw new CulpritError(`dealing claims to come from dealer ${broadcast.dealer}`, sender);
  if (broadcast.commitments.length !== params.t + 1)
    throw new CulpritError(
      `dealing has ${broadcast.commitments.length} commitments, expected t+1 = ${params.t + 1}`,
      sender,
    );
  const { Fn } = params.group;
  if (typeof broadcast.proof?.z !== "bigint" || !Fn.isValid(broadcast.proof.z))
    throw new CulpritError("dealing's proof has an invalid scalar", sender);
}

/** A 128-bit random weight for batch verification (always from the CSPRNG, never from params.rng). */
function batchWeight(): bigint {
  return bytesToBigBE(systemRng(16)) | 1n;
}

/**
 * Round 2 (verify). GJKR'99 Fig. 1 step 2 / Fig. 2 step 1(b): "Each P_j verifies the shares it
 * received from the other parties by checking for i = 1,…,n: g^{s_ij} = Π_{k=0}^{t} (A_ik)^{j^k}.
 * If the check fails for an index i, P_j broadcasts a complaint against P_i." Also each dealer's
 * proof of knowledge (a public check: a dealer failing it is disqualified by everyone).
 *
 * `broadcasts`: every dealer's Round1Broadcast keyed by the sender the transport authenticated
 * (my own may be included or not). `shares`: f_j(i) from each dealer j, keyed by j, as opened and
 * decoded (a share that did not open is simply absent: it becomes a "missing-share" complaint).
 *
 * All checks are batched into one multi-scalar multiplication with random 128-bit weights (an error
 * probability of 2^-128); only if the batch fails is each dealer checked alone, to name it.
 */
export function dkgRound2(
  secret: Round1Secret,
  broadcasts: ReadonlyMap<number, Round1Broadcast>,
  shares: ReadonlyMap<number, bigint>,
): Round2Output {
  checkState(secret, "dkg-round1", "dkgRound2");
  const { params, index: me } = secret;
  const { group, n } = params;
  const { Fn } = group;
  for (const j of broadcasts.keys()) checkIndex(params, j, "broadcast sender");
  for (const [j, s] of shares) {
    checkIndex(params, j, "share sender");
    if (typeof s !== "bigint" || !Fn.isValid(s)) throw new CulpritError("share is not a canonical scalar", j);
  }
  consume(secret);

  const dealings = new Map<number, Round1Broadcast>([[me, secret.broadcast]]);
  const rejected = new Map<number, string>();
  const complaints: Complaint[] = [];
  const complain = (dealer: number, reason: ComplaintReason) =>
    complaints.push(Object.freeze({ accuser: me, dealer, reason }));

  for (let j = 1; j <= n; j++) {
    if (j === me) continue;
    const b = broadcasts.get(j);
    if (b === undefined) {
      rejected.set(j, "sent no dealing");
      continue;
    }
    try {
      checkStructure(params, b, j);
      dealings.set(j, b);
    } catch (e) {
      rejected.set(j, (e as Error).message);
    }
  }

  // Batch: Σ_j ρ_j·s_j·G  ==  Σ_j ρ_j·E_j  +  Σ_j σ_j·(R_j + c_j·C_j0)  −  (Σ_j σ_j·z_j)·G,
  // with E_j = Σ_m i^m·C_jm (Horner, cheap) and independent random weights ρ_j, σ_j.
  const others = [...dealings.keys()].filter((j) => j !== me).sort((a, b) => a - b);
  const points: Point[] = [];
  const scalars: bigint[] = [];
  let secretSum = 0n;
  let zSum = 0n;
  for (const j of others) {
    const { commitments, proof } = dealings.get(j)!;
    const c = pokChallenge(params, j, commitments, proof.R);
    const sigma = batchWeight();
    zSum = Fn.add(zSum, Fn.mul(sigma, proof.z));
    points.push(proof.R, commitments[0]);
    scalars.push(sigma, Fn.mul(sigma, c));
    const s = shares.get(j);
    if (s !== undefined) {
      const rho = batchWeight();
      const E = evalCommitmentAt(params, commitments, me);
      secretSum = Fn.add(secretSum, Fn.mul(rho, s));
      points.push(E);
      scalars.push(rho);
    }
  }
  points.push(group.G);
  scalars.push(Fn.neg(zSum));
  const publicSide = group.msm(points, scalars);
  // The shares are secret: multiply them with the constant-time ladder, never the variable-time MSM.
  const secretSide = secretSum === 0n ? group.ZERO : group.G.multiply(secretSum);
  const batchOk = publicSide.equals(secretSide);

  const good = new Map<number, bigint>([[me, evaluate(group, secret.polynomial, BigInt(me))]]);
  for (const j of others) {
    const { commitments, proof } = dealings.get(j)!;
    if (!batchOk && !verifyPok(params, j, commitments, proof)) {
      dealings.delete(j);
      rejected.set(
        j,
        new CulpritError("dealer's proof of knowledge of its secret does not verify", j).message,
      );
      continue;
    }
    const s = shares.get(j);
    if (s === undefined) complain(j, "missing-share");
    else if (batchOk || shareMatches(params, commitments, me, s)) good.set(j, s);
    else complain(j, "bad-share");
  }
  for (const j of rejected.keys()) complain(j, "bad-dealing");
  complaints.sort((a, b) => a.dealer - b.dealer);

  const next: Round2Secret = Object.freeze({
    stage: "dkg-round2",
    params,
    index: me,
    polynomial: secret.polynomial,
    dealings,
    rejected,
    shares: good,
    complaints: Object.freeze(complaints),
  });
  return Object.freeze({ secret: next, complaints: next.complaints });
}

const REASONS: ReadonlySet<string> = new Set<ComplaintReason>(["missing-share", "bad-share", "bad-dealing"]);

function checkComplaint(params: DkgParams, c: Complaint): void {
  checkIndex(params, c.accuser, "complaint accuser");
  if (!Number.isInteger(c.dealer) || c.dealer < 1 || c.dealer > params.n)
    throw new CulpritError(`complaint names a dealer ${c.dealer} outside 1..${params.n}`, c.accuser);
  if (c.dealer === c.accuser) throw new CulpritError("complaint against oneself", c.accuser);
  if (!REASONS.has(c.reason))
    throw new CulpritError(`complaint has an unknown reason ${String(c.reason)}`, c.accuser);
}

/**
 * Justification round. GJKR'99 Fig. 2 step 1(c): "Each player P_i who, as a dealer, received a
 * complaint from player P_j broadcasts the values s_ij, s'_ij that satisfy Eq. (4)" (here: s_ij,
 * checked against the Feldman commitments). A dealer with more than t complaints is disqualified
 * whatever it answers (step 1(d)), so it reveals nothing: revealing t+1 shares would reveal f_i.
 *
 * `complaints`: every complaint broadcast in round 2 (mine may be included or not); duplicates of
 * one (accuser, dealer) pair count once.
 */
export function dkgJustify(secret: Round2Secret, complaints: readonly Complaint[]): JustifyOutput {
  checkState(secret, "dkg-round2", "dkgJustify");
  const { params, index: me } = secret;
  const all = new Map<string, Complaint>();
  for (const c of [...secret.complaints, ...complaints]) {
    checkComplaint(params, c);
    const key = `${c.accuser}:${c.dealer}`;
    if (!all.has(key))
      all.set(key, Object.freeze({ accuser: c.accuser, dealer: c.dealer, reason: c.reason }));
  }
  consume(secret);
  const merged = [...all.values()].sort((a, b) => a.dealer - b.dealer || a.accuser - b.accuser);
  const againstMe = merged.filter((c) => c.dealer === me);
  const justifications: Justification[] =
    againstMe.length > params.t
      ? []
      : againstMe.map((c) =>
          Object.freeze({
            dealer: me,
            accuser: c.accuser,
            share: evaluate(params.group, secret.polynomial, BigInt(c.accuser)),
          }),
        );
  const next: Round3Secret = Object.freeze({
    stage: "dkg-round3",
    params,
    index: me,
    dealings: secret.dealings,
    rejected: secret.rejected,
    shares: secret.shares,
    complaints: Object.freeze(merged),
    justifications: Object.freeze(justifications),
  });
  return Object.freeze({ secret: next, justifications: next.justifications });
}

/**
 * Finalize. GJKR'99 Fig. 2 step 1(d): "Each player marks as disqualified any player that either
 * received more than t complaints in Step 1b, or answered to a complaint in Step 1c with values
 * that falsify Eq. (4)" (and one that did not answer). Step 2: "Each player then builds the set of
 * non-disqualified players QUAL." Step 3: "The distributed secret value x is not explicitly
 * computed by any party, but it equals x = Σ_{i∈QUAL} z_i mod q. Each player P_i sets his share of
 * the secret as x_i = Σ_{j∈QUAL} s_ji mod q." Step 4(c): "y = Π_{i∈QUAL} y_i" — here Y = Σ_{j∈QUAL}
 * C_j0 (additive notation), and every public key share X_k = Σ_{j∈QUAL} Σ_m k^m·C_jm.
 *
 * A dealer whose broadcast failed the public checks (count, proof of knowledge) is disqualified by
 * everyone without a complaint. A valid justification for my own complaint gives me the share.
 */
export function dkgFinalize(secret: Round3Secret, justifications: readonly Justification[]): DkgResult {
  checkState(secret, "dkg-round3", "dkgFinalize");
  const { params, index: me } = secret;
  const { group, n, t } = params;
  const { Fn } = group;

  const revealed = new Map<string, bigint>();
  const equivocated = new Set<number>();
  for (const jf of [...secret.justifications, ...justifications]) {
    checkIndex(params, jf.dealer, "justification dealer");
    if (!Number.isInteger(jf.accuser) || jf.accuser < 1 || jf.accuser > n)
      throw new CulpritError(`justification names an accuser ${jf.accuser} outside 1..${n}`, jf.dealer);
    if (typeof jf.share !== "bigint" || !Fn.isValid(jf.share))
      throw new CulpritError("justification share is not a canonical scalar", jf.dealer);
    const key = `${jf.dealer}:${jf.accuser}`;
    const prior = revealed.get(key);
    if (prior === undefined) revealed.set(key, jf.share);
    else if (prior !== jf.share) equivocated.add(jf.dealer);
  }
  consume(secret);

  const disqualified = new Map<number, string>(secret.rejected);
  const shares = new Map(secret.shares);
  const accusers = new Map<number, number[]>();
  for (const c of secret.complaints) {
    if (!accusers.has(c.dealer)) accusers.set(c.dealer, []);
    accusers.get(c.dealer)!.push(c.accuser);
  }
  for (const [j, ks] of [...accusers].sort((a, b) => a[0] - b[0])) {
    if (disqualified.has(j)) continue;
    if (ks.length > t) {
      disqualified.set(j, `${ks.length} participants complained, more than t = ${t}`);
      continue;
    }
    if (equivocated.has(j)) {
      disqualified.set(j, "revealed two different shares for one complaint");
      continue;
    }
    const { commitments } = secret.dealings.get(j)!;
    for (const k of ks) {
      const s = revealed.get(`${j}:${k}`);
      if (s === undefined) {
        disqualified.set(j, `did not answer the complaint of participant ${k}`);
        break;
      }
      if (!shareMatches(params, commitments, k, s)) {
        disqualified.set(j, `revealed share for participant ${k} does not match its commitments`);
        break;
      }
      if (k === me) shares.set(j, s);
    }
  }

  const qualified: number[] = [];
  for (let j = 1; j <= n; j++) if (!disqualified.has(j)) qualified.push(j);
  if (qualified.length < t + 1)
    throw new ThresholdError("too few qualified dealers", t + 1, qualified.length);

  let secretShare = 0n;
  const aggregate: Point[] = Array.from({ length: t + 1 }, () => group.ZERO);
  for (const j of qualified) {
    const s = shares.get(j);
    if (s === undefined) throw new CryptoError(`internal: no share from qualified dealer ${j}`);
    secretShare = Fn.add(secretShare, s);
    const { commitments } = secret.dealings.get(j)!;
    for (let m = 0; m <= t; m++) aggregate[m] = aggregate[m].add(commitments[m]);
  }
  const publicKeyShares = new Map<number, Point>();
  evalCommitmentAtAll(params, aggregate, n).forEach((X, k) => publicKeyShares.set(k + 1, X));
  const mine = secretShare === 0n ? group.ZERO : group.G.multiply(secretShare);
  if (!mine.equals(publicKeyShares.get(me)!))
    throw new CryptoError("internal: my share does not match the commitments");

  return Object.freeze({
    group,
    n,
    t,
    index: me,
    secretShare,
    publicKey: aggregate[0],
    publicKeyShares,
    commitments: Object.freeze(aggregate),
    qualified: Object.freeze(qualified),
    disqualified: new Map([...disqualified].sort((a, b) => a[0] - b[0])),
  });
}
