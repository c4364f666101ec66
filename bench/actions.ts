/**
 * Lit Actions benchmark (prints numbers; no assertions). Starts an N-node network on loopback
 * (`startNetwork`), then measures:
 *   - sandbox cold start (a new SandboxPool: worker fork + first isolate) and warm start (a trivial
 *     run on a prepared isolate), in this process, as a node does it;
 *   - executeJs p50/p95 (sent to every node with one X-Request-Id, all answers awaited, as a client
 *     does) for a trivial action and for the prime action that signs its number as an EIP-191
 *     message with a PKP (`ethPersonalSignMessageEcdsa`);
 *   - sustained trivial actions per second with `--concurrency` clients;
 *   - node memory (RSS of each node process plus its sandbox workers) under that load.
 *
 *   node -r ts-node/register/transpile-only bench/actions.ts [--nodes 4] [--samples 30] [--seconds 20] [--concurrency 4]
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Wallet, parseEther } from "ethers";

import { connectContracts } from "../src/chain/deployment";
import { mintNext } from "../src/chain/pkp";
import { startNetwork } from "../src/network";
import { SandboxPool } from "../src/node/sandbox";
import { getSessionSigs, jsonRpcProvider, litActionResource, requestAbility } from "../src/sdk";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RSS of a process and all its descendants (the node and its sandbox workers), MiB. */
function treeRssMiB(pid: number): number {
  let total = 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    total += m ? Number(m[1]) / 1024 : 0;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    for (const c of children === "" ? [] : children.split(/\s+/)) total += treeRssMiB(Number(c));
  } catch {
    /* exited */
  }
  return total;
}

const PRIME_ACTION = `
const isPrime = (n) => {
  if (!Number.isSafeInteger(n) || n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
};
(async () => {
  const n = Number(jsParams.number);
  if (!isPrime(n)) return Lit.Actions.setResponse({ response: JSON.stringify({ prime: false }) });
  await Lit.Actions.ethPersonalSignMessageEcdsa({ message: String(n), publicKey, sigName: "certificate" });
  Lit.Actions.setResponse({ response: JSON.stringify({ prime: true }) });
})();
`;
const TRIVIAL_ACTION = `Lit.Actions.setResponse({ response: "ok" });`;

async function main(): Promise<void> {
  const n = arg("nodes", 4);
  const samples = arg("samples", 30);
  const seconds = arg("seconds", 20);
  const concurrency = arg("concurrency", 4);
  console.log(
    `# Lit Actions bench: N = ${n}, loopback, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`,
  );

  // Sandbox cold and warm start, in this process.
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) {
    const pool = new SandboxPool({ size: 1 });
    const s = performance.now();
    await pool.runAction({ code: TRIVIAL_ACTION });
    cold.push(performance.now() - s);
    for (let k = 0; k < 6; k++) {
      await sleep(150); // the worker prepares its next isolate while idle
      const w = performance.now();
      await pool.runAction({ code: TRIVIAL_ACTION });
      warm.push(performance.now() - w);
    }
    await pool.close();
  }
  cold.sort((a, b) => a - b);
  warm.sort((a, b) => a - b);

  const network = await startNetwork({
    nodes: n,
    dataDir: mkdtempSync(path.join(os.tmpdir(), "pkp-bench-actions-")),
    progress: "lines",
    pools: { pkpKeys: 2, presignatures: Math.max(48, samples + 16), presignatureBatch: 8 },
    readyTimeoutMs: 900_000,
  });
  try {
    const provider = jsonRpcProvider(network.info.rpcUrl, 100);
    const owner = new Wallet(Wallet.createRandom().privateKey, provider);
    const admin = await provider.getSigner(0);
    await (await admin.sendTransaction({ to: owner.address, value: parseEther("10") })).wait();
    const pkp = await mintNext(await connectContracts(network.info.contracts, owner));
    const urls = network.nodes.map((x) => x.url);
    const { sessionSigs } = await getSessionSigs({
      signer: owner,
      nodeUrls: urls,
      latestBlockhash: (await provider.getBlock("latest"))!.hash!,
      resourceAbilityRequests: [requestAbility(litActionResource("*"), "lit-action-execution")],
      chainId: network.info.chainId,
    });
    const encoded = new Map(
      [TRIVIAL_ACTION, PRIME_ACTION].map((c) => [c, Buffer.from(c).toString("base64")]),
    );

    /** One executeJs: every node, one request id, all answers; throws unless every node succeeded. */
    const executeJs = async (code: string, jsParams: Record<string, unknown>) => {
      const requestId = `lit_${randomBytes(16).toString("hex")}`;
      const answers = await Promise.all(
        urls.map(async (url) => {
          const res = await fetch(url + "/web/execute/v1", {
            method: "POST",
            headers: { "content-type": "application/json", "x-request-id": requestId },
            body: JSON.stringify({
              code: encoded.get(code),
              jsParams,
              authSig: (sessionSigs as Record<string, unknown>)[url],
              epoch: 2,
            }),
          });
          return (await res.json()) as { success?: boolean; error?: string };
        }),
      );
      const bad = answers.find((a) => a.success !== true);
      if (bad !== undefined) throw new Error(`an action failed: ${JSON.stringify(bad).slice(0, 300)}`);
    };

    const time = async (code: string, params: (i: number) => Record<string, unknown>) => {
      await executeJs(code, params(-1)); // warm-up
      const out: number[] = [];
      for (let i = 0; i < samples; i++) {
        const s = performance.now();
        await executeJs(code, params(i));
        out.push(performance.now() - s);
      }
      return out.sort((a, b) => a - b);
    };
    const trivial = await time(TRIVIAL_ACTION, () => ({}));
    const primes = [7919, 104729, 1299709, 15485863, 179424673, 2147483647];
    const prime = await time(PRIME_ACTION, (i) => ({
      number: primes[(i + primes.length) % primes.length],
      publicKey: pkp.pubkey,
    }));

    let done = 0;
    let failed = 0;
    let memory: number[] = [];
    const end = Date.now() + seconds * 1000;
    const sampler = setInterval(() => {
      const now = network.nodes.map((x) => treeRssMiB(x.process.pid!));
      memory = memory.length === 0 ? now : memory.map((m, k) => Math.max(m, now[k]));
    }, 1000);
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          try {
            await executeJs(TRIVIAL_ACTION, {});
            done++;
          } catch {
            failed++;
          }
        }
      }),
    );
    clearInterval(sampler);

    const row = (label: string, xs: number[]) =>
      console.log(
        `${label.padEnd(52)} p50 ${percentile(xs, 50).toFixed(1)} ms, p95 ${percentile(xs, 95).toFixed(1)} ms`,
      );
    row("sandbox cold start (fork + first isolate, 5 runs)", cold);
    row("sandbox warm start (trivial run, prepared isolate)", warm);
    row(`executeJs trivial (${samples} sequential, ${n} nodes)`, trivial);
    row(`executeJs prime + PKP signature (${samples} sequential)`, prime);
    console.log(
      `${`sustained trivial actions (${concurrency} clients, ${seconds} s)`.padEnd(52)} ${(done / seconds).toFixed(1)} actions/s (${done} ok, ${failed} failed)`,
    );
    console.log(
      `${"node memory under load (node + workers, peak RSS)".padEnd(52)} ${memory.map((m) => m.toFixed(0)).join(", ")} MiB`,
    );
  } finally {
    await network.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
