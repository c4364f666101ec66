/**
 * What every task shares: the common options (--json, --deployment, --from), turning library
 * errors into short Hardhat errors, and printing (one JSON document with --json, readable lines
 * otherwise). Tasks return their result too, so that `hre.run(...)` gives it to tests and scripts.
 */
import { readFileSync, existsSync, statSync } from "node:fs";
import { HardhatPluginError } from "hardhat/plugins";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import pc from "picocolors";

import { cidOf, cidToBytes } from "../src/protocol/cid";
import { ChainError, InvalidArgumentError } from "../src/chain/errors";

export const PLUGIN = "pkp-network";

export interface CommonArgs {
  json: boolean;
  deployment?: string;
  from?: string;
}

/** Adds --json, and (for tasks that talk to the chain) --deployment and --from. */
export function common(definition: ConfigurableTaskDefinition, chain = true): ConfigurableTaskDefinition {
  definition.addFlag("json", "Print one machine-readable JSON document");
  if (chain) {
    definition
      .addOptionalParam(
        "deployment",
        "Deployment JSON file (default: env PKP_DEPLOYMENT, else ignition/deployments/chain-<id>/; deploys on the in-process network)",
      )
      .addOptionalParam("from", "Act as this account of the network (default: the first)");
  }
  return definition;
}

/** Compiles the contracts first (quietly) unless --no-compile was given: a fresh clone has no artifacts. */
export async function compileUnless(noCompile: boolean, hre: HardhatRuntimeEnvironment): Promise<void> {
  if (!noCompile) await hre.run("compile", { quiet: true });
}

/** Runs a task body; a library error becomes a HardhatPluginError with the same short message. */
export function action<A, R>(
  body: (args: A, hre: HardhatRuntimeEnvironment) => Promise<R>,
): (args: A, hre: HardhatRuntimeEnvironment) => Promise<R> {
  return async (args, hre) => {
    try {
      return await body(args, hre);
    } catch (error) {
      if (error instanceof ChainError) throw new HardhatPluginError(PLUGIN, error.message, error);
      throw error;
    }
  };
}

/** JSON.stringify that writes bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, item: unknown) => (typeof item === "bigint" ? item.toString() : item),
    2,
  );
}

/** Prints `result` as JSON (with --json) or as the human lines, and returns it. */
export function emit<R>(json: boolean, result: R, human: (result: R) => string[]): R {
  if (json) console.log(toJson(result));
  else console.log(human(result).join("\n"));
  return result;
}

export const label = (text: string): string => pc.dim(`${text.padEnd(15)} `);
export const title = (text: string): string => pc.bold(pc.cyan(text));
export const good = (text: string): string => pc.green(text);
export const bad = (text: string): string => pc.red(text);

/** A required task argument, with a clear message when missing. */
export function required(name: string, value: string | undefined): string {
  if (value === undefined || value.trim() === "") throw new InvalidArgumentError(name, "missing");
  return value;
}

/** Reads a file the user named, with a clear message when it cannot be read. */
export function readUserFile(argument: string, file: string): Uint8Array {
  if (!existsSync(file)) throw new InvalidArgumentError(argument, `no such file: ${file}`);
  if (!statSync(file).isFile()) throw new InvalidArgumentError(argument, `not a file: ${file}`);
  return readFileSync(file);
}

/** Exactly one of --cid and --code-file: the action's CIDv0 (computed from the file when given). */
export async function actionCid(args: { cid?: string; codeFile?: string }): Promise<string> {
  const hasCid = args.cid !== undefined && args.cid !== "";
  const hasFile = args.codeFile !== undefined && args.codeFile !== "";
  if (hasCid === hasFile)
    throw new InvalidArgumentError("action", "give exactly one of --cid <Qm…> and --code-file <file>");
  if (hasCid) {
    cidToBytes(args.cid as string);
    return args.cid as string;
  }
  return cidOf(readUserFile("--code-file", args.codeFile as string));
}
