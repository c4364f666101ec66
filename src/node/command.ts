/**
 * How to start a node process, so that the launcher and tests never hard-code it:
 * `node --no-node-snapshot --enable-source-maps dist/runtime/src/node/main.js --config <file>`, on
 * the JavaScript that `ensureRuntimeBuild` keeps up to date with `src/` (transpiled once per change,
 * not once per process as ts-node did).
 */
import path from "node:path";
import { ensureRuntimeBuild } from "../runtimeBuild";

export interface NodeCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** The repository root (this file lives in src/node/). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export function nodeCommand(configPath: string): NodeCommand {
  const { dir } = ensureRuntimeBuild();
  return {
    command: process.execPath,
    args: [
      "--no-node-snapshot",
      "--enable-source-maps",
      path.join(dir, "src", "node", "main.js"),
      "--config",
      path.resolve(configPath),
    ],
    env: { ...process.env },
  };
}
