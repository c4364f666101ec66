/**
 * The one error base of the project's TypeScript side (outside src/crypto, which imports nothing of
 * ours): a short message, details (one line each, appended to the message) and a `cause` chain that
 * `walk()` follows. Each part (chain, sdk, network, node, transport) names its own subclass.
 */
export interface DetailedErrorOptions {
  details?: readonly string[];
  cause?: unknown;
}

export class DetailedError extends Error {
  override name = "DetailedError";
  /** The message without details. */
  readonly shortMessage: string;
  readonly details: readonly string[];

  constructor(shortMessage: string, options: DetailedErrorOptions = {}) {
    const details = options.details ?? [];
    super(
      details.length ? `${shortMessage}\n${details.map((d) => `  - ${d}`).join("\n")}` : shortMessage,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.shortMessage = shortMessage;
    this.details = details;
  }

  /**
   * Follows the `cause` chain from this error (as viem's BaseError.walk does): without a predicate,
   * the deepest cause (this error if it has none); with one, the first error it holds for, this one
   * included, or undefined.
   */
  walk(): unknown;
  walk<T>(predicate: (error: unknown) => error is T): T | undefined;
  walk(predicate: (error: unknown) => boolean): unknown;
  walk(predicate?: (error: unknown) => boolean): unknown {
    return walk(this, predicate);
  }
}

/** `DetailedError.walk` for any thrown value; a cause chain that loops ends where it repeats. */
export function walk(error: unknown, predicate?: (error: unknown) => boolean): unknown {
  const seen = new Set<unknown>();
  let current = error;
  for (;;) {
    if (predicate?.(current)) return current;
    seen.add(current);
    const next =
      typeof current === "object" && current !== null && "cause" in current ? current.cause : undefined;
    if (next === undefined || seen.has(next)) return predicate ? undefined : current;
    current = next;
  }
}

/**
 * A value given by the caller (a task argument, a function or SDK parameter) is malformed. The one
 * class for src/chain and src/sdk (both re-export it); `instanceof ChainError` and `instanceof
 * SdkError` hold for it, as they did for each part's own class.
 */
export class InvalidArgumentError extends DetailedError {
  override name = "InvalidArgumentError";
  constructor(
    readonly argument: string,
    reason: string,
    options?: DetailedErrorOptions,
  ) {
    super(`invalid ${argument}: ${reason}`, options);
  }
}

/**
 * `instanceof` for a part's base class (`base`) that also counts the shared InvalidArgumentError as
 * its own; subclasses of the base keep plain `instanceof`. Use as the base's `[Symbol.hasInstance]`.
 */
export function isOfPart(cls: unknown, base: unknown, value: unknown): boolean {
  if (cls === base && value instanceof InvalidArgumentError) return true;
  return Function.prototype[Symbol.hasInstance].call(cls, value);
}
