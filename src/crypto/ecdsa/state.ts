/**
 * Single-use secret state: a round's secret is handed to the next round exactly once, so a round
 * cannot be replayed (e.g. answering two different sets of messages with the same polynomials).
 */
import { ReuseError } from "../errors";

export class SingleUse<T> {
  #value: T | undefined;

  constructor(value: T) {
    this.#value = value;
  }

  /** True once the state has been consumed by the next round. */
  get consumed(): boolean {
    return this.#value === undefined;
  }

  take(): T {
    const v = this.#value;
    if (v === undefined) throw new ReuseError("round state already used");
    this.#value = undefined;
    return v;
  }
}
