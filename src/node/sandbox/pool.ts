/**
 * The host side of the sandbox: a warm pool of worker processes (each runs one action at a time, every
 * run in a fresh isolate), the capability bridge, and a wall-clock watchdog that kills a worker that
 * misses its own deadline. A worker that dies is replaced; its run reports `WorkerCrashed`.
 */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { HostMessage, WorkerMessage } from "./protocol";
import {
  DEFAULT_LIMITS,
  type Capabilities,
  type LitAuthContext,
  type RunActionParameters,
  type RunActionResult,
  type SandboxErrorInfo,
  type SandboxLimits,
} from "./types";

export interface SandboxPoolOptions {
  /** Worker processes kept warm (default 2). */
  readonly size?: number;
  /** Limits for runs that do not set their own. */
  readonly limits?: Partial<SandboxLimits>;
  /** Extra time the host grants a worker beyond `timeoutMs` before it kills it (default 2000 ms). */
  readonly watchdogGraceMs?: number;
}

interface Worker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  busy: boolean;
  dead: boolean;
  stderr: string;
  /** The runs on this worker (one, plus nested runs of the same request), by run id. */
  readonly runs: Map<number, RunHandlers>;
}

interface RunHandlers {
  onMessage: (message: WorkerMessage) => void;
  onExit: (why: string) => void;
}

const EMPTY_AUTH: LitAuthContext = {
  actionIpfsIdStack: [],
  authSigAddress: null,
  authMethodContexts: [],
  resources: [],
};

function failure(error: SandboxErrorInfo, wallMs = 0): RunActionResult {
  return {
    success: false,
    response: "",
    logs: "",
    error,
    usage: { fetches: 0, signatures: 0, contractCalls: 0, wallMs },
  };
}

function workerEntry(): { file: string; execArgv: string[] } {
  const base = ["--no-node-snapshot", "--disallow-code-generation-from-strings"];
  if (__filename.endsWith(".ts")) {
    return {
      file: path.join(__dirname, "worker.ts"),
      execArgv: [...base, "-r", "ts-node/register/transpile-only"],
    };
  }
  return { file: path.join(__dirname, "worker.js"), execArgv: base };
}

export class SandboxPool {
  readonly size: number;
  readonly limits: SandboxLimits;
  private readonly graceMs: number;
  private readonly workers: Worker[] = [];
  private readonly waiting: ((worker: Worker) => void)[] = [];
  private nextRunId = 1;
  private closed = false;
  /** Workers started (including replacements) and workers that died during a run. */
  readonly stats = { started: 0, crashed: 0 };

  constructor(options: SandboxPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? 2);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.graceMs = options.watchdogGraceMs ?? 2000;
  }

  /** Starts the pool's workers and waits until each has a warm isolate ready. */
  async start(): Promise<void> {
    const keepAlive = setInterval(() => undefined, 1 << 30);
    try {
      while (this.workers.length < this.size) this.spawn();
      await Promise.all(this.workers.map((w) => w.ready));
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Process ids of the live workers (for diagnostics and crash tests). */
  workerPids(): number[] {
    return this.workers.filter((w) => !w.dead).map((w) => w.child.pid ?? -1);
  }

  async close(): Promise<void> {
    this.closed = true;
    const exits = this.workers.map(
      (w) => new Promise<void>((resolve) => (w.dead ? resolve() : w.child.once("exit", () => resolve()))),
    );
    for (const w of this.workers) if (!w.dead) w.child.kill("SIGKILL");
    const keepAlive = setInterval(() => undefined, 1 << 30);
    try {
      await Promise.all(exits);
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Runs one action in a fresh isolate. Never throws: every failure is a result with a typed error. */
  async runAction(params: RunActionParameters): Promise<RunActionResult> {
    const limits: SandboxLimits = { ...this.limits, ...params.limits };
    const codeBytes = Buffer.byteLength(params.code, "utf8");
    if (codeBytes > limits.maxCodeBytes) {
      return failure({
        kind: "CodeTooLarge",
        message: `code of ${codeBytes} bytes exceeds the limit of ${limits.maxCodeBytes} bytes`,
      });
    }
    if (this.closed) return failure({ kind: "SandboxClosed", message: "the sandbox pool is closed" });
    // Workers are unref'd; a pending run keeps the process alive until its result is in.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    try {
      // A worker that dies before it acknowledged the run never started the action: try another one.
      for (let attempt = 0; ; attempt++) {
        const { worker, guest } = await this.acquire(params.nested === true);
        try {
          const outcome = await this.runOn(worker, params, limits);
          if (outcome.started || attempt >= 2) return outcome.result;
        } finally {
          if (!guest) this.release(worker);
        }
      }
    } finally {
      clearInterval(keepAlive);
    }
  }

  private runOn(
    worker: Worker,
    params: RunActionParameters,
    limits: SandboxLimits,
  ): Promise<{ started: boolean; result: RunActionResult }> {
    const id = this.nextRunId++;
    const capabilities: Capabilities = params.capabilities ?? {};
    const started = Date.now();
    return new Promise((resolve) => {
      let settled = false;
      let acknowledged = false;
      const settle = (result: RunActionResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        worker.runs.delete(id);
        resolve({ started: acknowledged, result });
      };
      const watchdog = setTimeout(() => {
        settle(
          failure(
            { kind: "Timeout", message: `the action ran longer than ${limits.timeoutMs} ms (worker killed)` },
            Date.now() - started,
          ),
        );
        this.kill(worker);
      }, limits.timeoutMs + this.graceMs);
      const onExit = (why: string): void => {
        this.stats.crashed++;
        settle(
          failure(
            {
              kind: "WorkerCrashed",
              message: `the sandbox worker died during the run (${why}); it has been replaced`,
            },
            Date.now() - started,
          ),
        );
      };
      const onMessage = (message: WorkerMessage): void => {
        if (message.t === "started" && message.id === id) {
          acknowledged = true;
        } else if (message.t === "done" && message.id === id) {
          settle({ ...message.result, usage: { ...message.result.usage, wallMs: Date.now() - started } });
        } else if (message.t === "call" && message.id === id) {
          void this.serveCall(worker, capabilities, message.callId, message.name, message.args);
        }
      };
      worker.runs.set(id, { onMessage, onExit });
      const request: HostMessage = {
        t: "run",
        id,
        code: params.code,
        jsParams: params.globals?.jsParams ?? {},
        auth: params.globals?.auth ?? EMPTY_AUTH,
        limits,
        capabilityNames: Object.keys(capabilities),
      };
      worker.child.send(request, (error) => {
        if (error !== null && error !== undefined) {
          // Never pick this worker again; its exit event replaces it.
          this.kill(worker);
          worker.dead = true;
          settle(
            failure({ kind: "WorkerCrashed", message: `cannot reach the sandbox worker: ${error.message}` }),
          );
        }
      });
    });
  }

  private async serveCall(
    worker: Worker,
    capabilities: Capabilities,
    callId: number,
    name: string,
    args: unknown,
  ): Promise<void> {
    let reply: HostMessage;
    const capability = Object.prototype.hasOwnProperty.call(capabilities, name)
      ? capabilities[name]
      : undefined;
    if (capability === undefined) {
      reply = { t: "reply", callId, ok: false, error: `not available on this node yet: ${name}` };
    } else {
      try {
        reply = { t: "reply", callId, ok: true, value: await capability(args) };
      } catch (error) {
        reply = {
          t: "reply",
          callId,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        };
      }
    }
    if (worker.dead) return;
    try {
      worker.child.send(reply);
    } catch (error) {
      worker.child.send({
        t: "reply",
        callId,
        ok: false,
        error: `${name} returned a value that cannot be copied`,
      });
      void error;
    }
  }

  private spawn(): Worker {
    const { file, execArgv } = workerEntry();
    const child = fork(file, [], {
      execArgv,
      serialization: "advanced",
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      env: { ...process.env, PKP_SANDBOX_MEMORY_MB: String(this.limits.memoryMb) },
    });
    this.stats.started++;
    // Idle workers must not keep the node's process alive; a run in progress does (its watchdog timer).
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    let markReady: () => void = () => undefined;
    const worker: Worker = {
      child,
      ready: new Promise<void>((resolve) => (markReady = resolve)),
      busy: false,
      dead: false,
      stderr: "",
      runs: new Map(),
    };
    child.stderr?.on("data", (chunk: Buffer) => {
      worker.stderr = (worker.stderr + chunk.toString("utf8")).slice(-2000);
    });
    child.on("message", (message: WorkerMessage) => {
      if (message.t === "ready") markReady();
      else if ("id" in message) worker.runs.get(message.id)?.onMessage(message);
    });
    child.on("exit", (code, signal) => {
      worker.dead = true;
      markReady();
      const index = this.workers.indexOf(worker);
      if (index >= 0) this.workers.splice(index, 1);
      const last = worker.stderr.trim().split("\n").slice(-1)[0] ?? "";
      const why = `${signal ?? `exit code ${code}`}${last === "" ? "" : `: ${last}`}`;
      for (const run of [...worker.runs.values()]) run.onExit(why);
      if (!this.closed && this.workers.length < this.size) {
        const replacement = this.spawn();
        void replacement.ready.then(() => this.release(replacement, false));
      }
    });
    this.workers.push(worker);
    return worker;
  }

  private kill(worker: Worker): void {
    if (!worker.dead && worker.child.exitCode === null) worker.child.kill("SIGKILL");
  }

  /**
   * A worker for one run: an idle one (marked busy), or for a nested run with none idle, a busy one as
   * a guest (a worker runs several isolates at once; the nested run belongs to the same request as
   * the run it waits for, so they share the process and never wait for each other's worker).
   */
  private async acquire(nested = false): Promise<{ worker: Worker; guest: boolean }> {
    for (;;) {
      const idle = this.workers.find((w) => !w.busy && !w.dead && w.child.connected);
      if (idle !== undefined) {
        idle.busy = true;
        await idle.ready;
        if (!idle.dead) return { worker: idle, guest: false };
        continue;
      }
      if (this.workers.length < this.size) {
        this.spawn();
        continue;
      }
      if (nested) {
        const host = this.workers
          .filter((w) => !w.dead && w.child.connected)
          .sort((a, b) => a.runs.size - b.runs.size)[0];
        if (host !== undefined) {
          await host.ready;
          if (!host.dead) return { worker: host, guest: true };
          continue;
        }
      }
      const worker = await new Promise<Worker>((resolve) => this.waiting.push(resolve));
      if (!worker.dead) return { worker, guest: false };
    }
  }

  private release(worker: Worker, wasBusy = true): void {
    if (wasBusy) worker.busy = false;
    if (worker.dead || worker.busy) return;
    const next = this.waiting.shift();
    if (next !== undefined) {
      worker.busy = true;
      next(worker);
    }
  }
}
