/**
 * Which validators answer, as this node sees it: every validator's `/status` is probed every
 * `intervalMs` (in parallel, each probe bounded by `timeoutMs`), and a validator counts as live
 * while its last probe succeeded. The presignature pool picks live signing sets from it, the
 * coordinator is the first live validator, and a validator down for long is what a kick vote needs
 * (`downForMs`).
 */
import { request } from "../../transport";
import type { Validator } from "../chain";
import type { ValidatorView } from "../view";

interface Seen {
  up: boolean;
  /** When the validator last answered (0: never). */
  lastUp: number;
  /** When it stopped answering (undefined while up). */
  downSince?: number;
}

export class Liveness {
  readonly #seen = new Map<string, Seen>();
  #probing: Promise<void> | undefined;
  #lastProbe = 0;

  constructor(
    private readonly view: ValidatorView,
    private readonly options: { intervalMs: number; timeoutMs: number; now?: () => number },
  ) {}

  get #now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Probes every validator if the last round is older than the interval (one round at a time). */
  refresh(): Promise<void> {
    if (this.#now - this.#lastProbe < this.options.intervalMs) return Promise.resolve();
    this.#probing ??= this.#probeAll().finally(() => {
      this.#probing = undefined;
    });
    return this.#probing;
  }

  async #probeAll(): Promise<void> {
    this.#lastProbe = this.#now;
    const validators = this.view.validators;
    const up = await Promise.all(validators.map((v) => this.#probe(v)));
    for (const [k, v] of validators.entries()) this.#record(v.nodeAddress, up[k]);
  }

  #record(address: string, up: boolean): void {
    const now = this.#now;
    const seen = this.#seen.get(address) ?? { up: false, lastUp: 0, downSince: now };
    if (up) this.#seen.set(address, { up: true, lastUp: now });
    else this.#seen.set(address, { up: false, lastUp: seen.lastUp, downSince: seen.downSince ?? now });
  }

  /** A send to `v` failed: it counts as down until its next successful probe. */
  markDown(v: Validator): void {
    if (v.nodeAddress !== this.view.address) this.#record(v.nodeAddress, false);
  }

  async #probe(v: Validator): Promise<boolean> {
    if (v.nodeAddress === this.view.address) return true;
    try {
      const res = await request(v.url + "/status", {
        method: "GET",
        timeoutMs: this.options.timeoutMs,
        keepAlive: true,
      });
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** Whether `v` answered its last probe (this node always counts as live). */
  isLive(v: Validator): boolean {
    if (v.nodeAddress === this.view.address) return true;
    return this.#seen.get(v.nodeAddress)?.up === true;
  }

  /** The current validators that answered their last probe, in index order. */
  live(): Validator[] {
    return this.view.validators.filter((v) => this.isLive(v));
  }

  /** How long `v` has not answered (undefined: it is up, or was never probed). */
  downForMs(v: Validator): number | undefined {
    const seen = this.#seen.get(v.nodeAddress);
    if (seen === undefined || seen.up || seen.downSince === undefined) return undefined;
    return this.#now - seen.downSince;
  }
}
