/**
 * The sandbox worker: a child process (forked by `SandboxPool`) that runs one Lit Action at a time, each
 * in a fresh isolated-vm isolate and context that is disposed after the run. A crash or out-of-memory
 * here kills only this process; the host notices and starts another.
 *
 * Started with `--no-node-snapshot` (isolated-vm on Node 20) and `--disallow-code-generation-from-strings`
 * (no `eval`/`Function` from strings in any context this process creates). Talks to the host over IPC
 * (advanced serialization): `run` in, `call` (a capability) out, `reply` in, `done` out.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import ivm from "isolated-vm";
import { BASE_PRELUDE, BASE_PRELUDE_FILENAME, PRELUDE, PRELUDE_FILENAME } from "./prelude";
import type { WorkerMessage, HostMessage, RunRequest } from "./protocol";
import {
  CONTRACT_CALL_CAPABILITIES,
  SIGNATURE_CAPABILITIES,
  type RunActionResult,
  type SandboxErrorInfo,
  type SandboxLimits,
} from "./types";

const ACTION_FILENAME = "action.js";
const ETHERS_FILENAME = "ethers-5.7.2.umd.min.js";
const ETHERS_WARMUP = `{
  const key = new ethers.utils.SigningKey("0x" + "11".repeat(32));
  const digest = ethers.utils.hashMessage("warm up");
  ethers.utils.recoverAddress(digest, key.signDigest(digest));
}`;
const ETHERS_SOURCE = readFileSync(require.resolve("ethers5/dist/ethers.umd.min.js"), "utf8");

/** V8 code cache for the fixed scripts, produced by the first isolate and reused by every later one. */
let preludeCache: ivm.ExternalCopy<ArrayBuffer> | undefined;
let baseCache: ivm.ExternalCopy<ArrayBuffer> | undefined;
let ethersCache: ivm.ExternalCopy<ArrayBuffer> | undefined;

/*
 * No V8 heap snapshot: isolated-vm's `Isolate.createSnapshot` of the runtime plus ethers v5 deserializes
 * about 3x faster than evaluating ethers, but ethers' keccak256 (js-sha3) is broken in isolates made from
 * it ("Cannot read properties of undefined"), so each isolate evaluates ethers from V8's code cache and
 * the worker prepares the next isolate while it is idle (see `spare`).
 */

interface RunState {
  readonly id: number;
  readonly limits: SandboxLimits;
  readonly isolate: ivm.Isolate;
  fetches: number;
  signatures: number;
  contractCalls: number;
  logs: string[];
  logBytes: number;
  response: string;
  fatal: SandboxErrorInfo | null;
  inflight: number;
  wake: (() => void) | null;
}

/** An isolate with a context, the prelude and ethers loaded, not yet used by any run. */
interface Prepared {
  readonly isolate: ivm.Isolate;
  readonly context: ivm.Context;
  readonly memoryMb: number;
  readonly slot: { run: RunState | null };
  /** Host calls the isolate has started and not yet seen settle (the prelude's counter). */
  readonly pending: ivm.Reference<() => number>;
}

let spare: Promise<Prepared> | null = null;
let nextCallId = 1;
const pendingCalls = new Map<number, (reply: { ok: boolean; value?: unknown; error?: string }) => void>();

function send(message: WorkerMessage): void {
  process.send?.(message);
}

function fail(state: RunState, error: SandboxErrorInfo): void {
  if (state.fatal !== null) return;
  state.fatal = error;
  // Dispose outside any callback the isolate is blocked on; this aborts whatever the action is running.
  setImmediate(() => {
    if (!state.isolate.isDisposed) state.isolate.dispose();
    state.wake?.();
  });
}

async function compileCached(
  isolate: ivm.Isolate,
  source: string,
  filename: string,
  cache: ivm.ExternalCopy<ArrayBuffer> | undefined,
): Promise<{ script: ivm.Script; produced?: ivm.ExternalCopy<ArrayBuffer> }> {
  if (cache !== undefined) {
    const script = await isolate.compileScript(source, { filename, cachedData: cache });
    if ((script as ivm.Script & { cachedDataRejected?: boolean }).cachedDataRejected !== true)
      return { script };
  }
  const script = await isolate.compileScript(source, { filename, produceCachedData: true });
  return { script, produced: (script as ivm.Script & ivm.CachedDataResult).cachedData };
}

async function prepare(memoryMb: number): Promise<Prepared> {
  const isolate = new ivm.Isolate({ memoryLimit: memoryMb });
  const context = await isolate.createContext();
  const slot: { run: RunState | null } = { run: null };
  const jail = context.global;
  await jail.set(
    "__lit_host",
    new ivm.Reference((name: string, args: unknown) => hostCall(slot, name, args)),
  );
  await jail.set(
    "__lit_sync",
    new ivm.Reference((kind: string, payload: string) => syncCall(slot, kind, payload)),
  );
  const base = await compileCached(isolate, BASE_PRELUDE, BASE_PRELUDE_FILENAME, baseCache);
  baseCache ??= base.produced;
  await base.script.run(context);
  const ethers = await compileCached(isolate, ETHERS_SOURCE, ETHERS_FILENAME, ethersCache);
  ethersCache ??= ethers.produced;
  await ethers.script.run(context);
  const prelude = await compileCached(isolate, PRELUDE, PRELUDE_FILENAME, preludeCache);
  preludeCache ??= prelude.produced;
  await prelude.script.run(context);
  const pending = (await jail.get("__lit_pending", { reference: true })) as ivm.Reference<() => number>;
  await jail.delete("__lit_pending");
  // Build ethers' lazily made secp256k1 tables now, before any run, so actions that sign or recover
  // do not pay for them (trusted code; the isolate has not seen any action yet).
  await context.eval(ETHERS_WARMUP);
  await context.eval("__lit_lockdown()");
  return { isolate, context, memoryMb, slot, pending };
}

function syncCall(slot: { run: RunState | null }, kind: string, payload: string): boolean | Uint8Array {
  if (kind === "random") {
    const n = Number(payload);
    if (!Number.isInteger(n) || n < 0 || n > 65536) return false;
    return new Uint8Array(randomBytes(n));
  }
  const state = slot.run;
  // Before a run starts (loading ethers), console output has nowhere to go and is dropped.
  if (state === null) return kind === "log";
  if (state.fatal !== null) return false;
  const bytes = Buffer.byteLength(payload, "utf8");
  if (kind === "log") {
    state.logBytes += bytes + 1;
    if (state.logBytes > state.limits.maxLogBytes) {
      fail(state, {
        kind: "LogsTooLarge",
        message: `logs exceed the limit of ${state.limits.maxLogBytes} bytes`,
      });
      return false;
    }
    state.logs.push(payload);
    return true;
  }
  if (kind === "response") {
    if (bytes > state.limits.maxResponseBytes) {
      fail(state, {
        kind: "ResponseTooLarge",
        message: `response of ${bytes} bytes exceeds the limit of ${state.limits.maxResponseBytes} bytes`,
      });
      return false;
    }
    state.response = payload;
    return true;
  }
  return false;
}

/** Counts a capability call against its limit; returns the error if this call is one too many. */
function count(state: RunState, name: string): SandboxErrorInfo | null {
  const { limits } = state;
  if (name === "fetch" && ++state.fetches > limits.maxFetches) {
    return { kind: "TooManyFetches", message: `more than ${limits.maxFetches} fetches` };
  }
  if (SIGNATURE_CAPABILITIES.includes(name) && ++state.signatures > limits.maxSignatures) {
    return { kind: "TooManySignatures", message: `more than ${limits.maxSignatures} signatures` };
  }
  if (CONTRACT_CALL_CAPABILITIES.includes(name) && ++state.contractCalls > limits.maxContractCalls) {
    return { kind: "TooManyContractCalls", message: `more than ${limits.maxContractCalls} contract calls` };
  }
  return null;
}

async function hostCall(
  slot: { run: RunState | null },
  name: string,
  args: unknown,
): Promise<{ ok: boolean; value?: unknown; error?: string }> {
  const state = slot.run;
  if (state === null || state.fatal !== null) return { ok: false, error: "the run has ended" };
  const over = count(state, name);
  if (over !== null) {
    fail(state, over);
    return { ok: false, error: over.message };
  }
  state.inflight++;
  try {
    if (name === "__sleep") {
      const ms = Math.max(0, Math.min(Number((args as { ms?: number })?.ms) || 0, state.limits.timeoutMs));
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { ok: true };
    }
    const callId = nextCallId++;
    const reply = new Promise<{ ok: boolean; value?: unknown; error?: string }>((resolve) => {
      pendingCalls.set(callId, resolve);
    });
    send({ t: "call", id: state.id, callId, name, args });
    return await reply;
  } finally {
    // Let isolated-vm deliver this result into the isolate before the run may count as idle.
    setImmediate(() => {
      state.inflight--;
      state.wake?.();
    });
  }
}

/**
 * Waits until the action has nothing left to do: no capability call in flight on this side, and none
 * started or unsettled inside the isolate (asked of the isolate itself, so a reply still on its way in,
 * or a call still on its way out, is never mistaken for idleness on a loaded machine).
 */
async function drain(state: RunState, pending: ivm.Reference<() => number>): Promise<void> {
  for (;;) {
    if (state.fatal !== null) return;
    if (state.inflight > 0) {
      await new Promise<void>((resolve) => (state.wake = resolve));
      state.wake = null;
      continue;
    }
    const inIsolate = (await pending.apply(undefined, [], { result: { copy: true } })) as number;
    if (state.fatal !== null) return;
    if (inIsolate === 0 && state.inflight === 0) return;
    if (state.inflight === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function actionStack(error: { name?: string; message?: string; stack?: string }): string {
  const lines = String(error.stack ?? "").split("\n");
  const head = `${error.name ?? "Error"}: ${error.message ?? ""}`;
  return [head, ...lines.filter((line) => line.includes(ACTION_FILENAME))].join("\n");
}

function classify(state: RunState, error: unknown): SandboxErrorInfo {
  if (state.fatal !== null) return state.fatal;
  const e = (error ?? {}) as { name?: string; message?: string; stack?: string };
  const message = typeof error === "object" && error !== null ? String(e.message ?? "") : String(error);
  if (/memory limit/i.test(message)) {
    return {
      kind: "MemoryLimit",
      message: `the action exceeded the heap limit of ${state.limits.memoryMb} MB`,
    };
  }
  if (/Array buffer allocation failed/.test(message)) {
    return {
      kind: "MemoryLimit",
      message: `array buffer refused: the heap limit is ${state.limits.memoryMb} MB`,
    };
  }
  if (state.isolate.isDisposed) {
    return {
      kind: "MemoryLimit",
      message: `the isolate was disposed (heap limit ${state.limits.memoryMb} MB)`,
    };
  }
  if (typeof error !== "object" || error === null) {
    return { kind: "ActionError", message: `uncaught ${message}` };
  }
  return { kind: "ActionError", message, stack: actionStack(e) };
}

async function run(request: RunRequest): Promise<RunActionResult> {
  const { limits } = request;
  const started = Date.now();
  let prepared: Prepared;
  const candidate = spare;
  spare = null;
  const ready = candidate === null ? null : await candidate.catch(() => null);
  if (ready !== null && ready.memoryMb === limits.memoryMb && !ready.isolate.isDisposed) {
    prepared = ready;
  } else {
    if (ready !== null && !ready.isolate.isDisposed) ready.isolate.dispose();
    prepared = await prepare(limits.memoryMb);
  }
  const { isolate, context, slot, pending } = prepared;
  const state: RunState = {
    id: request.id,
    limits,
    isolate,
    fetches: 0,
    signatures: 0,
    contractCalls: 0,
    logs: [],
    logBytes: 0,
    response: "",
    fatal: null,
    inflight: 0,
    wake: null,
  };
  slot.run = state;
  const timer = setTimeout(
    () => fail(state, { kind: "Timeout", message: `the action ran longer than ${limits.timeoutMs} ms` }),
    Math.max(0, limits.timeoutMs - (Date.now() - started)),
  );
  let error: SandboxErrorInfo | undefined;
  try {
    await context.evalClosure(
      "__lit_begin($0, $1, $2)",
      [request.jsParams, request.auth, request.capabilityNames],
      {
        arguments: { copy: true },
      },
    );
    let script: ivm.Script;
    try {
      script = await isolate.compileScript(`(async () => {\n${request.code}\n})()`, {
        filename: ACTION_FILENAME,
        lineOffset: -1,
      });
    } catch (e) {
      const se = e as { message?: string; stack?: string };
      throw Object.assign(new Error(String(se.message)), { syntax: true, stack: se.stack });
    }
    await script.run(context, { promise: true, copy: true });
    await drain(state, pending);
    if (state.fatal !== null) error = state.fatal;
  } catch (e) {
    if ((e as { syntax?: boolean }).syntax === true && state.fatal === null) {
      error = { kind: "SyntaxError", message: (e as Error).message };
    } else {
      error = classify(state, e);
    }
  } finally {
    clearTimeout(timer);
    slot.run = null;
    if (!isolate.isDisposed) isolate.dispose();
  }
  return {
    success: error === undefined,
    response: state.response,
    logs: state.logs.join("\n"),
    ...(error === undefined ? {} : { error }),
    usage: {
      fetches: state.fetches,
      signatures: state.signatures,
      contractCalls: state.contractCalls,
      wallMs: Date.now() - started,
    },
  };
}

function prepareSpare(memoryMb: number): Promise<Prepared> {
  // Runs may overlap (a child action runs beside its parent): keep one spare, never drop one unused.
  if (spare !== null) return spare;
  const next = prepare(memoryMb);
  next.catch(() => undefined);
  spare = next;
  return next;
}

process.on("message", (message: HostMessage) => {
  if (message.t === "reply") {
    const resolve = pendingCalls.get(message.callId);
    pendingCalls.delete(message.callId);
    resolve?.(message.ok ? { ok: true, value: message.value } : { ok: false, error: message.error });
    return;
  }
  if (message.t === "run") {
    send({ t: "started", id: message.id });
    run(message)
      .then((result) => send({ t: "done", id: message.id, result }))
      .catch((e: unknown) => {
        const result: RunActionResult = {
          success: false,
          response: "",
          logs: "",
          error: { kind: "WorkerCrashed", message: `sandbox worker error: ${String(e)}` },
          usage: { fetches: 0, signatures: 0, contractCalls: 0, wallMs: 0 },
        };
        send({ t: "done", id: message.id, result });
      })
      .finally(() => prepareSpare(message.limits.memoryMb));
  }
});

process.on("disconnect", () => process.exit(0));

const initialMemoryMb = Number(process.env.PKP_SANDBOX_MEMORY_MB ?? "256");
void prepareSpare(initialMemoryMb).then(
  () => send({ t: "ready" }),
  () => send({ t: "ready" }),
);
