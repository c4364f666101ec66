/**
 * The signing-session agreement (docs/spec/network.md, "Signing sessions"). For a client request id and sigName
 * the leader is the validator first in the order of keccak256(requestId ‖ sigName ‖ nodeAddress).
 * Every node that passed the permission check sends the leader `join {requestId, sigName, pubkey,
 * hash}`. A leader assigns only presignatures it owns, and each was made for one signing set (the
 * 2t+1 nodes that made it, background/presignPool.ts): once the joins with the same (pubkey, hash)
 * include the whole set of one of its free presignatures, the leader decides S = that set, durably
 * marks the presignature assigned, and answers every joiner (then and later) with the same signed
 * decision. No set fits yet: it waits for more joins, then, while its pool refills, for a
 * presignature of the nodes that joined (`retry`), up to a bound; a pool that cannot refill is
 * refused at once.
 */
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils";
import { getBytes, keccak256 } from "ethers";
import type { Validator } from "../chain";
import { ConflictError } from "../errors";

export interface JoinRequest {
  requestId: string;
  sigName: string;
  /** SEC1 uncompressed hex with 0x. */
  pubkey: string;
  /** 32-byte digest hex with 0x. */
  hash: string;
}

export interface Decision {
  requestId: string;
  sigName: string;
  pubkey: string;
  hash: string;
  signingSet: number[];
  presignatureId: string;
}

export function leaderOrder(
  requestId: string,
  sigName: string,
  validators: readonly Validator[],
): Validator[] {
  const score = (v: Validator) =>
    BigInt(keccak256(concatBytes(utf8ToBytes(requestId), utf8ToBytes(sigName), getBytes(v.nodeAddress))));
  return [...validators]
    .map((v) => ({ v, s: score(v) }))
    .sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : 0))
    .map((x) => x.v);
}

interface Pending {
  /** Joiners by (pubkey, hash), in arrival order, with the join that opened each group. */
  groups: Map<string, { join: JoinRequest; members: number[] }>;
  decision?: Decision;
  failure?: Error;
  waiters: (() => void)[];
  created: number;
  /** The join window closed with a quorum but no presignature for it: waiting for a refill. */
  waitingForPool: boolean;
  /** A quorum joined without this leader: it is refused unless the leader's own join comes soon. */
  selfTimer?: NodeJS.Timeout;
  timer?: NodeJS.Timeout;
}

/** The reason of a leader's refusal when too few nodes joined in time (joiners stop asking others). */
export const TOO_FEW_JOINS = "TooFewJoins";
/** The reason of a leader's refusal when it owns no free presignature the joiners can use. */
export const NO_FREE_PRESIGNATURE = "NoFreePresignature";

export interface LeaderOptions {
  /** 2t+1. */
  quorum(): number;
  /** How many validators answer (no more joins are to be expected once they all joined). */
  live(): number;
  /** This leader's own index: every presignature it owns needs it among the joiners. */
  me(): number;
  /** How long a quorum of joins waits for the leader's own join before it is refused (default 1 s). */
  selfGraceMs?: number;
  /**
   * Picks and durably assigns a free presignature whose signing set the joiners include, or returns
   * undefined when none fits (it may throw for a refusal).
   */
  decide(join: JoinRequest, joiners: readonly number[]): Decision | undefined;
  /** Whether this leader's pool is refilling (a presignature for the joiners may come). */
  refilling(): boolean;
  /** A decision made before (durable: a restarted leader repeats it). */
  recall?(key: string): Decision | undefined;
  /** How long a request waits for the pool to refill after its join window. */
  poolWaitMs: number;
  ttlMs?: number;
}

/**
 * The leader's side: collects joins per request and decides once. The joining window opens with the
 * first join of a request; when it closes without 2t+1 joins the session fails for every joiner,
 * then and later, so no joiner moves on to another leader while this one still decides.
 */
export class LeaderBook {
  readonly #pending = new Map<string, Pending>();

  constructor(private readonly options: LeaderOptions) {}

  /** Joins the session of `join` as participant `from`; `windowMs` opens the window if this is the first join. */
  async join(join: JoinRequest, from: number, windowMs: number): Promise<Decision> {
    this.#gc();
    const key = `${join.requestId}\0${join.sigName}`;
    let p = this.#pending.get(key);
    if (p === undefined) {
      const created: Pending = {
        groups: new Map(),
        waiters: [],
        created: Date.now(),
        waitingForPool: false,
        decision: this.options.recall?.(key),
      };
      p = created;
      this.#pending.set(key, created);
      if (created.decision === undefined)
        created.timer = setTimeout(() => this.#windowClosed(created), windowMs);
    }
    if (p.decision === undefined && p.failure === undefined) {
      const g = `${join.pubkey.toLowerCase()}\0${join.hash.toLowerCase()}`;
      const group = p.groups.get(g) ?? { join, members: [] };
      if (!group.members.includes(from)) group.members.push(from);
      p.groups.set(g, group);
      this.#tryDecide(p);
      this.#awaitSelf(p, group.members);
      // Everyone who answers joined and nothing fits: no later join can help, so stop waiting for one.
      if (
        p.decision === undefined &&
        p.failure === undefined &&
        !p.waitingForPool &&
        group.members.length >= Math.max(this.options.live(), this.options.quorum())
      )
        this.#windowClosed(p);
    }
    if (p.decision === undefined && p.failure === undefined) {
      const pending = p;
      await new Promise<void>((resolve) => pending.waiters.push(resolve));
    }
    if (p.failure !== undefined) throw p.failure;
    return p.decision!;
  }

  /** The pool changed (presignatures stored or confirmed): requests still waiting try again. */
  retry(): void {
    for (const p of this.#pending.values())
      if (p.decision === undefined && p.failure === undefined) this.#tryDecide(p);
  }

  #tryDecide(p: Pending): void {
    const quorum = this.options.quorum();
    for (const { join, members } of p.groups.values()) {
      if (members.length < quorum) continue;
      try {
        const d = this.options.decide(
          join,
          [...members].sort((a, b) => a - b),
        );
        if (d === undefined) continue;
        p.decision = d;
      } catch (e) {
        p.failure = e instanceof Error ? e : new Error(String(e));
      }
      this.#wake(p);
      return;
    }
  }

  /**
   * A quorum joined but not this leader (the client did not ask it): no presignature it owns can
   * fit, so unless its own join comes within the grace, everyone is sent on to the next leader.
   */
  #awaitSelf(p: Pending, members: readonly number[]): void {
    if (p.decision !== undefined || p.failure !== undefined || p.selfTimer !== undefined) return;
    if (members.length < this.options.quorum() || members.includes(this.options.me())) return;
    p.selfTimer = setTimeout(() => {
      if (p.decision !== undefined || p.failure !== undefined) return;
      if ([...p.groups.values()].some((g) => g.members.includes(this.options.me()))) return;
      p.failure = new ConflictError(
        "the leader is not among the nodes that joined, and every presignature it owns needs it",
        { reason: NO_FREE_PRESIGNATURE },
      );
      this.#wake(p);
    }, this.options.selfGraceMs ?? 1000);
  }

  /** The join window closed (or every live validator joined) without a decision. */
  #windowClosed(p: Pending): void {
    if (p.decision !== undefined || p.failure !== undefined || p.waitingForPool) return;
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = undefined;
    const quorum = this.options.quorum();
    const largest = Math.max(0, ...[...p.groups.values()].map((g) => g.members.length));
    if (largest < quorum) {
      p.failure = new ConflictError(`fewer than ${quorum} nodes joined the signing session in time`, {
        reason: TOO_FEW_JOINS,
      });
      this.#wake(p);
      return;
    }
    if (!this.options.refilling()) {
      p.failure = new ConflictError(
        "the leader has no free presignature for the nodes that joined, and its pool is not refilling",
        { reason: NO_FREE_PRESIGNATURE },
      );
      this.#wake(p);
      return;
    }
    p.waitingForPool = true;
    p.timer = setTimeout(() => {
      if (p.decision !== undefined || p.failure !== undefined) return;
      p.failure = new ConflictError(
        `the leader's pool made no presignature for the nodes that joined within ${this.options.poolWaitMs} ms`,
        { reason: NO_FREE_PRESIGNATURE },
      );
      this.#wake(p);
    }, this.options.poolWaitMs);
  }

  #wake(p: Pending): void {
    if (p.timer !== undefined) clearTimeout(p.timer);
    if (p.selfTimer !== undefined) clearTimeout(p.selfTimer);
    p.timer = undefined;
    const ws = p.waiters;
    p.waiters = [];
    for (const w of ws) w();
  }

  #gc(): void {
    const now = Date.now();
    const ttl = this.options.ttlMs ?? 5 * 60_000;
    for (const [k, p] of this.#pending)
      if (now - p.created > ttl && p.waiters.length === 0) this.#pending.delete(k);
  }
}
