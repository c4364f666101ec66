/**
 * Errors of the cryptographic core. Every error about a participant names it (`culprit`, a 1-based
 * participant index, the Shamir x-coordinate), so that a node can exclude it and a test can assert
 * who was blamed.
 */
export class CryptoError extends Error {
  override name = "CryptoError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A participant's contribution failed a check; `culprit` is its index (1-based). */
export class CulpritError extends CryptoError {
  override name = "CulpritError";
  constructor(
    message: string,
    readonly culprit: number,
    options?: { cause?: unknown },
  ) {
    super(`${message} (participant ${culprit})`, options);
  }
}

/** Several participants failed a check at once. */
export class CulpritsError extends CryptoError {
  override name = "CulpritsError";
  constructor(
    message: string,
    readonly culprits: readonly number[],
    options?: { cause?: unknown },
  ) {
    super(`${message} (participants ${culprits.join(", ")})`, options);
  }
}

/** Not enough valid contributions to go on. */
export class ThresholdError extends CryptoError {
  override name = "ThresholdError";
  constructor(
    message: string,
    readonly required: number,
    readonly received: number,
  ) {
    super(`${message}: need ${required}, have ${received}`);
  }
}

/** A single-use secret (a presignature, a round state) was used again. */
export class ReuseError extends CryptoError {
  override name = "ReuseError";
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CryptoError(message);
}
