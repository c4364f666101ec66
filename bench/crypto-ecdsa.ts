/**
 * Threshold ECDSA benchmark: `npx ts-node bench/crypto-ecdsa.ts [N ...]` (default N = 4, 10, 31).
 * Prints min/p50/p95 in milliseconds for presignature generation (all participants in one process, and
 * one participant's share of that work), the signing share, share verification, combination, the
 * online path (one share + combine with its final verification), and plain noble `secp256k1.sign`.
 */
import * as os from "os";
import { secp256k1 } from "@noble/curves/secp256k1";
import { secp256k1Group as group, type Point } from "../src/crypto/group";
import { share, thresholdFor } from "../src/crypto/polynomial";
import {
  combineSignatureShares,
  combineWeightedShares,
  findInvalidShares,
  presignParams,
  presignRound1,
  presignRound2,
  presignRound3,
  presignRound4,
  presignRound5,
  signShare,
  signWeightedShare,
  signingContext,
  verificationContext,
  verifySignatureShare,
  type EcdsaKeyShare,
  type Presignature,
  type PresignRound1Secret,
  type PresignRound2Secret,
  type PresignRound3Secret,
  type PresignRound4Secret,
  type ComplaintBroadcast,
  type DealingBroadcast,
  type DealingShare,
  type JustificationBroadcast,
  type ProductBroadcast,
} from "../src/crypto/ecdsa";

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const rows: { n: number | string; what: string; min: number; p50: number; p95: number; runs: number }[] = [];
function record(n: number | string, what: string, xs: number[]): void {
  rows.push({ n, what, min: Math.min(...xs), p50: pct(xs, 50), p95: pct(xs, 95), runs: xs.length });
}

function dealtKey(n: number): EcdsaKeyShare[] {
  const { t } = thresholdFor(n);
  const secret = group.randomScalar();
  const { shares } = share(group, secret, t, n);
  const publicKey = group.G.multiply(secret);
  const publicKeyShares = new Map<number, Point>(shares.map((s, k) => [k + 1, group.G.multiply(s)]));
  return shares.map((s, k) => ({ index: k + 1, secretShare: s, publicKey, publicKeyShares }));
}

/** One run of the five rounds for all n participants; returns the presignatures and each participant's own time. */
function presignTimed(n: number): { presignatures: Map<number, Presignature>; perParticipant: number[] } {
  const sessionId = group.scalarToBytes(group.randomScalar());
  const ids = Array.from({ length: n }, (_, k) => k + 1);
  const spent = new Map(ids.map((i) => [i, 0]));
  const timed = <T>(i: number, f: () => T): T => {
    const t0 = now();
    const out = f();
    spent.set(i, spent.get(i)! + now() - t0);
    return out;
  };
  const s1 = new Map<number, PresignRound1Secret>();
  const dealings: DealingBroadcast[] = [];
  const shares: DealingShare[] = [];
  for (const i of ids) {
    const out = timed(i, () => presignRound1(presignParams(n, i, sessionId)));
    s1.set(i, out.secret);
    dealings.push(out.broadcast);
    shares.push(...out.shares);
  }
  const s2 = new Map<number, PresignRound2Secret>();
  const complaints: ComplaintBroadcast[] = [];
  for (const i of ids) {
    const mine = shares.filter((s) => s.recipient === i);
    const out = timed(i, () => presignRound2(s1.get(i)!, dealings, mine));
    s2.set(i, out.secret);
    complaints.push(out.broadcast);
  }
  const s3 = new Map<number, PresignRound3Secret>();
  const justifications: JustificationBroadcast[] = [];
  for (const i of ids) {
    const out = timed(i, () => presignRound3(s2.get(i)!, complaints));
    s3.set(i, out.secret);
    justifications.push(out.broadcast);
  }
  const s4 = new Map<number, PresignRound4Secret>();
  const products: ProductBroadcast[] = [];
  for (const i of ids) {
    const out = timed(i, () => presignRound4(s3.get(i)!, justifications));
    s4.set(i, out.secret);
    products.push(out.broadcast);
  }
  const presignatures = new Map<number, Presignature>();
  for (const i of ids) presignatures.set(i, timed(i, () => presignRound5(s4.get(i)!, products)).presignature);
  return { presignatures, perParticipant: ids.map((i) => spent.get(i)!) };
}

function bench(n: number): void {
  const { t } = thresholdFor(n);
  const quorum = 2 * t + 1;
  const keys = dealtKey(n);
  const Y = keys[0].publicKey;
  const runs = n <= 10 ? 12 : 4;

  presignTimed(n); // warm-up
  const all: number[] = [];
  const per: number[] = [];
  const pool: Map<number, Presignature>[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = now();
    const { presignatures, perParticipant } = presignTimed(n);
    all.push(now() - t0);
    per.push(...perParticipant);
    pool.push(presignatures);
  }
  record(n, "presignature, all N participants in one process", all);
  record(n, "presignature, one participant's share of the work", per);

  const ctxTimes: number[] = [];
  const shareTimes: number[] = [];
  const shareNoProof: number[] = [];
  const verifyOne: number[] = [];
  const verifyBatch: number[] = [];
  const combine: number[] = [];
  const combineW: number[] = [];
  const online: number[] = [];
  const set = Array.from({ length: quorum }, (_, k) => k + 1);
  // Presignatures are single-use: two more runs per iteration for the online and weighted measurements.
  const pool2 = pool.map(() => presignTimed(n).presignatures);
  const pool3 = pool.map(() => presignTimed(n).presignatures);
  for (let k = 0; k < runs; k++) {
    const hash = group.scalarToBytes(group.randomScalar());
    const entropy = group.scalarToBytes(group.randomScalar());

    // Each signer from scratch (its own δ·R, the share, P_i and the proof).
    const presigs = pool[k];
    const pub = presigs.get(1)!.pub;
    let t0 = now();
    signingContext(pub, hash, Y, entropy);
    ctxTimes.push(now() - t0);
    const shares = [];
    for (const i of set) {
      t0 = now();
      shares.push(signShare(presigs.get(i)!, keys[i - 1], hash, entropy));
      shareTimes.push(now() - t0);
    }
    const vctx = verificationContext(pub, hash, Y, keys[0].publicKeyShares, entropy);
    t0 = now();
    verifySignatureShare(shares[0], vctx);
    verifyOne.push(now() - t0);
    t0 = now();
    if (findInvalidShares(shares, vctx).length !== 0) throw new Error("bench: a share failed");
    verifyBatch.push(now() - t0);
    t0 = now();
    combineSignatureShares(shares, { hash, publicKey: Y, t });
    combine.push(now() - t0);

    // Online, as one signer and the client see it: one share from scratch + combine with its check.
    const fresh = pool2[k];
    const hash2 = group.scalarToBytes(group.randomScalar());
    const others = set.slice(1).map((i) => signShare(fresh.get(i)!, keys[i - 1], hash2, entropy));
    t0 = now();
    const mine = signShare(fresh.get(1)!, keys[0], hash2, entropy);
    combineSignatureShares([mine, ...others], { hash: hash2, publicKey: Y, t });
    online.push(now() - t0);

    // The scalar alone (what Lit's wire carries), context given; and Lit's additive combination.
    const spare = pool3[k];
    const ctx3 = signingContext(spare.get(1)!.pub, hash, Y, entropy);
    const wshares = set
      .slice(1)
      .map((i) => signWeightedShare(spare.get(i)!, keys[i - 1], hash, entropy, set, { context: ctx3 }));
    t0 = now();
    wshares.unshift(
      signWeightedShare(spare.get(1)!, keys[0], hash, entropy, set, { proof: false, context: ctx3 }),
    );
    shareNoProof.push(now() - t0);
    t0 = now();
    combineWeightedShares(wshares, { hash, publicKey: Y, t });
    combineW.push(now() - t0);
  }
  record(n, "signing context (δ, R' = δ·R), once per operation", ctxTimes);
  record(n, "signature share with P_i and DLEQ proof (incl. context)", shareTimes);
  record(n, "signature share, weighted scalar only (context given)", shareNoProof);
  record(n, "verify one share (one MSM)", verifyOne);
  record(n, `verify ${quorum} shares (batched MSM)`, verifyBatch);
  record(n, `combine ${quorum} shares (incl. final ECDSA check)`, combine);
  record(n, `combine ${quorum} weighted shares (sum, incl. check)`, combineW);
  record(n, "online: one share + combine (incl. verify)", online);
}

function floor(): void {
  const priv = secp256k1.utils.randomPrivateKey();
  const pub = secp256k1.getPublicKey(priv);
  const hashes = Array.from({ length: 60 }, () => group.scalarToBytes(group.randomScalar()));
  for (const h of hashes.slice(0, 10)) secp256k1.sign(h, priv);
  const sign: number[] = [];
  const verify: number[] = [];
  for (const h of hashes) {
    let t0 = now();
    const sig = secp256k1.sign(h, priv);
    sign.push(now() - t0);
    t0 = now();
    secp256k1.verify(sig.toBytes("compact"), h, pub, { prehash: false });
    verify.push(now() - t0);
  }
  record("-", "noble secp256k1.sign (single key, the floor)", sign);
  record("-", "noble secp256k1.verify", verify);
}

function main(): void {
  const ns = process.argv.slice(2).map(Number);
  floor();
  for (const n of ns.length > 0 ? ns : [4, 10, 31]) bench(n);
  const w = Math.max(...rows.map((r) => r.what.length));
  const load = os.loadavg()[0].toFixed(1);
  console.log(
    `# ${os.cpus().length} cores, load average ${load} at the end (other processes inflate p50/p95; min is the uncontended cost)`,
  );
  console.log(
    `${"N".padStart(3)}  ${"operation".padEnd(w)}  ${"min ms".padStart(9)}  ${"p50 ms".padStart(9)}  ${"p95 ms".padStart(9)}  runs`,
  );
  for (const r of rows)
    console.log(
      `${String(r.n).padStart(3)}  ${r.what.padEnd(w)}  ${r.min.toFixed(2).padStart(9)}  ${r.p50.toFixed(2).padStart(9)}  ${r.p95.toFixed(2).padStart(9)}  ${r.runs}`,
    );
}

main();
