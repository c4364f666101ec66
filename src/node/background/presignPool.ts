/**
 * The presignature pool of one node: the presignatures it owns, the only ones it may assign as a
 * signing leader (signing/leader.ts). Every node refills its own pool; nobody needs all N nodes.
 *
 * A batch is made by exactly 2t+1 live validators, this node and 2t others (rotated batch after
 * batch), and each of its presignatures can serve that signing set only: the set is stored with
 * every copy, and a holder refuses a decision that names another set or is not signed by the owner
 * (signing/session.ts). With every holder using its copy once, no two requests ever get shares of
 * one presignature from the same node, whatever a malicious owner decides (finding C1 of the
 * security review; docs/architecture.md, "Presignatures").
 *
 * The owner starts a batch with a `presign-start` message to the other members. A member accepts it
 * only from the owner it names, for a set of exactly 2t+1 current validators including both, for at
 * most `MAX_BATCH` presignatures, with at most `MAX_SESSIONS_PER_OWNER` of that owner's batches in
 * flight, and it keeps at most a bounded number of that owner's free presignatures (the oldest go
 * first): one validator cannot make the others compute or store without bound (finding M1).
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";

import type { Validator } from "../chain";
import type { NodeConfig } from "../config";
import { ConflictError } from "../errors";
import {
  parsePeerPayload,
  presignStartPayloadSchema,
  presignStoredPayloadSchema,
  type PresignStartPayload,
} from "../peers/payloads";
import type { Peers } from "../peers/peers";
import { runPresignBatch, type RunContext } from "../protocols/runs";
import type { NodeStore } from "../storage";
import type { ValidatorView } from "../view";
import { HolderConfirmations } from "./holders";
import type { Liveness } from "./liveness";

/** The largest batch a member computes for another owner. */
export const MAX_BATCH = 64;
/** Batches of one owner a member runs at once. */
export const MAX_SESSIONS_PER_OWNER = 2;
/** A leader's wish for a batch among a request's joiners holds this long. */
const WANT_TTL_MS = 30_000;
/** An own presignature some member never confirmed is dropped after this long. */
const UNCONFIRMED_TTL_MS = 10 * 60_000;

const jsonBytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

export interface PresignPoolDeps {
  readonly view: ValidatorView;
  readonly config: Pick<NodeConfig, "pools" | "timeouts">;
  readonly log: Logger;
  readonly store: Pick<
    NodeStore,
    | "freePresignaturesOf"
    | "freePresignaturesByOwner"
    | "insertPresignatures"
    | "addPresignatureHolder"
    | "trimFreePresignatures"
    | "dropUnconfirmedPresignatures"
  >;
  readonly peers: Peers;
  readonly liveness: Liveness;
  /** Presignatures were stored or confirmed: requests waiting for one try again. */
  readonly changed: () => void;
}

export class PresignPool {
  /** The session of this node's own batch in flight (at most one). */
  #own: string | undefined;
  /** Batches of other owners this node runs, by owner. */
  readonly #running = new Map<number, Set<string>>();
  /** Sessions accepted before (a repeated or replayed start is not run again). */
  readonly #seen = new Set<string>();
  readonly #holders: HolderConfirmations;
  #rotation = 0;
  /** Not before this time (ms) after a failed batch. */
  #retryAt = 0;
  #failures = 0;
  #stopped = false;
  #wantedSoon = false;
  /** The joiners of the latest request this node could not decide (a batch for them comes first). */
  #want: { joiners: number[]; at: number } | undefined;

  constructor(private readonly deps: PresignPoolDeps) {
    this.#holders = new HolderConfirmations((ids, holder) => {
      const added = deps.store.addPresignatureHolder(ids, holder);
      if (added > 0) deps.changed();
    });
    deps.peers.on("presign-stored", ({ envelope, from }) => {
      const p = parsePeerPayload(presignStoredPayloadSchema, envelope.payload, "presign-stored");
      this.#holders.confirmed(p.session, from.index, p.ids);
    });
    deps.peers.on("presign-start", ({ envelope, from }) => this.#onStart(envelope.payload, from));
  }

  stop(): void {
    this.#stopped = true;
  }

  /** How many free presignatures each node keeps of its own: ceil(pools.presignatures / N). */
  target(): number {
    return Math.ceil(this.deps.config.pools.presignatures / Math.max(this.deps.view.n, 1));
  }

  /** How many of another owner's free presignatures a member keeps at most. */
  #heldCap(): number {
    return 2 * this.target() + 2 * Math.max(this.deps.config.pools.presignatureBatch, MAX_BATCH);
  }

  /** Own free presignatures whose whole signing set is live and confirmed it holds its share. */
  usable(): number {
    const me = this.deps.view.me;
    if (me === undefined) return 0;
    const live = new Set(this.deps.liveness.live().map((v) => v.index));
    let n = 0;
    for (const p of this.deps.store.freePresignaturesOf(me.index)) {
      const set = p.signingSet;
      if (set === undefined) continue;
      const held = new Set(p.holders);
      if (set.every((i) => live.has(i) && held.has(i))) n++;
    }
    return n;
  }

  /** Whether a batch of this node's own is running or can start (2t+1 validators are live). */
  refilling(): boolean {
    return this.#own !== undefined || this.#liveOthers().length >= 2 * this.deps.view.t;
  }

  /**
   * This node, as a leader, has no presignature for a request whose `joiners` (2t+1 or more) joined:
   * make a batch for a set among them now (the client may have left a node out, so that no set of
   * the pool fits however full it is), rather than at the next step.
   */
  wanted(joiners: readonly number[]): void {
    this.#want = { joiners: [...joiners], at: Date.now() };
    if (this.#wantedSoon) return;
    this.#wantedSoon = true;
    setImmediate(() => {
      this.#wantedSoon = false;
      this.step();
    });
  }

  /** The others a batch may include: live current validators, in index order. */
  #liveOthers(): Validator[] {
    const me = this.deps.view.address;
    return this.deps.liveness.live().filter((v) => v.nodeAddress !== me);
  }

  /** One background step: starts a batch when the pool is below its target and none is running. */
  step(): void {
    const { view, config, store } = this.deps;
    const me = view.me;
    if (this.#stopped || me === undefined || this.#own !== undefined || view.n < 4) return;
    if (Date.now() < this.#retryAt) return;
    store.dropUnconfirmedPresignatures(me.index, Date.now() - UNCONFIRMED_TTL_MS);
    const others = this.#liveOthers();
    const size = 2 * view.t;
    if (others.length < size) return;
    const want =
      this.#want !== undefined && Date.now() - this.#want.at < WANT_TTL_MS ? this.#want : undefined;
    this.#want = undefined;
    let chosen: Validator[];
    const wantedOthers = want && others.filter((v) => want.joiners.includes(v.index));
    if (wantedOthers !== undefined && wantedOthers.length >= size) {
      // A set of the nodes that joined a request nothing fitted.
      chosen = wantedOthers.slice(0, size);
    } else {
      if (this.target() - this.usable() <= 0) return;
      // Rotate over the live others, so that the pool holds sets with every node and a request
      // finds one among whichever 2t+1 nodes joined.
      const start = this.#rotation++ % others.length;
      chosen = Array.from({ length: size }, (_, k) => others[(start + k) % others.length]);
    }
    const participants = [me, ...chosen].sort((a, b) => a.index - b.index);
    const count = Math.min(config.pools.presignatureBatch, MAX_BATCH);
    const session = `presign/${view.epoch}/${me.index}/${Date.now()}/${randomBytes(6).toString("hex")}`;
    this.#own = session;
    void this.#startOwn(session, participants, count).finally(() => {
      this.#own = undefined;
      if (this.#want !== undefined) this.step();
    });
  }

  async #startOwn(session: string, participants: Validator[], count: number): Promise<void> {
    const { view, peers, liveness, log } = this.deps;
    const me = view.me!;
    const payload: PresignStartPayload = {
      session,
      owner: me.index,
      signingSet: participants.map((v) => v.index),
      count,
    };
    const others = participants.filter((v) => v.index !== me.index);
    const answers = await Promise.allSettled(
      others.map((v) => peers.send(v, { session, kind: "presign-start", round: 0, payload })),
    );
    const refused = others.filter((_, k) => answers[k].status === "rejected");
    if (refused.length > 0) {
      for (const v of refused) liveness.markDown(v);
      log.warn({ session, refused: refused.map((v) => v.index) }, "presignature batch not started");
      this.#failed();
      return;
    }
    this.#accept(payload);
    const ok = await this.#run(payload, participants);
    if (ok) this.#failures = 0;
    else this.#failed();
  }

  #failed(): void {
    // 1 s, 2 s, 4 s … up to 30 s between failed batches.
    this.#failures++;
    this.#retryAt = Date.now() + Math.min(30_000, 1000 * 2 ** (this.#failures - 1));
  }

  #onStart(payload: unknown, from: Validator): { accepted: true } {
    const { view, store } = this.deps;
    const p = parsePeerPayload(presignStartPayloadSchema, payload, "presign-start");
    const me = view.me;
    const refuse = (why: string): never => {
      throw new ConflictError(`presignature batch refused: ${why}`, { reason: "PresignStartRefused" });
    };
    if (me === undefined) refuse("this node is not a current validator");
    if (p.owner !== from.index) refuse("a batch is started by its owner only");
    const set = p.signingSet;
    if (set.length !== view.quorum) refuse(`a signing set has ${view.quorum} members, not ${set.length}`);
    if (set.some((i, k) => k > 0 && i <= set[k - 1])) refuse("the signing set is not in ascending order");
    if (!set.includes(me!.index) || !set.includes(p.owner))
      refuse("the signing set must include the owner and this node");
    const participants = set.map((i) => view.validators.find((v) => v.index === i));
    if (participants.some((v) => v === undefined)) refuse("the signing set names a non-validator");
    if (p.count > MAX_BATCH) refuse(`a batch has at most ${MAX_BATCH} presignatures`);
    if (this.#seen.has(p.session)) return { accepted: true };
    if ((this.#running.get(p.owner)?.size ?? 0) >= MAX_SESSIONS_PER_OWNER)
      refuse(`owner ${p.owner} has ${MAX_SESSIONS_PER_OWNER} batches in flight here`);
    if ((store.freePresignaturesByOwner().get(p.owner) ?? 0) >= this.#heldCap())
      refuse(`this node already holds ${this.#heldCap()} free presignatures of owner ${p.owner}`);
    this.#accept(p);
    void this.#run(p, participants as Validator[]);
    return { accepted: true };
  }

  #accept(p: PresignStartPayload): void {
    this.#seen.add(p.session);
    if (this.#seen.size > 10_000) this.#seen.delete(this.#seen.values().next().value as string);
    let running = this.#running.get(p.owner);
    if (running === undefined) {
      running = new Set();
      this.#running.set(p.owner, running);
    }
    running.add(p.session);
  }

  /** Runs one batch and keeps what it made; false when it failed. */
  async #run(p: PresignStartPayload, participants: Validator[]): Promise<boolean> {
    const { view, store, peers, config, log } = this.deps;
    const me = view.me!;
    const started = Date.now();
    const ctx: RunContext = { peers, me, participants, roundMs: config.timeouts.roundMs, log };
    try {
      const out = await runPresignBatch(ctx, view.t, p.session, p.count);
      // Held by this node; every other member is added once it says it stored its share.
      store.insertPresignatures(
        out.map((o) => ({
          id: o.presignature.id,
          holders: [me.index],
          owner: p.owner,
          signingSet: p.signingSet,
          value: jsonBytes(o.presignature.toJSON("uncompressed")),
        })),
      );
      if (p.owner !== me.index) store.trimFreePresignatures(p.owner, this.#heldCap());
      this.#holders.stored(p.session);
      const ids = out.map((o) => o.presignature.id);
      void peers.broadcast(
        participants.filter((v) => v.index !== me.index),
        { session: p.session, kind: "presign-stored", round: 0, payload: { session: p.session, ids } },
      );
      log.info(
        { session: p.session, owner: p.owner, ms: Date.now() - started, count: out.length },
        "presignatures made",
      );
      this.deps.changed();
      return true;
    } catch (e) {
      log.warn(
        { session: p.session, owner: p.owner, err: (e as Error).message },
        "presignature batch failed",
      );
      return false;
    } finally {
      this.#running.get(p.owner)?.delete(p.session);
    }
  }
}
