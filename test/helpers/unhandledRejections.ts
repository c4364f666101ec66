/**
 * Mocha root hooks (hardhat.config.ts `mocha.rootHooks`) that make a promise rejection nobody handles
 * fail the test run. Without them Mocha re-emits such a rejection on `process`, where no one listens,
 * and it is lost: a test whose stray promise rejects still passes.
 *
 * The listener is installed for the run only (before all, removed after all), so other tasks that load
 * hardhat.config.ts are unaffected. It throws an error naming the reason: thrown from an
 * `unhandledRejection` listener, it becomes an uncaught exception, which Mocha reports as a failure of
 * the test or hook that is running ("Uncaught UnhandledRejectionError: …"). After all, the run fails
 * again listing every reason, in case one arrived while nothing was running.
 */
import type { RootHookObject } from "mocha";

export class UnhandledRejectionError extends Error {
  override name = "UnhandledRejectionError";
  constructor(readonly reason: unknown) {
    super(`a promise rejected and nothing handled it: ${describe(reason)}`, { cause: reason });
  }
}

function describe(reason: unknown): string {
  if (reason instanceof Error) return reason.stack ?? `${reason.name}: ${reason.message}`;
  try {
    return JSON.stringify(reason) ?? String(reason);
  } catch {
    return String(reason);
  }
}

const reasons: unknown[] = [];
/** Each promise counted once (Mocha's own listener re-emits the event). */
const seen = new WeakSet<Promise<unknown>>();

function onUnhandledRejection(reason: unknown, promise: Promise<unknown>): void {
  if (seen.has(promise)) return;
  seen.add(promise);
  reasons.push(reason);
  throw new UnhandledRejectionError(reason);
}

export const unhandledRejectionHooks: RootHookObject = {
  beforeAll() {
    reasons.length = 0;
    process.on("unhandledRejection", onUnhandledRejection);
  },
  afterAll() {
    process.off("unhandledRejection", onUnhandledRejection);
    if (reasons.length > 0) {
      throw new Error(
        `${reasons.length} unhandled promise rejection(s) during the run:\n` +
          reasons.map((r) => `- ${describe(r)}`).join("\n"),
      );
    }
  },
};
