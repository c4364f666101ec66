/**
 * Errors of the chain-side library. One base class with a short message, optional details and a
 * `cause` chain; subclasses carry named fields so that callers (tasks, tests) can branch on them.
 */
export class ChainError extends Error {
  override name = "ChainError";
  readonly details: string | undefined;
  constructor(message: string, options?: { details?: string; cause?: unknown }) {
    super(options?.details === undefined ? message : `${message}: ${options.details}`, {
      cause: options?.cause,
    });
    this.details = options?.details;
  }
}

/** A value given by the user (a task argument, a function parameter) is malformed. */
export class InvalidArgumentError extends ChainError {
  override name = "InvalidArgumentError";
  constructor(
    readonly argument: string,
    details: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid ${argument}`, { details, cause: options?.cause });
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
