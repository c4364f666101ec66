/**
 * Child processes of the launcher (the chain and the nodes): output to a log file, exit tracked,
 * stopped with SIGTERM and then SIGKILL after a timeout.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";

export interface ChildSpec {
  /** A short name for messages ("chain", "node 2"). */
  label: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr are appended here. */
  logFile: string;
  /** Descriptors of this process handed to the child as its fd 3, 4, … (a listening socket). */
  passFds?: readonly number[];
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ManagedProcess {
  readonly label: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitInfo>;
  #exit: ExitInfo | undefined;

  constructor(spec: ChildSpec) {
    this.label = spec.label;
    this.logFile = spec.logFile;
    const fd = openSync(spec.logFile, "a", 0o600);
    try {
      this.child = spawn(spec.command, [...spec.args], {
        cwd: spec.cwd,
        env: spec.env ?? process.env,
        stdio: ["ignore", fd, fd, ...(spec.passFds ?? [])],
      });
    } finally {
      closeSync(fd);
    }
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
      this.child.once("error", () => {
        this.#exit ??= { code: null, signal: null };
        resolve(this.#exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Undefined while running. */
  get exit(): ExitInfo | undefined {
    return this.#exit;
  }

  /** The last lines of the log (for error messages). */
  tail(lines = 8): string {
    try {
      return readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited after `timeoutMs`. Resolves once it has exited. */
  async stop(timeoutMs = 5000): Promise<ExitInfo> {
    if (this.#exit) return this.#exit;
    this.signal("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.signal("SIGKILL");
        resolve();
      }, timeoutMs);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    return this.exited;
  }

  /** Sends a signal if the process still runs. */
  signal(signal: NodeJS.Signals): void {
    if (this.#exit) return;
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Whether a process id is alive (signal 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
