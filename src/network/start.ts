/**
 * Starts a local network: the chain (embedded `hardhat node`, or a given RPC URL), the PKP contracts
 * (Ignition module PKPSystem), N validators registered in Staking, and N node processes; waits until
 * every node reports ready on `/status` (network key voted, pools filled) and writes network.json.
 *
 * Over 400 lines: startNetwork and the handles it returns (kill, restart, stop) share the children
 * they track; the chain, gateway, ports and processes are their own modules.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Wallet, parseEther, type JsonRpcSigner } from "ethers";

import { connectContracts } from "../chain/deployment";
import { request } from "../transport";
import { thresholdFor } from "../crypto/polynomial";
import { nodeCommand } from "../node/command";
import type { NodeConfigInput } from "../node/config";
import { deriveCommsKeyPair } from "../node/keys";
import { localProvider, sleep, startChain, type EmbeddedChain } from "./chain";
import { deployPkpSystem } from "./deploy";
import { NetworkError, NetworkTimeoutError, PortInUseError, ProcessExitedError } from "./errors";
import { startControl } from "./control";
import { networkFilePath, readNetworkFile, type NetworkInfo } from "./networkFile";
import { startGateway, type IpfsGateway } from "./gateway";
import { holdPort, holdPorts, type HeldPort } from "./ports";
import { ManagedProcess, isAlive } from "./process";
import { createProgress, type NodeStatus, type Progress, type ProgressMode } from "./progress";

/** 127.0.0.1 as a big-endian uint32. */
export const LOOPBACK_IP = 2130706433;

export interface StartNetworkOptions {
  /** Number of nodes (validators); at least 4. Default 4. */
  nodes?: number;
  /** Where configs, node data, logs and network.json go. Default `.data/network` in the repository. */
  dataDir?: string;
  /** First node port (nodes use basePort..basePort+N-1); default: ports the kernel picks. */
  basePort?: number;
  /** "embedded" (default) starts `hardhat node`; otherwise an RPC URL whose first account is unlocked. */
  chain?: "embedded" | string;
  /** Port of the embedded chain (default: one the kernel picks; 8545 lets `--network localhost` tasks use it). */
  chainPort?: number;
  /** With `chainPort`: when that port is taken, start the chain on another one instead of failing. */
  chainPortFallback?: boolean;
  pools?: Partial<{ pkpKeys: number; presignatures: number; keyBatch: number; presignatureBatch: number }>;
  timeouts?: Partial<{ peerMs: number; roundMs: number; presignWaitMs: number }>;
  logLevel?: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** How long to wait for every node to be ready. Default 300 s. */
  readyTimeoutMs?: number;
  progress?: ProgressMode | Progress;
  /** ETH sent to each node address for gas. Default 100. */
  fundEth?: string;
  /**
   * What "ready" means: "full" (default) waits until every node reports ready and its pools hold their
   * targets; "key" only until every node reports ready (network key voted).
   */
  waitFor?: "full" | "key";
  /**
   * An IPFS gateway for the nodes (`GET <url>/ipfs/<cid>`), e.g. a local kubo's. Default: a local
   * gateway (src/network/gateway.ts) on 127.0.0.1 storing files under `<dataDir>/ipfs`.
   */
  ipfsGatewayUrl?: string;
  /**
   * More node configuration, the same for every node (e.g. `fetchAllow`, `chains`); `timeouts` and
   * `pools` here are merged over the options above. Keys, ports, chain and contracts stay the launcher's.
   */
  nodeConfig?: Partial<
    Omit<NodeConfigInput, "host" | "port" | "dataDir" | "nodePrivateKey" | "rpcUrl" | "chainId" | "contracts">
  >;
}

export interface NodeHandle {
  readonly index: number;
  readonly url: string;
  readonly port: number;
  readonly nodeAddress: string;
  readonly nodePrivateKey: string;
  readonly dataDir: string;
  readonly configFile: string;
  readonly logFile: string;
  process: ManagedProcess;
}

export interface Network {
  readonly info: NetworkInfo;
  readonly dataDir: string;
  readonly nodes: readonly NodeHandle[];
  readonly chain?: EmbeddedChain;
  /** The local IPFS gateway (absent when `ipfsGatewayUrl` named another one). */
  readonly gateway?: IpfsGateway;
  /** Kills one node (0-based position in `nodes`) with a signal (default SIGKILL) and waits for its exit. */
  killNode(position: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped node again with the same config and waits until its /status answers ready. */
  restartNode(position: number, timeoutMs?: number): Promise<void>;
  /** Stops every node, then the chain and the gateway (SIGTERM, then SIGKILL after `timeoutMs`). Idempotent. */
  stop(timeoutMs?: number): Promise<void>;
  /** Runs `f` first when the network stops (the control endpoint closes). */
  onStop(f: () => Promise<void>): void;
}

const DEFAULT_DATA_DIR = path.resolve(__dirname, "..", "..", ".data", "network");

/** Every child of every network started in this process, killed if the process exits without stopping them. */
const live = new Set<ManagedProcess>();
let exitHookInstalled = false;
function track(child: ManagedProcess): ManagedProcess {
  live.add(child);
  void child.exited.then(() => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    const killAll = () => {
      for (const c of live) c.signal("SIGKILL");
    };
    process.once("exit", killAll);
    // A signal's default action ends the process without "exit": when nobody else handles the
    // signal (the network:start task does, to stop gracefully), kill the children and exit as the
    // signal would have.
    for (const [signal, code] of [
      ["SIGINT", 130],
      ["SIGTERM", 143],
      ["SIGHUP", 129],
    ] as const) {
      const onSignal = () => {
        if (process.listenerCount(signal) > 1) return;
        killAll();
        process.exit(code);
      };
      process.on(signal, onSignal);
    }
  }
  return child;
}

export async function startNetwork(options: StartNetworkOptions = {}): Promise<Network> {
  const n = options.nodes ?? 4;
  if (!Number.isInteger(n) || n < 4 || n > 64)
    throw new NetworkError(`nodes must be an integer in 4..64, got ${n}`);
  const { t, quorum } = thresholdFor(n);
  const dataDir = path.resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const progress =
    typeof options.progress === "object" ? options.progress : createProgress(options.progress ?? "auto");
  prepareDataDir(dataDir);

  const children: ManagedProcess[] = [];
  let chain: EmbeddedChain | undefined;
  let gateway: IpfsGateway | undefined;
  const nodes: NodeHandle[] = [];
  let held: HeldPort[] = [];
  const started = Date.now();
  try {
    // 1. Chain.
    let rpcUrl: string;
    if (options.chain === undefined || options.chain === "embedded") {
      progress.step("starting the chain (hardhat node on 127.0.0.1)");
      chain = await startChain({
        port: options.chainPort ?? 0,
        logFile: path.join(dataDir, "chain.log"),
      }).catch(async (e: unknown) => {
        if (!(options.chainPortFallback === true && e instanceof PortInUseError)) throw e;
        progress.step(`port ${options.chainPort} is taken: the chain gets another one`);
        return startChain({ port: 0, logFile: path.join(dataDir, "chain.log") });
      });
      children.push(track(chain.process));
      rpcUrl = chain.rpcUrl;
    } else {
      rpcUrl = options.chain;
    }
    const provider = localProvider(rpcUrl);
    const chainId = Number((await provider.getNetwork()).chainId);
    progress.step(`chain ${chainId} at ${rpcUrl}`);

    // 2. Contracts.
    progress.step("deploying PKPSystem with Ignition");
    const addresses = await deployPkpSystem({ rpcUrl, deploymentDir: path.join(dataDir, "ignition") });
    const admin: JsonRpcSigner = await provider.getSigner(0);
    const contracts = await connectContracts(addresses, admin);
    progress.step(`Staking at ${addresses.staking}`);

    // 3. Node keys, ports, funding, validators. The launcher holds each node's listening socket from
    // here on and hands it to the node process, so no other part can be given the same port.
    const basePort = options.basePort;
    held = await holdPorts(Array.from({ length: n }, (_, i) => (basePort === undefined ? 0 : basePort + i)));
    const ports = held.map((h) => h.port);
    const wallets = Array.from({ length: n }, () => Wallet.createRandom());
    const fund = parseEther(options.fundEth ?? "100");
    progress.step(`funding ${n} node addresses and registering them as validators`);
    for (let i = 0; i < n; i++) {
      await (await admin.sendTransaction({ to: wallets[i].address, value: fund })).wait();
      const comms = deriveCommsKeyPair(wallets[i].privateKey);
      await (
        await contracts.staking.addValidator(
          LOOPBACK_IP,
          0,
          ports[i],
          wallets[i].address,
          comms.publicKeyUint,
          comms.publicKeyUint,
        )
      ).wait();
    }
    await (await contracts.staking.advanceEpoch()).wait();

    // 4. The IPFS gateway, then configs and processes.
    let ipfsGatewayUrl = options.ipfsGatewayUrl;
    if (ipfsGatewayUrl === undefined) {
      gateway = await startGateway({ dir: path.join(dataDir, "ipfs") });
      ipfsGatewayUrl = gateway.url;
    }
    progress.step(`IPFS gateway at ${ipfsGatewayUrl}`);
    const pools = {
      pkpKeys: 4,
      presignatures: 64,
      keyBatch: 4,
      presignatureBatch: 16,
      ...options.pools,
      ...options.nodeConfig?.pools,
    };
    const timeouts = {
      peerMs: 5000,
      roundMs: 15000,
      presignWaitMs: 20000,
      ...options.timeouts,
      ...options.nodeConfig?.timeouts,
    };
    for (let i = 0; i < n; i++) {
      const nodeDir = path.join(dataDir, "nodes", `node-${i + 1}`);
      mkdirSync(nodeDir, { recursive: true, mode: 0o700 });
      const config: NodeConfigInput = {
        ...options.nodeConfig,
        host: "127.0.0.1",
        port: ports[i],
        dataDir: nodeDir,
        nodePrivateKey: wallets[i].privateKey,
        rpcUrl,
        chainId,
        contracts: {
          staking: addresses.staking,
          pubkeyRouter: addresses.pubkeyRouter,
          pkpNft: addresses.pkpNft,
          pkpPermissions: addresses.pkpPermissions,
        },
        pools,
        timeouts,
        logLevel: options.logLevel ?? options.nodeConfig?.logLevel ?? "info",
        ipfsGatewayUrl,
      };
      const configFile = path.join(nodeDir, "config.json");
      writeFileSync(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
      chmodSync(configFile, 0o600);
      const handle: NodeHandle = {
        index: i + 1,
        url: `http://127.0.0.1:${ports[i]}`,
        port: ports[i],
        nodeAddress: wallets[i].address,
        nodePrivateKey: wallets[i].privateKey,
        dataDir: nodeDir,
        configFile,
        logFile: path.join(nodeDir, "node.log"),
        process: undefined as unknown as ManagedProcess,
      };
      handle.process = spawnNode(handle, held[i]);
      children.push(handle.process);
      nodes.push(handle);
    }
    progress.step(`started ${n} node processes; waiting for the network key and the pools`);

    // 5. Ready.
    await waitReady(nodes, {
      timeoutMs: options.readyTimeoutMs ?? 300_000,
      progress,
      targets: pools,
      full: (options.waitFor ?? "full") === "full",
    });

    const info: NetworkInfo = {
      rpcUrl,
      chainId,
      contracts: { ...addresses },
      nodes: nodes.map((h) => ({
        url: h.url,
        nodeAddress: h.nodeAddress,
        pid: h.process.pid,
        dataDir: h.dataDir,
      })),
      n,
      t,
      quorum,
      chainPid: chain ? chain.process.pid : null,
      startedAt: new Date().toISOString(),
      ipfsGatewayUrl,
    };
    const network = makeNetwork(info, dataDir, nodes, chain, gateway);
    const token = randomBytes(24).toString("hex");
    const writeInfo = () => {
      info.nodes = nodes.map((h, k) => ({ ...info.nodes[k], pid: h.process.pid }));
      writeFileSync(networkFilePath(dataDir), JSON.stringify(info, null, 2) + "\n", { mode: 0o600 });
    };
    const control = await startControl(network, token, writeInfo);
    info.control = { url: control.url, token };
    network.onStop(() => control.close());
    writeInfo();
    progress.done(
      `network of ${n} nodes ready in ${((Date.now() - started) / 1000).toFixed(1)} s (t = ${t}, quorum ${quorum})`,
    );
    return network;
  } catch (e) {
    await Promise.all(held.map((h) => h.release()));
    for (const h of nodes) await h.process.stop(2000);
    if (chain) await chain.process.stop(2000);
    if (gateway) await gateway.close();
    throw e;
  }
}

/** Starts a node process serving on `socket` (its fd 3); this process's copy is closed once it runs. */
function spawnNode(h: NodeHandle, socket: HeldPort): ManagedProcess {
  const cmd = nodeCommand(h.configFile);
  const env: NodeJS.ProcessEnv = { ...cmd.env, PKP_LISTEN_FD: "3" };
  delete env.HARDHAT_NETWORK;
  try {
    return track(
      new ManagedProcess({
        label: `node ${h.index} (${h.url})`,
        command: cmd.command,
        args: cmd.args,
        env,
        logFile: h.logFile,
        passFds: [socket.fd],
      }),
    );
  } finally {
    void socket.release();
  }
}

/** Refuses a data dir whose network still runs; otherwise clears what an earlier run left. */
function prepareDataDir(dataDir: string): void {
  if (existsSync(networkFilePath(dataDir))) {
    let running: number[] = [];
    try {
      const old = readNetworkFile(dataDir);
      running = [...old.nodes.map((x) => x.pid), ...(old.chainPid === null ? [] : [old.chainPid])].filter(
        (pid) => pid > 0 && isAlive(pid),
      );
    } catch {
      // unreadable: treat as stale
    }
    if (running.length > 0) {
      throw new NetworkError(`a network is still running from ${dataDir}`, {
        details: [`process ids ${running.join(", ")}`, "stop it (Ctrl-C) or choose another --data-dir"],
      });
    }
  }
  for (const entry of ["nodes", "ignition", "chain", "chain.log", "network.json"]) {
    rmSync(path.join(dataDir, entry), { recursive: true, force: true });
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
}

/** GET /status of one node; undefined when it does not answer. */
export async function fetchStatus(url: string, timeoutMs = 2000): Promise<NodeStatus | undefined> {
  try {
    const res = await request(`${url}/status`, { method: "GET", timeoutMs });
    if (res.status !== 200) return undefined;
    return JSON.parse(res.body.toString("utf8")) as NodeStatus;
  } catch {
    return undefined;
  }
}

async function waitReady(
  nodes: readonly NodeHandle[],
  opts: {
    timeoutMs: number;
    progress: Progress;
    targets: { pkpKeys: number; presignatures: number };
    full: boolean;
  },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    for (const h of nodes) {
      const exit = h.process.exit;
      if (exit)
        throw new ProcessExitedError(h.process.label, exit.code, exit.signal, h.logFile, h.process.tail());
    }
    const statuses = await Promise.all(nodes.map((h) => fetchStatus(h.url)));
    opts.progress.nodes(statuses, opts.targets);
    if (statuses.every((s) => s !== undefined && isReady(s, opts.targets, opts.full))) return;
    if (Date.now() > deadline) {
      throw new NetworkTimeoutError(
        `the network was not ready after ${Math.round(opts.timeoutMs / 1000)} s`,
        {
          details: nodes.map(
            (h, i) =>
              `${h.url}: ${statuses[i] ? JSON.stringify(statuses[i]) : "no answer"} (log ${h.logFile})`,
          ),
        },
      );
    }
    await sleep(300);
  }
}

/** Ready, and (when `full`) both pools at their targets. */
export function isReady(
  s: NodeStatus,
  targets: { pkpKeys: number; presignatures: number },
  full: boolean,
): boolean {
  if (s.ready !== true) return false;
  if (!full) return true;
  // Each node fills its own pool, up to the share of the network's target it reports.
  const presignatures = s.pools?.presignaturesTarget ?? targets.presignatures;
  return (s.pools?.pkpKeysRouted ?? 0) >= targets.pkpKeys && (s.pools?.presignatures ?? 0) >= presignatures;
}

function makeNetwork(
  info: NetworkInfo,
  dataDir: string,
  nodes: NodeHandle[],
  chain: EmbeddedChain | undefined,
  gateway?: IpfsGateway,
): Network {
  let stopping: Promise<void> | undefined;
  const onStop: (() => Promise<void>)[] = [];
  const check = (position: number): NodeHandle => {
    const h = nodes[position];
    if (h === undefined) throw new NetworkError(`no node at position ${position}`);
    return h;
  };
  return {
    info,
    dataDir,
    nodes,
    chain,
    gateway,
    async killNode(position, signal = "SIGKILL") {
      const h = check(position);
      h.process.signal(signal);
      await h.process.exited;
    },
    async restartNode(position, timeoutMs = 60_000) {
      const h = check(position);
      if (!h.process.exit) throw new NetworkError(`${h.process.label} is still running`);
      // Its port is registered in Staking: the node comes back on the same one.
      h.process = spawnNode(h, await holdPort(h.port));
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const exit = h.process.exit;
        if (exit)
          throw new ProcessExitedError(h.process.label, exit.code, exit.signal, h.logFile, h.process.tail());
        if ((await fetchStatus(h.url))?.ready === true) return;
        if (Date.now() > deadline)
          throw new NetworkTimeoutError(`${h.process.label} was not ready after restart`);
        await sleep(200);
      }
    },
    onStop(f) {
      onStop.push(f);
    },
    stop(timeoutMs = 5000) {
      stopping ??= (async () => {
        for (const f of onStop) await f().catch(() => undefined);
        await Promise.all(nodes.map((h) => h.process.stop(timeoutMs)));
        if (chain) await chain.process.stop(timeoutMs);
        if (gateway) await gateway.close();
      })();
      return stopping;
    },
  };
}
