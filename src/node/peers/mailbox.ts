/**
 * Messages received from peers, keyed by (session, kind, round, sender index). A protocol round
 * waits until it has a message from every expected participant or the round timeout passes; the
 * absent ones are then treated as silent by the crypto layer. Old sessions are dropped after a TTL,
 * and the oldest first beyond `maxSlots` (a validator sending rounds of sessions nobody runs fills
 * a bounded map, not the heap).
 */

export interface Delivered {
  readonly from: number;
  readonly payload: unknown;
  /** The opened secret part, if any. */
  readonly secret: unknown;
}

interface Slot {
  readonly messages: Map<number, Delivered>;
  waiters: (() => void)[];
  readonly created: number;
}

export class Mailbox {
  readonly #slots = new Map<string, Slot>();

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly maxSlots = 20_000,
  ) {}

  static key(session: string, kind: string, round: number): string {
    return `${session}\u0000${kind}\u0000${round}`;
  }

  #slot(key: string): Slot {
    let s = this.#slots.get(key);
    if (s === undefined) {
      if (this.#slots.size >= this.maxSlots) this.#slots.delete(this.#slots.keys().next().value as string);
      s = { messages: new Map(), waiters: [], created: Date.now() };
      this.#slots.set(key, s);
    }
    return s;
  }

  /** Stores a message; the first one from a sender for a round wins (a duplicate is ignored). */
  deliver(session: string, kind: string, round: number, message: Delivered): boolean {
    this.#gc();
    const slot = this.#slot(Mailbox.key(session, kind, round));
    if (slot.messages.has(message.from)) return false;
    slot.messages.set(message.from, message);
    const waiters = slot.waiters;
    slot.waiters = [];
    for (const w of waiters) w();
    return true;
  }

  /**
   * Waits until a message from every index in `expected` arrived or `timeoutMs` passed; returns
   * what arrived (from expected senders only).
   */
  async wait(
    session: string,
    kind: string,
    round: number,
    expected: readonly number[],
    timeoutMs: number,
  ): Promise<Map<number, Delivered>> {
    const key = Mailbox.key(session, kind, round);
    const slot = this.#slot(key);
    const complete = () => expected.every((i) => slot.messages.has(i));
    if (!complete()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        const check = () => {
          if (complete()) done();
          else slot.waiters.push(check);
        };
        slot.waiters.push(check);
      });
    }
    const out = new Map<number, Delivered>();
    for (const i of expected) {
      const m = slot.messages.get(i);
      if (m !== undefined) out.set(i, m);
    }
    return out;
  }

  /** Forgets a finished session. */
  drop(session: string): void {
    const prefix = `${session}\u0000`;
    for (const k of this.#slots.keys()) if (k.startsWith(prefix)) this.#slots.delete(k);
  }

  #gc(): void {
    const now = Date.now();
    for (const [k, s] of this.#slots)
      if (now - s.created > this.ttlMs && s.waiters.length === 0) this.#slots.delete(k);
  }

  get size(): number {
    return this.#slots.size;
  }
}
