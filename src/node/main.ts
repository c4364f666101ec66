/**
 * Entry point of a node process:
 *   node --no-node-snapshot --enable-source-maps dist/runtime/src/node/main.js --config <file>
 * (see `nodeCommand`). Logs pino JSON lines on stdout; logs `node ready` once serving.
 *
 * With `PKP_LISTEN_FD` set, the node serves on that inherited, already listening socket (the
 * launcher binds every node's port itself, so that no two parts of a network can be handed the same
 * port); otherwise it listens on the configured host and port.
 */
import type { FastifyListenOptions } from "fastify";
import pino from "pino";
import { loadNodeConfig } from "./config";
import { PkpNode } from "./node";
import { buildServer } from "./server";

export async function main(argv: readonly string[]): Promise<void> {
  const k = argv.indexOf("--config");
  if (k < 0 || argv[k + 1] === undefined) throw new Error("usage: main.ts --config <file>");
  const config = loadNodeConfig(argv[k + 1]);
  const log = pino({ level: config.logLevel, base: { node: `${config.host}:${config.port}` } });
  const node = new PkpNode(config, log);
  await node.start();
  const app = await buildServer(node);
  // Fastify hands the options to net.Server#listen, which takes { fd } (its types name only port/path).
  await app.listen(
    listenOptions(config.host, config.port, process.env.PKP_LISTEN_FD) as FastifyListenOptions,
  );
  log.info({ url: node.url, nodeAddress: node.address, index: node.me?.index ?? 0 }, "node ready");
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    await app.close().catch(() => undefined);
    await node.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

/** Where to listen: an inherited socket (`PKP_LISTEN_FD`), or host and port. */
export function listenOptions(
  host: string,
  port: number,
  inheritedFd: string | undefined,
): { host: string; port: number } | { host: string; fd: number } {
  if (inheritedFd === undefined || inheritedFd === "") return { host, port };
  const fd = Number(inheritedFd);
  if (!Number.isInteger(fd) || fd < 3)
    throw new Error(`PKP_LISTEN_FD must be a descriptor >= 3, got ${inheritedFd}`);
  return { host, fd };
}

if (require.main === module) {
  main(process.argv).catch((e: unknown) => {
    process.stderr.write(`node failed to start: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
