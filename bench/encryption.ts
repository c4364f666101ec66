/**
 * Encryption benchmark (prints numbers; no assertions): on an N-node network on loopback, SDK
 * `encrypt` and `decrypt` p50/p95 for 1 KB and 10 MB under an ERC-20 balance condition, decryptions
 * per second (1 KB, concurrent), and session-signature creation time.
 *
 *   node -r ts-node/register/transpile-only bench/encryption.ts [--nodes 4] [--samples 30] [--big-samples 5] [--seconds 20] [--concurrency 4]
 */
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Contract, ContractFactory, Wallet, parseEther, randomBytes } from "ethers";

import { startNetwork } from "../src/network";
import { REPO_ROOT } from "../src/node/command";
import {
  accessControlConditionResource,
  connect,
  decrypt,
  encrypt,
  getSessionSigs,
  jsonRpcProvider,
  requestAbility,
} from "../src/sdk";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Timing {
  wall: number[];
  /** This (client) process's CPU ms per run, sorted. */
  cpu: number[];
}

async function timed(count: number, f: (i: number) => Promise<unknown>): Promise<Timing> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < count; i++) {
    const c = process.cpuUsage();
    const s = performance.now();
    await f(i);
    wall.push(performance.now() - s);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  return { wall: wall.sort((a, b) => a - b), cpu: cpu.sort((a, b) => a - b) };
}

const fmt = (t: Timing) =>
  `wall p50 ${percentile(t.wall, 50).toFixed(1)} ms, p95 ${percentile(t.wall, 95).toFixed(1)} ms; client CPU p50 ${percentile(t.cpu, 50).toFixed(1)} ms`;

async function main(): Promise<void> {
  const n = arg("nodes", 4);
  const samples = arg("samples", 30);
  const bigSamples = arg("big-samples", 5);
  const seconds = arg("seconds", 20);
  const concurrency = arg("concurrency", 4);
  console.log(
    `# encryption bench: N = ${n}, loopback, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`,
  );
  const network = await startNetwork({
    nodes: n,
    dataDir: mkdtempSync(path.join(os.tmpdir(), "pkp-bench-enc-")),
    progress: "lines",
    pools: { pkpKeys: 1, presignatures: 4 },
    readyTimeoutMs: 900_000,
  });
  try {
    const provider = jsonRpcProvider(network.info.rpcUrl, 100);
    const admin = await provider.getSigner(0);
    const user = new Wallet(Wallet.createRandom().privateKey, provider);
    await (await admin.sendTransaction({ to: user.address, value: parseEther("1") })).wait();
    const a = JSON.parse(
      readFileSync(
        path.join(REPO_ROOT, "artifacts/contracts/mocks/ConditionTokenMocks.sol/ConditionERC20Mock.json"),
        "utf8",
      ),
    ) as { abi: unknown[]; bytecode: string };
    const deployed = await new ContractFactory(a.abi as never, a.bytecode, admin).deploy();
    await deployed.waitForDeployment();
    const token = new Contract(await deployed.getAddress(), a.abi as never, admin);
    await (await token.mint(user.address, 100n)).wait();
    const accessControlConditions = [
      {
        contractAddress: await token.getAddress(),
        standardContractType: "ERC20",
        chain: "yellowstone",
        method: "balanceOf",
        parameters: [":userAddress"],
        returnValueTest: { comparator: ">=", value: "1" },
      },
    ];
    const client = await connect({ provider, staking: network.info.contracts.staking });
    const session = () =>
      getSessionSigs({
        signer: user,
        nodeUrls: client.nodes.map((x) => x.url),
        latestBlockhash: client.latestBlockhash,
        resourceAbilityRequests: [
          requestAbility(accessControlConditionResource("*"), "access-control-condition-decryption"),
        ],
      });
    const sessionTimes = await timed(20, () => session());
    const { sessionSigs } = await session();

    const small = randomBytes(1024);
    const big = new Uint8Array(10 * 1024 * 1024);
    for (let o = 0; o < big.length; o += 65536) big.set(randomBytes(65536), o);

    const smallEnc = await encrypt({ client, accessControlConditions, data: small });
    await decrypt({ client, accessControlConditions, ...smallEnc, sessionSigs }); // warm-up
    const encSmall = await timed(samples, () => encrypt({ client, accessControlConditions, data: small }));
    const pids = network.nodes.map((h) => h.process.pid);
    const nodeCpu0 = pids.map(processCpuMs);
    const decSmall = await timed(samples, () =>
      decrypt({ client, accessControlConditions, ...smallEnc, sessionSigs }),
    );
    const nodeCpuPerDecrypt = pids.map((pid, k) => (processCpuMs(pid) - nodeCpu0[k]) / samples);
    const bigEnc = await encrypt({ client, accessControlConditions, data: big });
    const encBig = await timed(bigSamples, () => encrypt({ client, accessControlConditions, data: big }));
    const decBig = await timed(bigSamples, () =>
      decrypt({ client, accessControlConditions, ...bigEnc, sessionSigs }),
    );

    let done = 0;
    let failed = 0;
    const end = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          try {
            await decrypt({ client, accessControlConditions, ...smallEnc, sessionSigs });
            done++;
          } catch {
            failed++;
          }
        }
      }),
    );

    console.log(`session signatures (${n} nodes, 20 runs):        ${fmt(sessionTimes)}`);
    console.log(`encrypt 1 KB (${samples} runs):                      ${fmt(encSmall)}`);
    console.log(`decrypt 1 KB (${samples} runs, ERC-20 condition):    ${fmt(decSmall)}`);
    console.log(
      `node CPU per 1 KB decryption (incl. background):  ${nodeCpuPerDecrypt.map((x) => x.toFixed(0)).join(", ")} ms`,
    );
    console.log(`encrypt 10 MB (${bigSamples} runs):                      ${fmt(encBig)}`);
    console.log(`decrypt 10 MB (${bigSamples} runs):                      ${fmt(decBig)}`);
    console.log(
      `decryptions/s (1 KB, ${concurrency} concurrent, ${seconds} s):       ${(done / seconds).toFixed(1)} (${done} ok, ${failed} failed)`,
    );
  } finally {
    await network.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
