/**
 * Network benchmark (prints numbers; no assertions): time to start an N-node network on loopback
 * (network key voted), time to route the PKP key pool (default 100 keys, made by DKG and routed
 * with validator signatures before any presignature), time until every node's presignature pool is
 * full, pkpSign latency p50/p95 with warm pools, sustained signatures per second, bursts (`--burst`
 * requests one after the other, then as many at once, on the pools as they are), memory per node,
 * and a plain ethers Wallet signing the same digest as the floor.
 *
 *   node -r ts-node/register/transpile-only bench/network.ts [--nodes 4] [--seconds 30] [--samples 40]
 *     [--concurrency 4] [--keys 100] [--key-batch 20] [--presignatures <network default>]
 *     [--presignature-batch <network default>] [--burst 200]
 *     [--verify 0]   (0, the SDK default: combine first, check each share only if the signature fails; 1: check every share first)
 */
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Wallet, keccak256, parseEther, toUtf8Bytes } from "ethers";

import { connectContracts } from "../src/chain/deployment";
import { mintNext } from "../src/chain/pkp";
import { fetchStatus, startNetwork } from "../src/network";
import { connect, getSessionSigs, jsonRpcProvider, pkpResource, pkpSign, requestAbility } from "../src/sdk";

function arg(name: string, fallback: number): number;
function arg(name: string, fallback?: number): number | undefined;
function arg(name: string, fallback?: number): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** User + system CPU time of a process so far (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function main(): Promise<void> {
  const n = arg("nodes", 4);
  const seconds = arg("seconds", 30);
  const samples = arg("samples", 40);
  const concurrency = arg("concurrency", 4);
  const presignatures = arg("presignatures");
  const presignatureBatch = arg("presignature-batch");
  const burst = arg("burst", 200);
  const keys = arg("keys", 100);
  const keyBatch = arg("key-batch", 20);
  const verifyShares = arg("verify", 0) !== 0;
  console.log(
    `# network bench: N = ${n}, loopback, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`,
  );

  const t0 = Date.now();
  const network = await startNetwork({
    nodes: n,
    dataDir: mkdtempSync(path.join(os.tmpdir(), "pkp-bench-")),
    progress: "lines",
    pools: {
      pkpKeys: keys,
      keyBatch,
      ...(presignatures === undefined ? {} : { presignatures }),
      ...(presignatureBatch === undefined ? {} : { presignatureBatch }),
    },
    readyTimeoutMs: 1_800_000,
    waitFor: "key",
  });
  const startSeconds = (Date.now() - t0) / 1000;
  try {
    // The coordinator fills the key pool first, then the presignature pool.
    const levels = async () => {
      const all = await Promise.all(network.nodes.map((h) => fetchStatus(h.url)));
      return {
        // The coordinator's routed count is fresh; the others refresh theirs every few seconds.
        keys: Math.max(...all.map((s) => s?.pools?.pkpKeysRouted ?? 0)),
        // Each node fills its own pool up to its target.
        presignaturesFull: all.every(
          (s) => (s?.pools?.presignatures ?? 0) >= (s?.pools?.presignaturesTarget ?? Infinity),
        ),
        presignatures: all.reduce((sum, s) => sum + (s?.pools?.presignatures ?? 0), 0),
      };
    };
    const t1 = Date.now();
    while ((await levels()).keys < keys) await new Promise((r) => setTimeout(r, 250));
    const keysSeconds = (Date.now() - t1) / 1000;
    const t2 = Date.now();
    while (!(await levels()).presignaturesFull) await new Promise((r) => setTimeout(r, 250));
    const presignSeconds = (Date.now() - t2) / 1000;
    const pool = (await levels()).presignatures;

    const provider = jsonRpcProvider(network.info.rpcUrl, 100);
    const owner = new Wallet(Wallet.createRandom().privateKey, provider);
    const admin = await provider.getSigner(0);
    await (await admin.sendTransaction({ to: owner.address, value: parseEther("10") })).wait();
    const pkp = await mintNext(await connectContracts(network.info.contracts, owner));
    // Minting took a key from the pool: let the refill (a DKG batch) finish before measuring.
    await new Promise((r) => setTimeout(r, 2000));
    for (let i = 0; i < 2400; i++) {
      const l = await levels();
      if (l.keys >= keys && l.presignaturesFull) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const client = await connect({ provider, staking: network.info.contracts.staking });
    const { sessionSigs } = await getSessionSigs({
      signer: owner,
      nodeUrls: client.nodes.map((x) => x.url),
      latestBlockhash: client.latestBlockhash,
      resourceAbilityRequests: [requestAbility(pkpResource(BigInt(pkp.tokenId)), "pkp-signing")],
    });
    const sign = (i: number) =>
      pkpSign({
        client,
        pubkey: pkp.pubkey,
        toSign: keccak256(toUtf8Bytes(`bench ${i}`)),
        sessionSigs,
        verifyShares,
      });

    // Warm-up, then latency one at a time, with the CPU time each process spent on them.
    for (let i = 1; i <= 3; i++) await sign(-i);
    const pids = [...network.nodes.map((h) => h.process.pid), network.info.chainPid!, process.pid];
    const cpuBefore = pids.map(cpuMs);
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const s = performance.now();
      await sign(i);
      latencies.push(performance.now() - s);
    }
    const cpu = pids.map((pid, k) => (cpuMs(pid) - cpuBefore[k]) / samples);
    latencies.sort((a, b) => a - b);

    // Sustained: `concurrency` signers for `seconds`.
    let done = 0;
    let failed = 0;
    const end = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        for (let i = 0; Date.now() < end; i++) {
          try {
            await sign(1_000_000 * (w + 1) + i);
            done++;
          } catch {
            failed++;
          }
        }
      }),
    );
    const perSecond = done / seconds;

    // Bursts on the pools as they are: `burst` one after the other, then `burst` at once.
    const attempt = async (i: number): Promise<number | string> => {
      const s = performance.now();
      try {
        await sign(i);
        return performance.now() - s;
      } catch (e) {
        return (e as Error).message.slice(0, 120);
      }
    };
    const runBurst = async (concurrent: boolean, base: number) => {
      const s = Date.now();
      const results: (number | string)[] = [];
      if (concurrent)
        results.push(...(await Promise.all(Array.from({ length: burst }, (_, i) => attempt(base + i)))));
      else for (let i = 0; i < burst; i++) results.push(await attempt(base + i));
      const ok = results.filter((r): r is number => typeof r === "number").sort((a, b) => a - b);
      const failures = results.filter((r): r is string => typeof r === "string");
      return { seconds: (Date.now() - s) / 1000, ok, failures };
    };
    const sequentialBurst = await runBurst(false, 2_000_000);
    const concurrentBurst = await runBurst(true, 3_000_000);

    const memory = network.nodes.map((h) => rssMiB(h.process.pid));

    // Floor: a plain ethers Wallet signing the same kind of digest.
    const wallet = Wallet.createRandom();
    const floor: number[] = [];
    for (let i = 0; i < 200; i++) {
      const digest = keccak256(toUtf8Bytes(`floor ${i}`));
      const s = performance.now();
      wallet.signingKey.sign(digest);
      floor.push(performance.now() - s);
    }
    floor.sort((a, b) => a - b);

    const p50 = percentile(latencies, 50);
    const p95 = percentile(latencies, 95);
    const f50 = percentile(floor, 50);
    console.log(`network start (chain, deploy, ${n} nodes, network key):  ${startSeconds.toFixed(1)} s`);
    console.log(
      `route ${keys} PKP keys (DKG batches of ${keyBatch}, setRoutingDataBatch):  ${keysSeconds.toFixed(1)} s`,
    );
    console.log(
      `fill every node's presignature pool (${pool} in all):        ${presignSeconds.toFixed(1)} s`,
    );
    console.log(
      `pkpSign latency (${samples} sequential, warm, verify ${verifyShares ? "every share" : "on failure"}):  p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`,
    );
    const nodeCpu = cpu.slice(0, n);
    console.log(
      `CPU per signature (latency runs): nodes ${nodeCpu.map((c) => c.toFixed(1)).join(", ")} ms (sum ${nodeCpu.reduce((a, b) => a + b, 0).toFixed(0)}), chain ${cpu[n].toFixed(1)} ms, this process (SDK, launcher, gateway) ${cpu[n + 1].toFixed(1)} ms`,
    );
    console.log(
      `sustained pkpSign (${concurrency} concurrent, ${seconds} s):        ${perSecond.toFixed(1)} signatures/s (${done} ok, ${failed} failed)`,
    );
    for (const [name, b] of [
      ["one after the other", sequentialBurst],
      ["at once", concurrentBurst],
    ] as const)
      console.log(
        `burst of ${burst} pkpSign ${name}: ${b.ok.length} ok, ${b.failures.length} failed in ${b.seconds.toFixed(1)} s; p50 ${percentile(b.ok, 50)?.toFixed(0)} ms, p99 ${percentile(b.ok, 99)?.toFixed(0)} ms${b.failures.length ? `; first failure: ${b.failures[0]}` : ""}`,
      );
    console.log(
      `memory per node (RSS):                          ${memory.map((m) => m.toFixed(0)).join(", ")} MiB (mean ${(memory.reduce((a, b) => a + b, 0) / memory.length).toFixed(0)})`,
    );
    console.log(
      `ethers Wallet signing (floor):                  p50 ${f50.toFixed(3)} ms; pkpSign p50 is ${(p50 / f50).toFixed(0)}x`,
    );
  } finally {
    await network.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
