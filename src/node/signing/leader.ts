/**
 * The signing-session agreement (docs/spec/network.md, "Signing sessions"). For a client request id and sigName
 * the leader is the validator first in the order of keccak256(requestId ‖ sigName ‖ nodeAddress).
 * Every node that passed the permission check sends the leader `join {requestId, sigName, pubkey,
 * hash}`; once 2t+1 joins with the same (pubkey, hash) are in, the leader fixes S = the first 2t+1
 * joiners and a free presignature that it owns and every member of S holds, durably marks it
 * assigned, and answers every joiner (then and later) with the same signed decision.
 *
 * A presignature's owner (the only leader that may assign it) is fixed by the coordinator in the
 * batch that makes it (`planPresignatureOwners`) and stored with it, so two leaders never hand out
 * the same presignature to two requests, and every leader gets its share of the pool.
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

/** An owner derived from the id alone (1 + id mod N); the nodes record an explicit owner instead. */
export function presignatureOwner(id: string, n: number): number {
  return 1 + Number(BigInt("0x" + id) % BigInt(n));
}

/**
 * The owners of the next presignature batch, or none. Every owner 1..n should hold
 * ceil(target / n) free presignatures; a refill starts when an owner falls below half of that (at
 * least 1) and, once started (`filling`), continues batch after batch until every owner holds its
 * share. Each presignature of a batch goes to the owner holding fewest at that moment, so the pool
 * overshoots its target by less than n.
 */
export function planPresignatureOwners(
  freeByOwner: ReadonlyMap<number, number>,
  n: number,
  target: number,
  batch: number,
  filling: boolean,
): { owners: number[]; filling: boolean } {
  if (target <= 0 || n <= 0 || batch <= 0) return { owners: [], filling: false };
  const share = Math.ceil(target / n);
  const low = Math.max(1, Math.ceil(share / 2));
  const counts = Array.from({ length: n }, (_, k) => freeByOwner.get(k + 1) ?? 0);
  if (counts.every((c) => c >= share)) return { owners: [], filling: false };
  if (!filling && counts.every((c) => c >= low)) return { owners: [], filling: false };
  const owners: number[] = [];
  while (owners.length < batch) {
    let k = 0;
    for (let j = 1; j < n; j++) if (counts[j] < counts[k]) k = j;
    if (counts[k] >= share) break;
    counts[k]++;
    owners.push(k + 1);
  }
  return { owners, filling: true };
}

interface Pending {
  groups: Map<string, number[]>;
  decision?: Decision;
  failure?: Error;
  waiters: (() => void)[];
  created: number;
  timer?: NodeJS.Timeout;
}

/** The reason of a leader's refusal when too few nodes joined in time (joiners stop asking others). */
export const TOO_FEW_JOINS = "TooFewJoins";
/** The reason of a leader's refusal when it owns no free presignature the signing set holds. */
export const NO_FREE_PRESIGNATURE = "NoFreePresignature";

/**
 * The leader's side: collects joins per request and decides once. `decide` picks and durably
 * assigns the presignature (or throws). The joining window opens with the first join of a request;
 * when it closes without 2t+1 joins the session fails for every joiner, then and later, so no joiner
 * moves on to another leader while this one still decides.
 */
export class LeaderBook {
  readonly #pending = new Map<string, Pending>();

  constructor(
    private readonly quorum: () => number,
    private readonly decide: (join: JoinRequest, signingSet: number[]) => Decision,
    /** A decision made before (durable: a restarted leader repeats it). */
    private readonly recall: (key: string) => Decision | undefined = () => undefined,
    private readonly ttlMs = 5 * 60_000,
  ) {}

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
        decision: this.recall(key),
      };
      p = created;
      this.#pending.set(key, created);
      if (created.decision === undefined) {
        created.timer = setTimeout(() => {
          if (created.decision === undefined && created.failure === undefined) {
            created.failure = new ConflictError(
              `fewer than ${this.quorum()} nodes joined the signing session within ${windowMs} ms`,
              { reason: TOO_FEW_JOINS },
            );
            this.#wake(created);
          }
        }, windowMs);
      }
    }
    if (p.decision === undefined && p.failure === undefined) {
      const g = `${join.pubkey.toLowerCase()}\0${join.hash.toLowerCase()}`;
      const members = p.groups.get(g) ?? [];
      if (!members.includes(from)) members.push(from);
      p.groups.set(g, members);
      if (members.length >= this.quorum()) {
        const set = members.slice(0, this.quorum()).sort((a, b) => a - b);
        try {
          p.decision = this.decide(join, set);
        } catch (e) {
          p.failure = e instanceof Error ? e : new Error(String(e));
        }
        this.#wake(p);
      }
    }
    if (p.decision === undefined && p.failure === undefined) {
      const pending = p;
      await new Promise<void>((resolve) => pending.waiters.push(resolve));
    }
    if (p.failure !== undefined) throw p.failure;
    return p.decision!;
  }

  #wake(p: Pending): void {
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = undefined;
    const ws = p.waiters;
    p.waiters = [];
    for (const w of ws) w();
  }

  #gc(): void {
    const now = Date.now();
    for (const [k, p] of this.#pending)
      if (now - p.created > this.ttlMs && p.waiters.length === 0) this.#pending.delete(k);
  }
}
