/** The IPC messages between the host (`SandboxPool`) and a sandbox worker process. */
import type { LitAuthContext, RunActionResult, SandboxLimits } from "./types";

export interface RunRequest {
  readonly t: "run";
  readonly id: number;
  readonly code: string;
  readonly jsParams: Readonly<Record<string, unknown>>;
  readonly auth: LitAuthContext;
  readonly limits: SandboxLimits;
  readonly capabilityNames: readonly string[];
}

export interface CallReply {
  readonly t: "reply";
  readonly callId: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: string;
}

export type HostMessage = RunRequest | CallReply;

export type WorkerMessage =
  | { readonly t: "ready" }
  | { readonly t: "started"; readonly id: number }
  | {
      readonly t: "call";
      readonly id: number;
      readonly callId: number;
      readonly name: string;
      readonly args: unknown;
    }
  | { readonly t: "done"; readonly id: number; readonly result: RunActionResult };
