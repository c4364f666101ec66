/**
 * Lit Actions sandbox benchmark: `npx ts-node bench/sandbox.ts` (BENCH_RUNS runs per figure, default 30).
 * Prints p50 and p95 wall time in milliseconds of:
 *   - cold start: forking a worker process until its first isolate (prelude + ethers v5) is ready;
 *   - warm start: a trivial action when the worker's next isolate is already prepared (the pool's
 *     normal state between requests);
 *   - back-to-back trivial: actions sent one after another on one worker, so each also pays for
 *     preparing a fresh isolate (context, prelude and ethers from V8's code cache);
 *   - ethers action: hashMessage + recoverAddress + keccak256 on a warm isolate;
 *   - capability round trip: an action making 10 awaited capability calls.
 */
import { Wallet } from "ethers";
import { SandboxPool } from "../src/node/sandbox";

const RUNS = Number(process.env.BENCH_RUNS ?? 30);

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(runs: number, body: () => Promise<void>, pauseMs = 0): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (pauseMs > 0) await sleep(pauseMs);
    const start = now();
    await body();
    times.push(now() - start);
  }
  return times;
}

async function main(): Promise<void> {
  const rows: [string, number[]][] = [];

  rows.push([
    "cold start (fork + first isolate)",
    await measure(Math.min(RUNS, 5), async () => {
      const pool = new SandboxPool({ size: 1 });
      await pool.start();
      await pool.close();
    }),
  ]);

  const pool = new SandboxPool({ size: 1 });
  await pool.start();
  const ok = async (code: string, jsParams: Record<string, unknown> = {}, capabilities = {}) => {
    const result = await pool.runAction({ code, globals: { jsParams }, capabilities });
    if (!result.success) throw new Error(JSON.stringify(result.error));
  };
  const trivial = `Lit.Actions.setResponse({ response: "ok" });`;
  await ok(trivial);

  rows.push(["warm start (trivial action)", await measure(RUNS, () => ok(trivial), 600)]);
  rows.push(["back-to-back trivial action", await measure(RUNS, () => ok(trivial))]);

  const wallet = new Wallet("0x" + "42".repeat(32));
  const message = "7919";
  const signature = wallet.signMessageSync(message);
  const ethersAction = `
    const go = async () => {
      const digest = ethers.utils.hashMessage(message);
      const who = ethers.utils.recoverAddress(digest, signature);
      const h = ethers.utils.keccak256(ethers.utils.toUtf8Bytes(who));
      Lit.Actions.setResponse({ response: who + h });
    };
    go();`;
  rows.push([
    "ethers action (warm)",
    await measure(RUNS, () => ok(ethersAction, { message, signature }), 600),
  ]);
  rows.push([
    "10 capability calls (warm)",
    await measure(
      RUNS,
      () =>
        ok(
          `for (let i = 0; i < 10; i++) await Lit.Actions.getRpcUrl({ chain: "c" + i });`,
          {},
          {
            getRpcUrl: async () => "http://127.0.0.1:8545",
          },
        ),
      600,
    ),
  ]);
  await pool.close();

  console.log(`Lit Actions sandbox (isolated-vm 5.0.4, ethers 5.7.2 in each isolate), runs per row: ${RUNS}`);
  console.log("| figure | p50 ms | p95 ms |");
  console.log("|---|---:|---:|");
  for (const [name, times] of rows) {
    console.log(`| ${name} | ${quantile(times, 0.5).toFixed(1)} | ${quantile(times, 0.95).toFixed(1)} |`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
