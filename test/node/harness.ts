/**
 * The node tests' view of a local network started by the product's own launcher
 * (src/network/start.ts: `hardhat node`, the Ignition module PKPSystem, N validators, N real node
 * processes on ports the launcher holds): ethers contracts connected to Hardhat's account #0 (the
 * deployer and Staking's owner), the nodes with their keys and data directories, and kill / start /
 * status helpers for one node.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Contract, Wallet, type JsonRpcProvider, type Signer } from "ethers";

import { sequenced } from "../../src/chain/signer";
import { REPO_ROOT } from "../../src/node/command";
import type { NodeConfigInput } from "../../src/node/config";
import {
  fetchStatus,
  isReady,
  startNetwork,
  type Network,
  type StartNetworkOptions,
} from "../../src/network/start";
import { jsonRpcProvider } from "../../src/sdk/provider";

/** Hardhat's first default account (funded on `hardhat node`; deploys the contracts and owns Staking). */
export const DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function artifact(name: string): { abi: unknown[] } {
  return JSON.parse(
    readFileSync(path.join(REPO_ROOT, "artifacts", "contracts", `${name}.sol`, `${name}.json`), "utf8"),
  );
}

export interface HarnessNode {
  readonly url: string;
  readonly port: number;
  readonly key: string;
  readonly address: string;
  readonly dataDir: string;
  readonly configPath: string;
  /** The running process (undefined once it has exited). */
  readonly process?: ChildProcess;
}

export interface Harness {
  dir: string;
  rpcUrl: string;
  provider: JsonRpcProvider;
  deployer: Signer;
  contracts: { staking: Contract; pubkeyRouter: Contract; pkpNft: Contract; pkpPermissions: Contract };
  addresses: { staking: string; pubkeyRouter: string; pkpNft: string; pkpPermissions: string };
  nodes: HarnessNode[];
  network: Network;
  /** Starts a node that was killed again, on its port, and waits until it is ready. */
  startNode(node: HarnessNode): Promise<void>;
  /** Kills a node (default SIGKILL) and waits for its exit; nothing when it is not running. */
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

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pkp-node-test-"));
  const { ipfsGatewayUrl, ...nodeConfig } = options.config ?? {};
  const launch: StartNetworkOptions = {
    nodes: options.n,
    dataDir: dir,
    progress: "silent",
    pools: options.pools ?? { pkpKeys: 2, presignatures: 8, keyBatch: 2, presignatureBatch: 8 },
    nodeConfig,
    ipfsGatewayUrl,
    // The tests wait for the pools themselves (waitReady) with the sizes they need.
    waitFor: "key",
    readyTimeoutMs: 600_000,
  };
  const network = await startNetwork(launch);
  const provider = jsonRpcProvider(network.info.rpcUrl, 100);
  const deployer = sequenced(new Wallet(DEPLOYER_KEY, provider));
  const addresses = {
    staking: network.info.contracts.staking,
    pubkeyRouter: network.info.contracts.pubkeyRouter,
    pkpNft: network.info.contracts.pkpNft,
    pkpPermissions: network.info.contracts.pkpPermissions,
  };
  const contract = (name: string, address: string) =>
    new Contract(address, artifact(name).abi as never, deployer);
  const contracts = {
    staking: contract("Staking", addresses.staking),
    pubkeyRouter: contract("PubkeyRouter", addresses.pubkeyRouter),
    pkpNft: contract("PKPNFT", addresses.pkpNft),
    pkpPermissions: contract("PKPPermissions", addresses.pkpPermissions),
  };
  const nodes: HarnessNode[] = network.nodes.map((handle) => ({
    url: handle.url,
    port: handle.port,
    key: handle.nodePrivateKey,
    address: handle.nodeAddress,
    dataDir: handle.dataDir,
    configPath: handle.configFile,
    get process() {
      return handle.process.exit === undefined ? handle.process.child : undefined;
    },
  }));
  const position = (node: HarnessNode) => {
    const k = nodes.indexOf(node);
    if (k < 0) throw new Error(`${node.url} is not a node of this harness`);
    return k;
  };
  const status = async (node: HarnessNode) =>
    (await (await fetch(node.url + "/status")).json()) as Record<string, unknown>;

  return {
    dir,
    rpcUrl: network.info.rpcUrl,
    provider,
    deployer,
    contracts,
    addresses,
    nodes,
    network,
    async startNode(node) {
      await network.restartNode(position(node), 240_000);
    },
    async killNode(node, signal = "SIGKILL") {
      const k = position(node);
      if (network.nodes[k].process.exit !== undefined) return;
      await network.killNode(k, signal);
    },
    status,
    async waitReady({ pkpKeys, presignatures, timeoutMs }) {
      const end = Date.now() + timeoutMs;
      let last: unknown;
      while (Date.now() < end) {
        const all = await Promise.all(nodes.map((node) => fetchStatus(node.url)));
        last = all;
        // Each node fills its own pool (its share of the network's target); together they hold
        // at least `presignatures`.
        const total = all.reduce((n, s) => n + (s?.pools?.presignatures ?? 0), 0);
        const ok =
          total >= presignatures &&
          all.every((s) => s !== undefined && isReady(s, { pkpKeys, presignatures: 0 }, true));
        if (ok) return;
        await sleep(500);
      }
      throw new Error(`network not ready: ${JSON.stringify(last)}`);
    },
    async stop() {
      await network.stop();
      provider.destroy();
      // Keep the logs of a failed run with PKP_KEEP_TEST_DIRS=1.
      if (process.env.PKP_KEEP_TEST_DIRS !== "1") rmSync(dir, { recursive: true, force: true });
    },
  };
}
