/**
 * DKG benchmark: `npx ts-node bench/crypto-dkg.ts [N ...]` (default N = 4, 10, 31; runs per N from
 * BENCH_RUNS, default 5, or 3 for N > 10). For secp256k1 and BLS12-381 G1 it prints p50 in
 * milliseconds of CPU time (see `now`) of:
 *   - all N participants in one process (runDkgLocally: shares sealed, every message encoded),
 *     and the same with shares sent in the clear (to show the cost of x25519 sealing);
 *   - one participant's own work (dealing and sealing its shares, decoding every broadcast and
 *     opening its shares, round 2, justification, finalize), measured participant by participant;
 *   - round 2's verification of all dealings at one receiver: batched into one MSM (dkgRound2)
 *     against one proof check and one share check per dealer.
 */
import os from "node:os";
import { blsG1Group, secp256k1Group, type Group, type Point } from "../src/crypto/group";
import { generateEncryptionKeys, type EncryptionKeyPair } from "../src/crypto/encryption";
import {
  decodeComplaints,
  decodeJustifications,
  decodeRound1Broadcast,
  dkgFinalize,
  dkgJustify,
  dkgParams,
  dkgRound1,
  dkgRound2,
  encodeComplaints,
  encodeJustifications,
  encodeRound1Broadcast,
  openShare,
  runDkgLocally,
  sealShare,
  verifyPok,
  type Complaint,
  type Justification,
  type Round1Broadcast,
  type Round1Secret,
  type Round2Secret,
  type Round3Secret,
} from "../src/crypto/dkg";
import { evalCommitmentAt } from "../src/crypto/dkg/rounds";

/**
 * CPU time of this process in ms (user + system). The benchmark machine is shared, so wall-clock
 * time mostly measures the other processes; the work itself is single-threaded, so CPU time is the
 * cost. All-in-one runs also report wall-clock time.
 */
function now(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e3;
}

function wall(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function p50(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

/** One run with every participant's work timed separately; returns per-participant milliseconds. */
function perParticipant(group: Group, n: number): number[] {
  const params = dkgParams(group, n, new TextEncoder().encode(`bench-${n}`));
  const ids = Array.from({ length: n }, (_, k) => k + 1);
  const keys = new Map<number, EncryptionKeyPair>(ids.map((i) => [i, generateEncryptionKeys()]));
  const spent = new Map<number, number>(ids.map((i) => [i, 0]));
  const timed = <T>(i: number, f: () => T): T => {
    const t0 = now();
    const out = f();
    spent.set(i, spent.get(i)! + now() - t0);
    return out;
  };

  const s1 = new Map<number, Round1Secret>();
  const broadcasts = new Map<number, Uint8Array>();
  const sealed = new Map<string, Uint8Array>();
  for (const i of ids)
    timed(i, () => {
      const r = dkgRound1(params, i);
      s1.set(i, r.secret);
      broadcasts.set(i, encodeRound1Broadcast(params, r.broadcast));
      for (const [j, s] of r.privateShares)
        sealed.set(`${i}:${j}`, sealShare(params, i, j, s, keys.get(i)!, keys.get(j)!.publicKey));
    });

  const s2 = new Map<number, Round2Secret>();
  const complaints = new Map<number, Uint8Array>();
  for (const i of ids)
    timed(i, () => {
      const got = new Map<number, Round1Broadcast>();
      const shares = new Map<number, bigint>();
      for (const j of ids) {
        if (j === i) continue;
        got.set(j, decodeRound1Broadcast(params, j, broadcasts.get(j)!));
        shares.set(
          j,
          openShare(params, j, i, sealed.get(`${j}:${i}`)!, keys.get(i)!, keys.get(j)!.publicKey),
        );
      }
      const r = dkgRound2(s1.get(i)!, got, shares);
      s2.set(i, r.secret);
      complaints.set(i, encodeComplaints(params, i, r.complaints));
    });

  const s3 = new Map<number, Round3Secret>();
  const justifications = new Map<number, Uint8Array>();
  for (const i of ids)
    timed(i, () => {
      const all: Complaint[] = [];
      for (const [j, b] of complaints) all.push(...decodeComplaints(params, j, b));
      const r = dkgJustify(s2.get(i)!, all);
      s3.set(i, r.secret);
      justifications.set(i, encodeJustifications(params, i, r.justifications));
    });

  for (const i of ids)
    timed(i, () => {
      const all: Justification[] = [];
      for (const [j, b] of justifications) all.push(...decodeJustifications(params, j, b));
      dkgFinalize(s3.get(i)!, all);
    });
  return ids.map((i) => spent.get(i)!);
}

/** Round 2 at participant 1: batched (dkgRound2) vs one proof and one share check per dealer. */
function verification(group: Group, n: number): { batched: number; single: number } {
  const params = dkgParams(group, n, new TextEncoder().encode(`bench-verify-${n}`));
  const r1 = Array.from({ length: n }, (_, k) => dkgRound1(params, k + 1));
  const broadcasts = new Map(r1.map((r) => [r.broadcast.dealer, r.broadcast]));
  const shares = new Map(r1.slice(1).map((r) => [r.broadcast.dealer, r.privateShares.get(1)!]));
  let t0 = now();
  dkgRound2(r1[0].secret, broadcasts, shares);
  const batched = now() - t0;
  t0 = now();
  for (const [j, s] of shares) {
    const { commitments, proof } = broadcasts.get(j)!;
    if (!verifyPok(params, j, commitments, proof)) throw new Error("bad proof");
    const E: Point = evalCommitmentAt(params, commitments, 1);
    if (!group.G.multiply(s).equals(E)) throw new Error("bad share");
  }
  return { batched, single: now() - t0 };
}

function main(): void {
  const sizes = process.argv.slice(2).map(Number);
  const ns = sizes.length > 0 ? sizes : [4, 10, 31];
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
  console.log(
    `${os.cpus().length} CPUs (${os.cpus()[0]?.model}), load average ${load}, node ${process.version}`,
  );
  console.log("DKG (joint-Feldman + Schnorr PoK, GJKR complaints): p50 CPU ms (wall-clock ms in brackets)");
  console.log(
    "| group | N | t | all in one process | … shares in clear | per participant | round 2 batched | round 2 one by one | runs |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const group of [secp256k1Group, blsG1Group]) {
    // Warm up the JIT and noble's precomputed tables.
    runDkgLocally(group, 4);
    for (const n of ns) {
      const runs = Number(process.env.BENCH_RUNS ?? (n > 10 ? 3 : 5));
      const all: number[] = [];
      const allWall: number[] = [];
      const clear: number[] = [];
      const one: number[] = [];
      const batched: number[] = [];
      const single: number[] = [];
      for (let r = 0; r < runs; r++) {
        const w0 = wall();
        let t0 = now();
        runDkgLocally(group, n);
        all.push(now() - t0);
        allWall.push(wall() - w0);
        t0 = now();
        runDkgLocally(group, n, undefined, { encrypt: false });
        clear.push(now() - t0);
        one.push(...perParticipant(group, n));
        const v = verification(group, n);
        batched.push(v.batched);
        single.push(v.single);
      }
      const t = Math.floor((n - 1) / 3);
      console.log(
        `| ${group.name} | ${n} | ${t} | ${fmt(p50(all))} (${fmt(p50(allWall))}) | ${fmt(p50(clear))} | ${fmt(p50(one))} | ${fmt(p50(batched))} | ${fmt(p50(single))} | ${runs} |`,
      );
    }
  }
}

main();
