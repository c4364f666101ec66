/**
 * A minimal local network for the node tests: `hardhat node` on a free 127.0.0.1 port (a bare
 * config, so nothing compiles), the contracts deployed with ethers factories from the artifacts
 * (the same constructor wiring as ignition/modules/PKPSystem.ts), N validators registered, and N
 * real node processes spawned with `nodeCommand`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { Contract, ContractFactory, JsonRpcProvider, NonceManager, Wallet, parseEther } from "ethers";
import { nodeCommand, REPO_ROOT } from "../../src/node/command";
import { deriveCommsKeyPair } from "../../src/node/keys";
import type { NodeConfigInput } from "../../src/node/config";

/** Hardhat's first default account (funded on `hardhat node`). */
export const DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function artifact(name: string): { abi: unknown[]; bytecode: string } {
  return JSON.parse(
    readFileSync(path.join(REPO_ROOT, "artifacts", "contracts", `${name}.sol`, `${name}.json`), "utf8"),
  );
}

export interface HarnessNode {
  url: string;
  port: number;
  key: string;
  address: string;
  dataDir: string;
  configPath: string;
  process?: ChildProcess;
}

export interface Harness {
  dir: string;
  rpcUrl: string;
  provider: JsonRpcProvider;
  deployer: NonceManager;
  contracts: { staking: Contract; pubkeyRouter: Contract; pkpNft: Contract; pkpPermissions: Contract };
  addresses: { staking: string; pubkeyRouter: string; pkpNft: string; pkpPermissions: string };
  nodes: HarnessNode[];
  chain: ChildProcess;
  startNode(node: HarnessNode): Promise<void>;
  killNode(node: HarnessNode, signal?: NodeJS.Signals): Promise<void>;
  waitReady(options: { pkpKeys: number; presignatures: number; timeoutMs: number }): Promise<void>;
  status(node: HarnessNode): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  n: number;
  pools?: { pkpKeys: number; presignatures: number; keyBatch: number; presignatureBatch: number };
  /** Extra node config fields (e.g. `ipfsGatewayUrl`, `fetchAllow`), the same for every node. */
  config?: Partial<NodeConfigInput>;
}

async function waitRpc(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await sleep(200);
  }
  throw new Error(`chain at ${url} did not start`);
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pkp-node-test-"));
  const chainPort = await freePort();
  const chainDir = path.join(dir, "chain");
  mkdirSync(chainDir);
  const cfg = path.join(chainDir, "hardhat.config.js");
  writeFileSync(
    cfg,
    `module.exports = ${JSON.stringify({ networks: { hardhat: { chainId: 31337, allowUnlimitedContractSize: true, blockGasLimit: 120_000_000 } }, paths: { root: chainDir } })};\n`,
  );
  const chain = spawn(
    path.join(REPO_ROOT, "node_modules", ".bin", "hardhat"),
    ["--config", cfg, "node", "--hostname", "127.0.0.1", "--port", String(chainPort)],
    { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "ignore"] },
  );
  const rpcUrl = `http://127.0.0.1:${chainPort}`;
  await waitRpc(rpcUrl, 60_000);
  const provider = new JsonRpcProvider(rpcUrl, 31337, { staticNetwork: true, cacheTimeout: -1 });
  provider.pollingInterval = 100;
  const deployer = new NonceManager(new Wallet(DEPLOYER_KEY, provider));

  const deploy = async (name: string, args: unknown[]) => {
    const a = artifact(name);
    const c = await new ContractFactory(a.abi as never, a.bytecode, deployer).deploy(...args);
    await c.waitForDeployment();
    return new Contract(await c.getAddress(), a.abi as never, deployer);
  };
  const staking = await deploy("Staking", [3600n, 60n]);
  const pubkeyRouter = await deploy("PubkeyRouter", [await staking.getAddress()]);
  const metadata = await deploy("PKPNFTMetadata", []);
  const pkpNft = await deploy("PKPNFT", [await pubkeyRouter.getAddress(), await metadata.getAddress(), 1n]);
  const pkpPermissions = await deploy("PKPPermissions", [
    await pkpNft.getAddress(),
    await pubkeyRouter.getAddress(),
  ]);
  await (await pubkeyRouter.setPkpNft(await pkpNft.getAddress())).wait();
  await (await pkpNft.setPkpPermissions(await pkpPermissions.getAddress())).wait();
  const addresses = {
    staking: await staking.getAddress(),
    pubkeyRouter: await pubkeyRouter.getAddress(),
    pkpNft: await pkpNft.getAddress(),
    pkpPermissions: await pkpPermissions.getAddress(),
  };

  const pools = options.pools ?? { pkpKeys: 2, presignatures: 8, keyBatch: 2, presignatureBatch: 8 };
  const nodes: HarnessNode[] = [];
  for (let k = 0; k < options.n; k++) {
    const wallet = Wallet.createRandom();
    const port = await freePort();
    const dataDir = path.join(dir, `node-${k}`);
    mkdirSync(dataDir, { recursive: true });
    const config: NodeConfigInput = {
      host: "127.0.0.1",
      port,
      dataDir,
      nodePrivateKey: wallet.privateKey,
      rpcUrl,
      chainId: 31337,
      contracts: addresses,
      pools,
      timeouts: { peerMs: 5000, roundMs: 15000 },
      logLevel: "info",
      ...options.config,
    };
    const configPath = path.join(dataDir, "config.json");
    writeFileSync(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
    nodes.push({
      url: `http://127.0.0.1:${port}`,
      port,
      key: wallet.privateKey,
      address: wallet.address,
      dataDir,
      configPath,
    });
    await (await deployer.sendTransaction({ to: wallet.address, value: parseEther("100") })).wait();
    const comms = deriveCommsKeyPair(wallet.privateKey).publicKeyUint;
    await (await staking.addValidator(2130706433, 0, port, wallet.address, comms, comms)).wait();
  }
  await (await staking.advanceEpoch()).wait();

  const startNode = async (node: HarnessNode) => {
    const cmd = nodeCommand(node.configPath);
    const log = createWriteStream(path.join(node.dataDir, "node.log"), { flags: "a" });
    const child = spawn(cmd.command, cmd.args, {
      env: cmd.env,
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    node.process = child;
    const end = Date.now() + 240_000;
    while (Date.now() < end) {
      if (child.exitCode !== null) throw new Error(`node ${node.url} exited; see ${node.dataDir}/node.log`);
      try {
        const res = await fetch(node.url + "/status");
        if (res.ok) return;
      } catch {
        /* starting */
      }
      await sleep(200);
    }
    throw new Error(`node ${node.url} did not start`);
  };
  const killNode = async (node: HarnessNode, signal: NodeJS.Signals = "SIGKILL") => {
    const child = node.process;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await exited;
    node.process = undefined;
  };
  const status = async (node: HarnessNode) =>
    (await (await fetch(node.url + "/status")).json()) as Record<string, unknown>;

  await Promise.all(nodes.map(startNode));

  return {
    dir,
    rpcUrl,
    provider,
    deployer,
    contracts: { staking, pubkeyRouter, pkpNft, pkpPermissions },
    addresses,
    nodes,
    chain,
    startNode,
    killNode,
    status,
    async waitReady({ pkpKeys, presignatures, timeoutMs }) {
      const end = Date.now() + timeoutMs;
      let last: unknown;
      while (Date.now() < end) {
        try {
          const all = await Promise.all(nodes.map(status));
          last = all;
          const ok = all.every((s) => {
            const pools = s.pools as { pkpKeysRouted: number; presignatures: number };
            return s.ready === true && pools.pkpKeysRouted >= pkpKeys && pools.presignatures >= presignatures;
          });
          if (ok) return;
        } catch (e) {
          last = e;
        }
        await sleep(500);
      }
      throw new Error(`network not ready: ${JSON.stringify(last)}`);
    },
    async stop() {
      await Promise.all(nodes.map((n) => killNode(n, "SIGTERM")));
      provider.destroy();
      if (chain.exitCode === null) {
        const exited = new Promise((r) => chain.once("exit", r));
        chain.kill("SIGTERM");
        await Promise.race([exited, sleep(5000)]);
        if (chain.exitCode === null) chain.kill("SIGKILL");
      }
      // Keep the logs of a failed run with PKP_KEEP_TEST_DIRS=1.
      if (process.env.PKP_KEEP_TEST_DIRS !== "1") rmSync(dir, { recursive: true, force: true });
    },
  };
}
