/**
 * Chaos soak (prints numbers; no assertions here): an N-node network under sustained pkpSign from
 * several clients while a seeded schedule kills nodes with SIGKILL (at most N − (2t+1) down at a
 * time) and restarts them. It prints requests, successes, failures by reason, latency percentiles,
 * how long signing took to resume after each kill, and afterwards, from every node's store:
 * presignatures that served two requests (must be 0), signatures that did not recover to the PKP
 * (0) and PKP key shares lost (0). test/e2e/chaos.test.ts runs a short version and asserts the zeros.
 *
 *   node -r ts-node/register/transpile-only bench/chaos.ts [--nodes 4] [--seconds 60] [--clients 4]
 *     [--seed 1] [--kill-every 15] [--down-for 8]
 *
 * Not yet in the schedule (issue 11, part 5): slowed and lossy links and a byzantine node.
 */
import { mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { Wallet, keccak256, parseEther, recoverAddress, toUtf8Bytes } from "ethers";

import { connectContracts } from "../src/chain/deployment";
import { mintNext } from "../src/chain/pkp";
import { startNetwork, type Network } from "../src/network";
import { connect, getSessionSigs, jsonRpcProvider, pkpResource, pkpSign, requestAbility } from "../src/sdk";

export interface ChaosOptions {
  nodes: number;
  seconds: number;
  clients: number;
  seed: number;
  /** A kill every this many seconds (a random live node, if the fault budget allows). */
  killEverySeconds: number;
  /** How long a killed node stays down. */
  downForSeconds: number;
  log?: (line: string) => void;
}

export interface ChaosResult {
  requests: number;
  ok: number;
  failuresByReason: Record<string, number>;
  latencyMs: { p50: number; p95: number; p99: number };
  kills: { node: number; atSeconds: number; resumedAfterMs: number | undefined }[];
  presignaturesUsedTwice: number;
  wrongSignatures: number;
  keySharesLost: number;
}

/** mulberry32: a small seeded PRNG, so a schedule can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Every node's claims (presignature id → request keys that used it) and key share count. */
function storeFacts(network: Network): { claims: Map<string, Set<string>>; keyShares: number[] } {
  const claims = new Map<string, Set<string>>();
  const keyShares: number[] = [];
  for (const node of network.nodes) {
    const file = readdirSync(node.dataDir).find((f) => f === "node.db");
    if (file === undefined) {
      keyShares.push(0);
      continue;
    }
    const db = new Database(path.join(node.dataDir, file), { readonly: true });
    try {
      const rows = db
        .prepare("SELECT id, claimed_by FROM presignatures WHERE claimed_by IS NOT NULL")
        .all() as { id: string; claimed_by: string }[];
      for (const r of rows) claims.set(r.id, (claims.get(r.id) ?? new Set()).add(r.claimed_by));
      keyShares.push((db.prepare("SELECT count(*) AS n FROM key_shares").get() as { n: number }).n);
    } finally {
      db.close();
    }
  }
  return { claims, keyShares };
}

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const log = o.log ?? (() => undefined);
  const random = prng(o.seed);
  const network = await startNetwork({
    nodes: o.nodes,
    dataDir: mkdtempSync(path.join(os.tmpdir(), "pkp-chaos-")),
    progress: "silent",
  });
  try {
    const { t, n } = network.info;
    const budget = n - (2 * t + 1);
    const provider = jsonRpcProvider(network.info.rpcUrl, 100);
    const owner = new Wallet(Wallet.createRandom().privateKey, provider);
    const admin = await provider.getSigner(0);
    await (await admin.sendTransaction({ to: owner.address, value: parseEther("10") })).wait();
    const pkp = await mintNext(await connectContracts(network.info.contracts, owner));
    const client = await connect({ provider, staking: network.info.contracts.staking });
    const { sessionSigs } = await getSessionSigs({
      signer: owner,
      nodeUrls: client.nodes.map((x) => x.url),
      latestBlockhash: client.latestBlockhash,
      resourceAbilityRequests: [requestAbility(pkpResource(BigInt(pkp.tokenId)), "pkp-signing")],
    });
    const before = storeFacts(network);

    const started = Date.now();
    const end = started + o.seconds * 1000;
    const latencies: number[] = [];
    const failuresByReason: Record<string, number> = {};
    let requests = 0;
    let ok = 0;
    let wrongSignatures = 0;
    /** When each success began and ended (ms since the epoch). */
    const successes: { begun: number; done: number }[] = [];
    const kills: ChaosResult["kills"] = [];
    const down = new Set<number>();

    const schedule = (async () => {
      let next = started + o.killEverySeconds * 1000;
      while (Date.now() < end - o.downForSeconds * 1000) {
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
        next += o.killEverySeconds * 1000;
        if (down.size >= budget) continue;
        const candidates = network.nodes.map((_, k) => k).filter((k) => !down.has(k));
        const k = candidates[Math.floor(random() * candidates.length)];
        down.add(k);
        const at = Date.now();
        await network.killNode(k, "SIGKILL");
        kills.push({ node: k + 1, atSeconds: (at - started) / 1000, resumedAfterMs: undefined });
        log(`t=${((at - started) / 1000).toFixed(1)} s: node ${k + 1} killed (-9)`);
        await new Promise((r) => setTimeout(r, o.downForSeconds * 1000));
        await network.restartNode(k, 120_000);
        down.delete(k);
        log(`t=${((Date.now() - started) / 1000).toFixed(1)} s: node ${k + 1} restarted`);
      }
    })();

    await Promise.all(
      Array.from({ length: o.clients }, async (_, c) => {
        for (let i = 0; Date.now() < end; i++) {
          const toSign = keccak256(toUtf8Bytes(`chaos ${c} ${i}`));
          const s = performance.now();
          const begun = Date.now();
          requests++;
          try {
            const r = await pkpSign({ client, pubkey: pkp.pubkey, toSign, sessionSigs });
            if (recoverAddress(toSign, r.signature) !== pkp.ethAddress) wrongSignatures++;
            else {
              ok++;
              latencies.push(performance.now() - s);
              successes.push({ begun, done: Date.now() });
            }
          } catch (e) {
            const reason = (e as Error).message.replace(/lit_[0-9a-f]+/g, "lit_…").slice(0, 100);
            failuresByReason[reason] = (failuresByReason[reason] ?? 0) + 1;
          }
        }
      }),
    );
    await schedule;
    // Signing resumed after a kill when the first request begun after it succeeded.
    for (const kill of kills) {
      const at = started + kill.atSeconds * 1000;
      const done = successes.filter((x) => x.begun >= at).map((x) => x.done - at);
      kill.resumedAfterMs = done.length > 0 ? Math.min(...done) : undefined;
    }
    const after = storeFacts(network);
    latencies.sort((a, b) => a - b);
    return {
      requests,
      ok,
      failuresByReason,
      latencyMs: {
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
      },
      kills,
      presignaturesUsedTwice: [...after.claims.values()].filter((r) => r.size > 1).length,
      wrongSignatures,
      keySharesLost: before.keyShares.reduce((lost, k, i) => lost + Math.max(0, k - after.keyShares[i]), 0),
    };
  } finally {
    await network.stop();
  }
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const options: ChaosOptions = {
    nodes: arg("nodes", 4),
    seconds: arg("seconds", 60),
    clients: arg("clients", 4),
    seed: arg("seed", 1),
    killEverySeconds: arg("kill-every", 15),
    downForSeconds: arg("down-for", 8),
    log: (line) => console.log(line),
  };
  console.log(
    `# chaos soak: N = ${options.nodes}, ${options.seconds} s, ${options.clients} clients, seed ${options.seed}, a kill every ${options.killEverySeconds} s for ${options.downForSeconds} s; ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`,
  );
  const r = await runChaos(options);
  const rate = (100 * r.ok) / Math.max(1, r.requests);
  console.log(`requests ${r.requests}, ok ${r.ok} (${rate.toFixed(2)} %), failed ${r.requests - r.ok}`);
  for (const [reason, count] of Object.entries(r.failuresByReason)) console.log(`  ${count} × ${reason}`);
  console.log(
    `latency of successes: p50 ${r.latencyMs.p50.toFixed(0)} ms, p95 ${r.latencyMs.p95.toFixed(0)} ms, p99 ${r.latencyMs.p99.toFixed(0)} ms`,
  );
  for (const k of r.kills)
    console.log(
      `kill of node ${k.node} at ${k.atSeconds.toFixed(1)} s: signing resumed after ${k.resumedAfterMs === undefined ? "(never)" : `${k.resumedAfterMs} ms`}`,
    );
  console.log(
    `presignatures used twice: ${r.presignaturesUsedTwice}; wrong signatures: ${r.wrongSignatures}; key shares lost: ${r.keySharesLost}`,
  );
}

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
