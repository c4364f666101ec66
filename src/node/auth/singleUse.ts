/**
 * Auth methods a node accepts once. An EthWallet auth method (a wallet SIWE) or a WebAuthn
 * assertion is not bound to the session it is shown for (Lit's protocol has no field for that), so
 * whoever sees one (a node it was sent to, anyone on the path) could show it again for a session
 * key of its own. Each node therefore takes each one at most once while it is valid: the first
 * request that is granted with it spends it, and any later one is refused with
 * `AuthMethodAlreadyUsed`. Lit's client sends an auth method to each node once per request, so it
 * is not affected; a client that reuses an auth method for a second request must make a fresh one.
 *
 * Memory is bounded: an entry is dropped when the token could no longer be accepted anyway (its
 * `until`), and when `maxEntries` unexpired tokens are held the node refuses new ones
 * (`AuthMethodStoreFull`) rather than forget one that could then be replayed.
 */
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex } from "@noble/hashes/utils";
import { UnauthorizedError } from "../errors";

/** One auth method as the store knows it: a hash of what was signed, and how long to keep it. */
export interface SingleUseToken {
  /** `<kind>:<hex sha256 of the signed content>`. */
  readonly key: string;
  /** After this the token is refused by its own checks (expiry, nonce age), so it may be forgotten. */
  readonly until: Date;
  /** For messages: "the EthWallet auth method of 0x…". */
  readonly what: string;
}

/** The key of a token: its kind and the SHA-256 of its parts (length-prefixed, so unambiguous). */
export function singleUseKey(kind: string, ...parts: readonly Uint8Array[]): string {
  const framed = parts.flatMap((p) => {
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, p.length);
    return [len, p];
  });
  const all = new Uint8Array(framed.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of framed) {
    all.set(p, at);
    at += p.length;
  }
  return `${kind}:${bytesToHex(sha256(all))}`;
}

export class UsedAuthMethods {
  /** key → until (ms since the epoch). */
  readonly #entries = new Map<string, number>();
  #lastPurge = 0;

  constructor(
    readonly maxEntries = 100_000,
    readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** Whether `key` was spent and is still held. */
  has(key: string): boolean {
    const until = this.#entries.get(key);
    return until !== undefined && until > this.now();
  }

  /**
   * Spends every token of one request, or none: refuses (401) if one was spent before, appears twice,
   * or would not fit. Synchronous, so two concurrent requests with one token cannot both pass.
   */
  consume(tokens: readonly SingleUseToken[]): void {
    const now = this.now();
    if (now - this.#lastPurge >= 60_000 || this.#entries.size + tokens.length > this.maxEntries) {
      this.#purge(now);
    }
    const seen = new Set<string>();
    for (const t of tokens) {
      if (seen.has(t.key) || this.has(t.key)) {
        throw new UnauthorizedError(`${t.what} was already used on this node; sign a fresh one`, {
          reason: "AuthMethodAlreadyUsed",
        });
      }
      seen.add(t.key);
    }
    if (this.#entries.size + tokens.length > this.maxEntries) {
      throw new UnauthorizedError("this node holds too many unexpired auth methods; try again later", {
        reason: "AuthMethodStoreFull",
      });
    }
    for (const t of tokens) this.#entries.set(t.key, Math.max(t.until.getTime(), now + 1));
  }

  #purge(now: number): void {
    this.#lastPurge = now;
    for (const [key, until] of this.#entries) if (until <= now) this.#entries.delete(key);
  }
}
