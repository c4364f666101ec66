/**
 * The one error base of the project's TypeScript side: a short message, details (one line each,
 * appended to the message) and a `cause` chain. Each part (sdk, network) names its own subclass.
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
}
