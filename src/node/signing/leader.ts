/**
 * The signing-session agreement (design § Signing sessions). For a client request id and sigName
 * the leader is the validator first in the order of keccak256(requestId ‖ sigName ‖ nodeAddress).
 * Every node that passed the permission check sends the leader `join {requestId, sigName, pubkey,
 * hash}`; once 2t+1 joins with the same (pubkey, hash) are in, the leader fixes S = the first 2t+1
 * joiners and a free presignature that it owns and every member of S holds, durably marks it
 * assigned, and answers every joiner (then and later) with the same signed decision.
 *
 * A presignature's owner (the only leader that may assign it) is 1 + (id mod N), so two leaders
 * never hand out the same presignature to two requests.
 */
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils";
import { getBytes, keccak256 } from "ethers";
import type { Validator } from "../chain";

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

export function presignatureOwner(id: string, n: number): number {
  return 1 + Number(BigInt("0x" + id) % BigInt(n));
}

/** Re-randomisation entropy of a request: keccak256(requestId ‖ sigName). */
export function requestEntropy(requestId: string, sigName: string): Uint8Array {
  return getBytes(keccak256(concatBytes(utf8ToBytes(requestId), utf8ToBytes("\0"), utf8ToBytes(sigName))));
}

interface Pending {
  groups: Map<string, number[]>;
  decision?: Decision;
  failure?: string;
  waiters: (() => void)[];
  created: number;
}

/**
 * The leader's side: collects joins per request and decides once. `decide` picks and durably
 * assigns the presignature (or throws).
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

  async join(join: JoinRequest, from: number, waitMs: number): Promise<Decision> {
    this.#gc();
    const key = `${join.requestId}\0${join.sigName}`;
    let p = this.#pending.get(key);
    if (p === undefined) {
      p = { groups: new Map(), waiters: [], created: Date.now(), decision: this.recall(key) };
      this.#pending.set(key, p);
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
          p.failure = (e as Error).message;
        }
        const ws = p.waiters;
        p.waiters = [];
        for (const w of ws) w();
      }
    }
    if (p.decision === undefined && p.failure === undefined) {
      const pending = p;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        pending.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (p.failure !== undefined) throw new Error(p.failure);
    if (p.decision === undefined)
      throw new Error(`fewer than ${this.quorum()} nodes joined the signing session`);
    return p.decision;
  }

  #gc(): void {
    const now = Date.now();
    for (const [k, p] of this.#pending)
      if (now - p.created > this.ttlMs && p.waiters.length === 0) this.#pending.delete(k);
  }
}
