/**
 * Entry point of a node process:
 *   node --no-node-snapshot --enable-source-maps dist/runtime/src/node/main.js --config <file>
 * (see `nodeCommand`). Logs pino JSON lines on stdout; logs `node ready` once serving.
 */
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
  await app.listen({ host: config.host, port: config.port });
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

if (require.main === module) {
  main(process.argv).catch((e: unknown) => {
    process.stderr.write(`node failed to start: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
