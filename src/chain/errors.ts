/**
 * Errors of the chain-side library, on the project's one base (`DetailedError`, src/errors.ts): a
 * short message, optional details and a `cause` chain; subclasses carry named fields so that callers
 * (tasks, tests) can branch on them. The message reads "message: details" on one line.
 */
import { DetailedError, InvalidArgumentError, isOfPart } from "../errors";

export { InvalidArgumentError };

export class ChainError extends DetailedError {
  override name = "ChainError";
  constructor(message: string, options?: { details?: string; cause?: unknown }) {
    super(message, {
      details: options?.details === undefined ? [] : [options.details],
      cause: options?.cause,
    });
    this.message = options?.details === undefined ? message : `${message}: ${options.details}`;
  }

  /** An InvalidArgumentError (shared with the SDK) counts as a ChainError, as this part's own class did. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isOfPart(this, ChainError, value);
  }
}

/** A string that should be an IPFS CIDv0 ("Qm…", base58btc sha2-256 multihash) is not one. */
export class InvalidCidError extends ChainError {
  override name = "InvalidCidError";
  constructor(
    readonly value: string,
    details: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid IPFS CIDv0 ${JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)}`, {
      details,
      cause: options?.cause,
    });
  }
}

/** No deployment of the PKP contracts is known for this chain, or its address file is malformed. */
export class DeploymentError extends ChainError {
  override name = "DeploymentError";
}

/** The token id is neither minted nor routed on this deployment. */
export class UnknownTokenError extends ChainError {
  override name = "UnknownTokenError";
  constructor(readonly tokenId: bigint) {
    super(`unknown PKP token id ${tokenId.toString()}`, {
      details: "not routed by PubkeyRouter on this deployment",
    });
  }
}

/** An operation reserved for development chains (31337, 1337) was asked of another chain. */
export class NotDevChainError extends ChainError {
  override name = "NotDevChainError";
  constructor(readonly chainId: bigint) {
    super(`refusing to run on chain ${chainId.toString()}`, {
      details: "development keys are routed only on development chains (31337, 1337)",
    });
  }
}

/** A contract call reverted; `errorName`/`errorArgs` hold the decoded custom error when known. */
export class ContractRevertError extends ChainError {
  override name = "ContractRevertError";
  constructor(
    readonly contract: string,
    readonly method: string,
    readonly errorName: string | undefined,
    readonly errorArgs: readonly unknown[],
    options?: { cause?: unknown },
  ) {
    super(
      `${contract}.${method} reverted${
        errorName === undefined ? "" : ` with ${errorName}(${errorArgs.map((a) => String(a)).join(", ")})`
      }`,
      options,
    );
  }
}
