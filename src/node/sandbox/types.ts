/**
 * The sandbox's one narrow interface: code, globals, limits and host capabilities in, a result out.
 * The sandbox knows nothing of chains or keys; every effect an action has on the world goes through a
 * capability the node provides, called by name with structured-clone-safe arguments.
 */

/** Each limit is configurable; every one is enforced with a typed error and the host unharmed. */
export interface SandboxLimits {
  /** Wall clock for the whole run, including code after `await`. */
  readonly timeoutMs: number;
  /** V8 heap limit of the run's isolate, in MiB. */
  readonly memoryMb: number;
  readonly maxFetches: number;
  readonly maxSignatures: number;
  readonly maxContractCalls: number;
  /** `setResponse` payload, in UTF-8 bytes. */
  readonly maxResponseBytes: number;
  /** All console output together, in UTF-8 bytes. */
  readonly maxLogBytes: number;
  /** The action's source, in UTF-8 bytes. */
  readonly maxCodeBytes: number;
}

/** Lit's limits (docs/spec/network.md, "Lit Actions"). */
export const DEFAULT_LIMITS: SandboxLimits = Object.freeze({
  timeoutMs: 30_000,
  memoryMb: 256,
  maxFetches: 50,
  maxSignatures: 10,
  maxContractCalls: 30,
  maxResponseBytes: 100 * 1024,
  maxLogBytes: 100 * 1024,
  maxCodeBytes: 16 * 1024 * 1024,
});

/** `Lit.Auth` as an action sees it (frozen inside the isolate). */
export interface LitAuthContext {
  readonly actionIpfsIdStack: readonly string[];
  readonly authSigAddress: string | null;
  readonly authMethodContexts: readonly unknown[];
  readonly resources: readonly unknown[];
  readonly [extra: string]: unknown;
}

/** Globals one run receives: `jsParams` (also each as a global) and `Lit.Auth`. */
export interface SandboxGlobals {
  readonly jsParams?: Readonly<Record<string, unknown>>;
  readonly auth?: LitAuthContext;
}

/**
 * A host function the node provides, called by the action through `Lit.Actions.<name>` (or `fetch`).
 * Arguments and results cross the isolate boundary by structured clone (plain data, Uint8Array, …).
 * A thrown error reaches the action as a rejected promise with the same message.
 */
export type Capability = (args: unknown) => Promise<unknown>;

/**
 * Capabilities by name: `fetch`, `signEcdsa`, `isPermittedAction`, `runOnce`, `call`, … Each receives
 * the action's parameter object as the action passed it (Lit's parameter names) and returns what the
 * `Lit.Actions` function resolves to, except these, whose shapes the runtime defines:
 * - `fetch({url, method, headers, body})` → `{status, statusText, headers, body}` (body: string or
 *   Uint8Array); `createFetchCapability(policy)` is the node's implementation.
 * - `runOnce({stage: "elect", name, waitForResponse})` → `{leader: true}` or `{leader: false, response}`;
 *   the leader's runtime then runs the function and calls `runOnce({stage: "result", name,
 *   waitForResponse, response})` (response: the function's value or "[ERROR] message").
 * A name missing here makes `Lit.Actions.<name>` reject with "not available on this node yet: <name>".
 */
export type Capabilities = Readonly<Record<string, Capability>>;

export interface RunActionParameters {
  /** The action's JavaScript (a Lit Action body: top-level `await` allowed). */
  readonly code: string;
  readonly globals?: SandboxGlobals;
  readonly limits?: Partial<SandboxLimits>;
  readonly capabilities?: Capabilities;
  /**
   * A run started from inside another run (a child action of `Lit.Actions.call`): its parent holds a
   * worker while it waits, so with no idle worker the run shares a busy worker's process (in its own
   * fresh isolate) rather than queueing behind busy ones, which could deadlock.
   */
  readonly nested?: boolean;
}

/** Why a run failed. */
export type SandboxErrorKind =
  | "Timeout"
  | "MemoryLimit"
  | "TooManyFetches"
  | "TooManySignatures"
  | "TooManyContractCalls"
  | "ResponseTooLarge"
  | "LogsTooLarge"
  | "CodeTooLarge"
  | "SyntaxError"
  | "ActionError"
  | "WorkerCrashed"
  | "SandboxClosed";

export interface SandboxErrorInfo {
  readonly kind: SandboxErrorKind;
  /** A short message naming the limit or the action's own error message. */
  readonly message: string;
  /** For `ActionError` and `SyntaxError`: the stack inside the action only (no host frames). */
  readonly stack?: string;
}

/** How much of each counted resource a run used. */
export interface SandboxUsage {
  readonly fetches: number;
  readonly signatures: number;
  readonly contractCalls: number;
  readonly wallMs: number;
}

export interface RunActionResult {
  readonly success: boolean;
  /** What the action passed to `setResponse` ("" if it never did). */
  readonly response: string;
  /** Captured console output, one line per call. */
  readonly logs: string;
  readonly error?: SandboxErrorInfo;
  readonly usage: SandboxUsage;
}

/** Capabilities counted against `maxSignatures`. */
export const SIGNATURE_CAPABILITIES: readonly string[] = [
  "signEcdsa",
  "ethPersonalSignMessageEcdsa",
  "signAndCombineEcdsa",
];

/** Capabilities counted against `maxContractCalls` (each reads or calls a contract on a chain). */
export const CONTRACT_CALL_CAPABILITIES: readonly string[] = [
  "callContract",
  "getLatestNonce",
  "isPermittedAction",
  "isPermittedAddress",
  "isPermittedAuthMethod",
  "getPermittedActions",
  "getPermittedAddresses",
  "getPermittedAuthMethods",
  "getPermittedAuthMethodScopes",
  "pubkeyToTokenId",
  "checkConditions",
  "decryptAndCombine",
  "decryptToSingleNode",
];

/** Every `Lit.Actions` function forwarded to a node capability of the same name. */
export const FORWARDED_ACTIONS: readonly string[] = [
  "signEcdsa",
  "ethPersonalSignMessageEcdsa",
  "signAndCombineEcdsa",
  "isPermittedAction",
  "isPermittedAddress",
  "isPermittedAuthMethod",
  "getPermittedActions",
  "getPermittedAddresses",
  "getPermittedAuthMethods",
  "getPermittedAuthMethodScopes",
  "pubkeyToTokenId",
  "checkConditions",
  "encrypt",
  "decryptAndCombine",
  "decryptToSingleNode",
  "broadcastAndCollect",
  "call",
  "getRpcUrl",
  "getLatestNonce",
  "callContract",
  "claimKey",
  "aesDecrypt",
];
