/**
 * Threshold BLS and IBE benchmark: `npx ts-node bench/crypto-bls.ts [N ...]` (default N = 4, 10, 31;
 * BENCH_RUNS runs per figure, default 15, and a third of that for 1 MB payloads). Prints p50 and p95
 * of wall time and p50 of CPU time (user + system, steadier when the machine is shared), in
 * milliseconds, of:
 *   - share: one node's signature share on an identity (hash to G2 + one G2 multiplication);
 *   - share verify: one share against its node's public key share (a two-pairing product);
 *   - combine: Lagrange interpolation in G2 of 2t+1 shares (what Lit's blsCombine does);
 *   - combine+verify: combineAndVerify on 2t+1 honest shares (interpolation + one check against the
 *     group key), and with one corrupted share (the fallback verifying every share);
 *   - IBE encrypt / decrypt of 1 KB and 1 MB (independent of N; measured once).
 */
import os from "os";
import { blsG1Group } from "../src/crypto/group";
import { share as shamir, thresholdFor } from "../src/crypto/polynomial";
import {
  G2,
  combineAndVerify,
  combineShares,
  publicKeyFromSecret,
  sign,
  signShare,
  verifyShare,
  type BlsSignatureShare,
  type G1Point,
} from "../src/crypto/bls";
import { decrypt, encrypt } from "../src/crypto/ibe";

const RUNS = Number(process.env.BENCH_RUNS ?? 15);

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(2);
}

interface Figures {
  p50: number;
  p95: number;
  /** p50 of the process's CPU time (user + system): less sensitive to other load on the machine. */
  cpu50: number;
}

function measure(runs: number, f: (k: number) => void): Figures {
  f(-1); // warm-up (JIT, noble's precomputed tables)
  const xs: number[] = [];
  const cs: number[] = [];
  for (let k = 0; k < runs; k++) {
    const c0 = process.cpuUsage();
    const t0 = now();
    f(k);
    xs.push(now() - t0);
    const c = process.cpuUsage(c0);
    cs.push((c.user + c.system) / 1000);
  }
  return { p50: quantile(xs, 0.5), p95: quantile(xs, 0.95), cpu50: quantile(cs, 0.5) };
}

function row(n: string, what: string, r: Figures) {
  console.log(
    `${n.padEnd(5)} ${what.padEnd(34)} ${fmt(r.p50).padStart(9)} ${fmt(r.p95).padStart(9)} ${fmt(r.cpu50).padStart(9)}`,
  );
}

function main() {
  const ns = process.argv.slice(2).map(Number);
  const sizes = ns.length > 0 ? ns : [4, 10, 31];
  console.log(`threshold BLS (blsful Bls12381G2, PoP DST) and time-lock IBE; ${RUNS} runs, milliseconds`);
  console.log(
    `load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")} on ${os.cpus().length} CPUs`,
  );
  console.log(
    `${"N".padEnd(5)} ${"operation".padEnd(34)} ${"p50".padStart(9)} ${"p95".padStart(9)} ${"cpu p50".padStart(9)}`,
  );
  for (const n of sizes) {
    const { t, quorum } = thresholdFor(n);
    const secret = blsG1Group.randomScalar();
    const { shares } = shamir(blsG1Group, secret, t, n);
    const publicKey = publicKeyFromSecret(secret);
    const publicKeyShares = new Map<number, G1Point>(shares.map((s, k) => [k + 1, publicKeyFromSecret(s)]));
    const identity = (k: number) =>
      `lit-accesscontrolcondition://${"ab".repeat(32)}/${k.toString(16).padStart(64, "0")}`;
    const signers = Array.from({ length: quorum }, (_, k) => k + 1);
    const signed = new Map<number, BlsSignatureShare[]>();
    const sharesFor = (k: number) => {
      let s = signed.get(k);
      if (!s) signed.set(k, (s = signers.map((i) => signShare(i, shares[i - 1], identity(k)))));
      return s;
    };
    // Sign every identity's shares up front so that no timed figure below includes signing.
    for (let k = -1; k < RUNS; k++) sharesFor(k);
    row(
      String(n),
      "share (sign)",
      measure(RUNS, (k) => signShare(1, shares[0], identity(k))),
    );
    row(
      String(n),
      "share verify",
      measure(RUNS, (k) => verifyShare(publicKeyShares.get(1)!, identity(k), sharesFor(k)[0])),
    );
    row(
      String(n),
      `combine ${quorum} shares (interpolate)`,
      measure(RUNS, (k) => combineShares(sharesFor(k))),
    );
    const base = { publicKey, publicKeyShares, threshold: t + 1 };
    row(
      String(n),
      `combine+verify ${quorum} shares`,
      measure(RUNS, (k) => combineAndVerify({ ...base, message: identity(k), shares: sharesFor(k) })),
    );
    row(
      String(n),
      `combine+verify, 1 bad (fallback)`,
      measure(Math.max(3, Math.ceil(RUNS / 3)), (k) => {
        const s = [...sharesFor(k)];
        s[0] = { index: s[0].index, signature: s[0].signature.add(G2.BASE) };
        combineAndVerify({ ...base, message: identity(k), shares: s });
      }),
    );
  }
  const sk = blsG1Group.randomScalar();
  const pk = publicKeyFromSecret(sk);
  const id = `lit-accesscontrolcondition://${"cd".repeat(32)}/${"ef".repeat(32)}`;
  const key = sign(sk, id);
  for (const [label, size, runs] of [
    ["1 KB", 1024, RUNS],
    ["1 MB", 1024 * 1024, Math.max(3, Math.ceil(RUNS / 3))],
  ] as const) {
    const plaintext = new Uint8Array(size).map((_, i) => (i * 131 + 7) & 0xff);
    const ct = encrypt(pk, id, plaintext);
    row(
      "any",
      `IBE encrypt ${label}`,
      measure(runs, () => encrypt(pk, id, plaintext)),
    );
    row(
      "any",
      `IBE decrypt ${label}`,
      measure(runs, () => decrypt(ct, key)),
    );
  }
}

main();
