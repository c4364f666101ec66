/**
 * How to start a node process, so that the launcher and tests never hard-code it:
 * `node --no-node-snapshot -r ts-node/register/transpile-only src/node/main.ts --config <file>`.
 */
import path from "node:path";

export interface NodeCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** The repository root (this file lives in src/node/). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export function nodeCommand(configPath: string): NodeCommand {
  return {
    command: process.execPath,
    args: [
      "--no-node-snapshot",
      "-r",
      "ts-node/register/transpile-only",
      path.join(REPO_ROOT, "src", "node", "main.ts"),
      "--config",
      path.resolve(configPath),
    ],
    env: { ...process.env, TS_NODE_PROJECT: path.join(REPO_ROOT, "tsconfig.json") },
  };
}
