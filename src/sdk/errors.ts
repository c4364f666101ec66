/**
 * Errors of the client SDK. One base class with a short message, details and a `cause` chain;
 * subclasses carry named fields so that callers (and tests) can see which node failed and why.
 */
import { DetailedError, InvalidArgumentError, isOfPart, type DetailedErrorOptions } from "../errors";

export type SdkErrorOptions = DetailedErrorOptions;

export class SdkError extends DetailedError {
  override name = "SdkError";

  /** An InvalidArgumentError (shared with src/chain) counts as an SdkError, as this part's own class did. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isOfPart(this, SdkError, value);
  }
}

/** A parameter given to the SDK is malformed (src/errors.ts, shared with src/chain). */
export { InvalidArgumentError };

/** Making a session signature failed (the wallet refused to sign, or signed with another key). */
export class SessionSigningError extends SdkError {
  override name = "SessionSigningError";
}

/** What one node answered when it did not give a usable answer. */
export interface NodeFailure {
  url: string;
  /** HTTP status, or undefined when the node could not be reached. */
  status?: number;
  /** The node's `errorCode`, or a transport error name. */
  code: string;
  reason: string;
}

/** Fewer usable answers than the operation needs; lists every node that failed and why. */
export class QuorumNotReachedError extends SdkError {
  override name = "QuorumNotReachedError";
  readonly required: number;
  readonly received: number;
  readonly failures: readonly NodeFailure[];

  constructor(args: { required: number; received: number; failures: readonly NodeFailure[] }) {
    super(`need ${args.required} node answers, got ${args.received}`, {
      details: args.failures.map(
        (f) => `${f.url}: ${f.status === undefined ? "" : `${f.status} `}${f.code}: ${f.reason}`,
      ),
    });
    this.required = args.required;
    this.received = args.received;
    this.failures = args.failures;
  }
}
