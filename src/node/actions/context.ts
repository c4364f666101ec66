/**
 * One Lit Action run as its host functions see it: the node (the part of it actions use), the
 * request, the requester, the call stack of CIDs, the deadline, and what the run accumulates
 * (signed data, the SDK's verification data, claims, used sigNames).
 */
import type { ShareVerificationData, SignedDataEntry } from "../../protocol";
import type { Authenticated } from "../auth";
import type { PkpNode } from "../node";
import type { ActionCoordinator } from "./coordination";
import type { RoundId } from "./round";

/** What of a node the host functions use. */
export type ActionNode = Pick<
  PkpNode,
  "config" | "chain" | "wallet" | "log" | "signingShare" | "networkKeyShare" | "quorum" | "me"
>;

/** Lit's limit of 10 signatures, counted over a request and its child actions together. */
export const MAX_SIGNATURES_PER_REQUEST = 10;

/** A run's signed data and verification data have the protocol's shapes (src/protocol/wire.ts). */
export type { ShareVerificationData, SignedDataEntry };

/** What a run (with its child actions) accumulates besides the response. */
export interface RunOutputs {
  readonly signedData: Record<string, SignedDataEntry>;
  readonly verification: Record<string, ShareVerificationData>;
  readonly claimData: Record<string, { signature: string; derivedKeyId: string }>;
  /** sigNames used by this request (sign, personal sign, sign-and-combine): each may be used once. */
  readonly sigNames: Set<string>;
}

export interface RunContext {
  readonly node: ActionNode;
  readonly coordinator: ActionCoordinator;
  readonly requestId: string;
  /**
   * What `runOnce` and `broadcastAndCollect` are keyed by (round.ts: the request id, the top-level
   * action's CID, its jsParams and its caller, hashed): only nodes running the same share it.
   */
  readonly round: RoundId;
  readonly auth: Authenticated;
  /** CIDs of the running action and its parents; the running one last. */
  readonly stack: readonly string[];
  /**
   * When the top-level run must end (ms since the epoch): the sandbox's limit counted from the first
   * capability call (a run queued behind busy workers has not started its clock yet).
   */
  readonly deadline: () => number;
  readonly outputs: RunOutputs;
  /** Runs a child action by CID (see service.ts). */
  readonly runChild: (
    ipfsId: string,
    params: Record<string, unknown>,
    stack: readonly string[],
  ) => Promise<string>;
}
