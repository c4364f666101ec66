/**
 * What the nodes running one action agree on over the peer network (signed envelopes, src/node/peers),
 * within the action's round (round.ts: the request id, the top-level action's CID, its jsParams and
 * its caller, hashed). The client picks the request id and may send each node a different body under
 * it, so nothing is shared between runs of different rounds:
 *
 * - `runOnce({name})`: the leader is the validator first in `leaderOrder(requestId, "runOnce\0" + name)`
 *   (the same order the signing sessions use), so every node knows it without talking. The leader runs
 *   the function and keeps its result under (request id, name, round); every other node asks the
 *   leader (`action-runonce`, with its round), whose handler answers with the result of that round
 *   only: once it is in; at once with a `RoundMismatch` refusal if the leader runs a different round
 *   under that request id and name (another action, other jsParams or another caller), which fails the
 *   follower's action; or with a timeout after the wait.
 * - `broadcastAndCollect({name, value})`: every node sends its value to every node
 *   (`action-collect`, with its round); each keeps values under (round, name) and returns only those
 *   sent for its own round, of all validators ordered by node index or, if some have not arrived a
 *   grace period (`timeouts.peerMs`) after 2t+1 did, those it has.
 *
 * Every table is bounded (entries, rounds per runOnce name, value size) and forgets entries after
 * `ttlMs`. A payload that does not match its schema (src/node/peers/payloads.ts) is refused with a 400
 * naming the field.
 */
import type { Validator } from "../chain";
import type { PkpNode } from "../node";
import {
  MAX_COLLECT_VALUE_BYTES,
  collectPayloadSchema,
  parsePeerPayload,
  runOnceQuerySchema,
} from "../peers/payloads";
import { leaderOrder } from "../signing/leader";
import { CapabilityError } from "./args";
import type { RoundId } from "./round";

export { MAX_COLLECT_VALUE_BYTES };

export const RUN_ONCE_KIND = "action-runonce";
export const COLLECT_KIND = "action-collect";
const MAX_ENTRIES = 4096;
/** Different rounds one node may run under one request id and runOnce name. */
const MAX_ROUNDS_PER_NAME = 8;

interface Slot<T> {
  value?: T;
  waiters: (() => void)[];
  created: number;
}

/** A bounded table of values that callers can wait for. */
class WaitTable<T> {
  readonly #slots = new Map<string, Slot<T>>();
  constructor(private readonly ttlMs: number) {}

  slot(key: string): Slot<T> {
    this.#gc();
    let s = this.#slots.get(key);
    if (s === undefined) {
      if (this.#slots.size >= MAX_ENTRIES)
        throw new CapabilityError("too many coordinated actions in flight");
      s = { waiters: [], created: Date.now() };
      this.#slots.set(key, s);
    }
    return s;
  }

  notify(key: string): void {
    const s = this.#slots.get(key);
    if (s === undefined) return;
    const waiters = s.waiters.splice(0);
    for (const w of waiters) w();
  }

  /** Waits until `done(slot)` holds or `ms` pass; returns whether it holds. */
  async wait(key: string, done: (s: Slot<T>) => boolean, ms: number): Promise<boolean> {
    const s = this.slot(key);
    const end = Date.now() + ms;
    while (!done(s)) {
      const left = end - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        s.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  #gc(): void {
    const now = Date.now();
    for (const [k, s] of this.#slots) {
      if (now - s.created > this.ttlMs && s.waiters.length === 0) this.#slots.delete(k);
    }
  }
}

type RunOnceResult = { ok: true; response: unknown } | { ok: false; error: string; reason?: string };

/** The leader's runs of one runOnce name under one request id: round → result (null: running). */
type RunOnceRuns = Map<RoundId, RunOnceResult | null>;

/** Where one run coordinates: the client's request id and the run's round. */
export interface RoundRef {
  readonly requestId: string;
  readonly round: RoundId;
}

const runOnceKey = (requestId: string, name: string) => `${requestId}\0${name}`;

export class ActionCoordinator {
  readonly #runOnce: WaitTable<RunOnceRuns>;
  readonly #collect: WaitTable<Map<number, unknown>>;

  constructor(
    private readonly node: PkpNode,
    ttlMs = 5 * 60_000,
  ) {
    this.#runOnce = new WaitTable(ttlMs);
    this.#collect = new WaitTable(ttlMs);
    node.peers.on(RUN_ONCE_KIND, ({ envelope }) => this.#onRunOnceQuery(envelope.payload));
    node.peers.on(COLLECT_KIND, ({ envelope, from }) => this.#onCollect(envelope.payload, from));
  }

  /** The validator that runs `runOnce(name)` for this request (in whichever round it runs). */
  runOnceLeader(requestId: string, name: string): Validator {
    const order = leaderOrder(requestId, `runOnce\0${name}`, this.node.validators);
    if (order.length === 0) throw new CapabilityError("runOnce: this node knows no validators");
    return order[0];
  }

  isMe(v: Validator): boolean {
    return v.nodeAddress === this.node.address;
  }

  #runs(at: RoundRef, name: string): RunOnceRuns {
    const slot = this.#runOnce.slot(runOnceKey(at.requestId, name));
    slot.value ??= new Map();
    return slot.value;
  }

  /**
   * The leader, before it runs the function: marks its round as running, so that a follower of
   * another round under the same request id and name is refused at once.
   */
  startRunOnce(at: RoundRef, name: string): void {
    const runs = this.#runs(at, name);
    if (runs.has(at.round)) return;
    if (runs.size >= MAX_ROUNDS_PER_NAME)
      throw new CapabilityError(`runOnce: too many different runs of "${name}" under this request id`);
    runs.set(at.round, null);
    this.#runOnce.notify(runOnceKey(at.requestId, name));
  }

  /** The leader's result (its function's value, or "[ERROR] …" as the runtime reports it); first wins. */
  recordRunOnce(at: RoundRef, name: string, response: unknown): void {
    this.startRunOnce(at, name);
    const runs = this.#runs(at, name);
    if (runs.get(at.round) === null) runs.set(at.round, { ok: true, response });
    this.#runOnce.notify(runOnceKey(at.requestId, name));
  }

  /**
   * A follower: asks the leader for its round's result, waiting up to `waitMs`. Throws a
   * CapabilityError, which fails the action, if the leader refuses (another round: `RoundMismatch`).
   */
  async fetchRunOnce(at: RoundRef, name: string, waitMs: number): Promise<unknown> {
    const leader = this.runOnceLeader(at.requestId, name);
    const reply = (await this.node.peers.send(
      leader,
      {
        session: `runonce/${at.requestId}`,
        kind: RUN_ONCE_KIND,
        round: 0,
        payload: { requestId: at.requestId, round: at.round, name, waitMs },
      },
      waitMs + 2000,
    )) as RunOnceResult | undefined;
    if (reply === undefined || typeof reply !== "object")
      throw new CapabilityError("runOnce: the leader gave no answer");
    if (!reply.ok)
      throw new CapabilityError(`runOnce: ${reply.error}`, {
        details: reply.reason === undefined ? [] : [`reason: ${reply.reason}`],
      });
    return reply.response;
  }

  /** The leader answers a follower with the result of the follower's round, never another's. */
  async #onRunOnceQuery(payload: unknown): Promise<RunOnceResult> {
    const p = parsePeerPayload(runOnceQuerySchema, payload, RUN_ONCE_KIND);
    const me = this.node.me?.index;
    if (!this.isMe(this.runOnceLeader(p.requestId, p.name)))
      return {
        ok: false,
        reason: "NotTheLeader",
        error: `node ${me} is not the leader of "${p.name}" for this request`,
      };
    const waitMs = Math.min(Math.max(Number(p.waitMs) || 0, 0), 60_000);
    const answered = (runs: RunOnceRuns) => (runs.get(p.round) ?? null) !== null;
    const foreign = (runs: RunOnceRuns) => !runs.has(p.round) && runs.size > 0;
    await this.#runOnce.wait(
      runOnceKey(p.requestId, p.name),
      (s) => s.value !== undefined && (answered(s.value) || foreign(s.value)),
      waitMs,
    );
    const runs = this.#runs(p, p.name);
    const mine = runs.get(p.round);
    if (mine !== undefined && mine !== null) return mine;
    if (foreign(runs))
      return {
        ok: false,
        reason: "RoundMismatch",
        error:
          `round mismatch: the leader (node ${me}) runs "${p.name}" under this request id for another ` +
          "action, other jsParams or another caller; its result is not this run's",
      };
    return { ok: false, reason: "Timeout", error: `the leader did not run "${p.name}" within ${waitMs} ms` };
  }

  /**
   * Sends `value` to every validator and returns every validator's value for (round, name), in node
   * index order. Waits up to `waitMs` for 2t+1 of them, then up to `timeouts.peerMs` more for the rest
   * (the whole `waitMs` for all would run the action out of time whenever one node is absent).
   */
  async broadcastAndCollect(
    round: RoundId,
    name: string,
    value: unknown,
    waitMs: number,
  ): Promise<unknown[]> {
    const size = Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
    if (size > MAX_COLLECT_VALUE_BYTES)
      throw new CapabilityError(
        `broadcastAndCollect: value is ${size} bytes, the limit is ${MAX_COLLECT_VALUE_BYTES}`,
      );
    const validators = [...this.node.validators];
    const key = `${round}\0${name}`;
    const slot = this.#collect.slot(key);
    slot.value ??= new Map();
    const end = Date.now() + waitMs;
    // Sends run in the background: an unreachable node must not hold up the others.
    void this.node.peers.broadcast(
      validators,
      { session: `collect/${round}`, kind: COLLECT_KIND, round: 0, payload: { round, name, value } },
      undefined,
      Math.min(waitMs, 10_000),
    );
    const count = (s: Slot<Map<number, unknown>>) => s.value?.size ?? 0;
    const quorum = Math.min(this.node.quorum, validators.length);
    await this.#collect.wait(key, (s) => count(s) >= quorum, waitMs);
    const got = slot.value;
    if (got.size < quorum)
      throw new CapabilityError(
        `broadcastAndCollect: only ${got.size} of ${validators.length} nodes sent "${name}" within ${waitMs} ms`,
      );
    const grace = Math.min(this.node.config.timeouts.peerMs, Math.max(0, end - Date.now()));
    await this.#collect.wait(key, (s) => count(s) >= validators.length, grace);
    return [...got.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }

  #onCollect(payload: unknown, from: Validator): { accepted: boolean } {
    const p = parsePeerPayload(collectPayloadSchema, payload, COLLECT_KIND);
    const key = `${p.round}\0${p.name}`;
    const slot = this.#collect.slot(key);
    slot.value ??= new Map();
    if (!slot.value.has(from.index)) slot.value.set(from.index, p.value);
    this.#collect.notify(key);
    return { accepted: true };
  }
}
