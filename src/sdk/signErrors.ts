/** Errors of signing with a PKP (subclasses of the SDK's base error). */
import { SdkError, type NodeFailure } from "./errors";

/** A node whose signature share did not verify against the presignature's public data. */
export interface ShareCulprit {
  url: string;
  index: number;
  reason: string;
}

/** Signing failed after every attempt; lists each attempt's failed nodes and why, and any culprit. */
export class PkpSignError extends SdkError {
  override name = "PkpSignError";
  readonly failures: readonly NodeFailure[];
  readonly culprits: readonly ShareCulprit[];
  readonly attempts: number;
  /** Nodes that could not be reached at all (connection refused, timeout). */
  readonly unreachable: readonly string[];

  constructor(args: {
    message: string;
    failures: readonly NodeFailure[];
    culprits: readonly ShareCulprit[];
    attempts: number;
    cause?: unknown;
  }) {
    super(args.message, {
      details: [
        ...args.failures.map(
          (f) => `${f.url}: ${f.status === undefined ? "" : `${f.status} `}${f.code}: ${f.reason}`,
        ),
        ...args.culprits.map((c) => `${c.url} (index ${c.index}) returned a wrong share: ${c.reason}`),
      ],
      cause: args.cause,
    });
    this.failures = args.failures;
    this.culprits = args.culprits;
    this.attempts = args.attempts;
    this.unreachable = [...new Set(args.failures.filter((f) => f.status === undefined).map((f) => f.url))];
  }
}

/** The combined signature does not recover to the PKP's address (a network fault, never a usable result). */
export class SignatureMismatchError extends SdkError {
  override name = "SignatureMismatchError";
}
