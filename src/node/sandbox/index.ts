/**
 * The Lit Actions sandbox: `runAction({ code, globals, limits, capabilities }) → result`.
 * See `types.ts` for the interface, `pool.ts` for the host side, `worker.ts` for the isolate side,
 * `prelude.ts` for the in-isolate runtime and `fetchPolicy.ts` for the node's fetch policy.
 */
import { SandboxPool } from "./pool";
import type { RunActionParameters, RunActionResult } from "./types";

export * from "./types";
export { SandboxPool, type SandboxPoolOptions } from "./pool";
export {
  createFetchCapability,
  type FetchCapabilityOptions,
  type FetchReply,
  type FetchRequest,
} from "./fetchCapability";
export {
  checkFetchUrl,
  forbiddenRange,
  FetchPolicyError,
  type FetchPolicy,
  type Resolver,
} from "./fetchPolicy";

let shared: SandboxPool | null = null;

/** Runs an action on a process-wide pool with the default size and limits (started on first use). */
export async function runAction(params: RunActionParameters): Promise<RunActionResult> {
  shared ??= new SandboxPool();
  return shared.runAction(params);
}

/** Stops the process-wide pool, if one was started. */
export async function closeSharedSandbox(): Promise<void> {
  const pool = shared;
  shared = null;
  await pool?.close();
}
