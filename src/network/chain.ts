/**
 * The embedded chain: `hardhat node` as a child process on 127.0.0.1, run from the repository root
 * with the project's Hardhat configuration (chain id 31337, automining). It binds the port it is
 * given, or with port 0 one the kernel picks, and the port is read from the line it prints once it
 * listens ("Started HTTP and WebSocket JSON-RPC server at http://127.0.0.1:PORT/"): no port is chosen
 * here and bound later by another process.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { JsonRpcProvider } from "ethers";

import { jsonRpcProvider } from "../sdk/provider";
import { request } from "../transport";

import { NetworkError, PortInUseError, ProcessExitedError } from "./errors";
import { ManagedProcess } from "./process";

/** The repository root (where hardhat.config.ts lives). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface EmbeddedChain {
  readonly rpcUrl: string;
  readonly port: number;
  readonly process: ManagedProcess;
}

export interface StartChainOptions {
  /** 0 (default): a port the kernel picks. */
  port?: number;
  logFile: string;
  timeoutMs?: number;
}

/**
 * The chain's Hardhat network settings: the same as `networks.hardhat` in hardhat.config.ts. The
 * chain runs with a one-line JavaScript config holding only these, because loading the project's
 * TypeScript config (toolbox, tasks) takes three times as long on a loaded machine and is not needed
 * to serve JSON-RPC.
 */
export const CHAIN_SETTINGS = { chainId: 31337, blockGasLimit: 60_000_000 } as const;

/**
 * Starts `hardhat node --hostname 127.0.0.1 --port <port>`, reads the port it listens on from its
 * output and waits until it answers eth_chainId. A port in use fails with PortInUseError.
 */
export async function startChain(options: StartChainOptions): Promise<EmbeddedChain> {
  const cli = require.resolve("hardhat/internal/cli/cli.js", { paths: [REPO_ROOT] });
  const root = path.join(path.dirname(options.logFile), "chain");
  mkdirSync(root, { recursive: true });
  const configFile = path.join(root, "hardhat.config.js");
  writeFileSync(
    configFile,
    `module.exports = ${JSON.stringify({ networks: { hardhat: CHAIN_SETTINGS }, paths: { root } })};\n`,
  );
  const env = { ...process.env };
  // `hardhat test` and `hardhat run` set these for their own process; the chain is its own process.
  delete env.HARDHAT_NETWORK;
  const logStart = sizeOf(options.logFile);
  const child = new ManagedProcess({
    label: "chain",
    command: process.execPath,
    args: [
      cli,
      "--config",
      configFile,
      "node",
      "--hostname",
      "127.0.0.1",
      "--port",
      String(options.port ?? 0),
    ],
    env,
    cwd: REPO_ROOT,
    logFile: options.logFile,
  });
  // A `hardhat node` on a loaded 2-core machine has taken over a minute to answer its first request.
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  let port: number | undefined;
  try {
    for (;;) {
      port ??= listeningPort(readLog(child.logFile, logStart));
      if (child.exit) {
        if (/EADDRINUSE/.test(readLog(child.logFile, logStart)))
          throw new PortInUseError("chain", options.port ?? 0, child.logFile);
        throw new ProcessExitedError(
          "chain",
          child.exit.code,
          child.exit.signal,
          child.logFile,
          child.tail(),
        );
      }
      if (port !== undefined) {
        const rpcUrl = `http://127.0.0.1:${port}`;
        if (await answers(rpcUrl)) return { rpcUrl, port, process: child };
      }
      if (Date.now() > deadline) {
        const where = port === undefined ? "(it never reported listening)" : `on port ${port}`;
        throw new NetworkError(`the chain did not answer ${where} in time`, {
          details: [`log: ${child.logFile}`],
        });
      }
      await sleep(200);
    }
  } catch (e) {
    await child.stop();
    throw e;
  }
}

/** The port in hardhat node's "Started HTTP and WebSocket JSON-RPC server at http://HOST:PORT/" line. */
export function listeningPort(log: string): number | undefined {
  const match = /JSON-RPC server at http:\/\/[^\s/]+:(\d+)\//.exec(log);
  return match === null ? undefined : Number(match[1]);
}

/** What the log holds from byte `from` on ("" while it does not exist). */
function readLog(file: string, from: number): string {
  try {
    return readFileSync(file).subarray(from).toString("utf8");
  } catch {
    return "";
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

async function answers(rpcUrl: string): Promise<boolean> {
  try {
    const res = await request(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      timeoutMs: 1000,
    });
    return res.status === 200;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A provider for a local RPC URL that polls fast (loopback) and survives idle sockets closed by the chain. */
export function localProvider(rpcUrl: string): JsonRpcProvider {
  return jsonRpcProvider(rpcUrl, 100);
}
