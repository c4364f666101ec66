/**
 * Who holds a presignature, as far as its owner may rely on it: a participant counts as a holder
 * only once it said it stored its share (a `presign-stored` notice, signed like every peer message).
 * Taking part in the batch is not enough: a participant whose last round timed out under load sent
 * its round-4 message, so the others saw it, yet stored nothing; a leader that counted it picked
 * signing sets whose member then answered 404 PresignatureNotFound.
 *
 * A notice can arrive before this node has stored its own side of the batch; it is kept until then
 * (for a bounded number of sessions) and applied when the batch is stored.
 */
export class HolderConfirmations {
  /** Batches this node has stored (their notices are applied at once). */
  readonly #stored = new Set<string>();
  /** Notices of batches this node has not stored yet, by session. */
  readonly #pending = new Map<string, { from: number; ids: readonly string[] }[]>();

  constructor(
    /** Records `holder` as holding `ids` (NodeStore.addPresignatureHolder). */
    private readonly record: (ids: readonly string[], holder: number) => void,
    private readonly maxSessions = 256,
  ) {}

  /** Participant `from` stored its shares of `ids`, made in `session`. */
  confirmed(session: string, from: number, ids: readonly string[]): void {
    if (this.#stored.has(session)) {
      this.record(ids, from);
      return;
    }
    let list = this.#pending.get(session);
    if (list === undefined) {
      list = [];
      this.#pending.set(session, list);
      this.#trim(this.#pending);
    }
    list.push({ from, ids });
  }

  /** This node stored its side of `session`: the notices that came first are applied now. */
  stored(session: string): void {
    this.#stored.add(session);
    this.#trim(this.#stored);
    const list = this.#pending.get(session);
    this.#pending.delete(session);
    for (const { from, ids } of list ?? []) this.record(ids, from);
  }

  /** Forgets the oldest sessions beyond the bound (a Set and a Map iterate in insertion order). */
  #trim(entries: Set<string> | Map<string, unknown>): void {
    while (entries.size > this.maxSessions) {
      const oldest = entries.keys().next().value as string;
      entries.delete(oldest);
    }
  }
}
