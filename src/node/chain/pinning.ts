/**
 * Reads pinned to one block. A request's chain reads are all made at one block (`atBlock`, usually
 * the latest head), so a permission check sees one state of the chain. What a contract answered at
 * a block never changes, so pinned reads are remembered for the newest block seen (older blocks are
 * read, never remembered), and a check's usual facts can be fetched in one JSON-RPC batch
 * (`prefetch`). A change mined in block B is seen by every request that arrives after B was mined.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { JsonRpcProvider } from "ethers";

import type { BlockHead } from "./types";

/** One `eth_call` of a batch: its memo key, target, calldata and how to decode its result. */
export interface PrefetchCall {
  readonly key: string;
  readonly to: string;
  readonly data: () => string;
  readonly decode: (ret: string) => unknown;
}

export class PinnedReads {
  readonly #pin = new AsyncLocalStorage<{ block: number; head?: BlockHead }>();
  /** Results of reads pinned to a block, for the newest block seen (older ones are dropped). */
  #memo = new Map<string, Promise<unknown>>();
  #memoBlock = -1;

  constructor(private readonly provider: JsonRpcProvider) {}

  /** Runs `f` with every pinned read in it made at block `block` (and remembered for it). */
  atBlock<T>(block: number, f: () => Promise<T>): Promise<T> {
    return this.#pin.run({ block }, f);
  }

  /** `atBlock(head.number, f)`, and `head` is the latest block inside `f`: one request, one view of the chain. */
  atHead<T>(head: BlockHead, f: () => Promise<T>): Promise<T> {
    return this.#pin.run({ block: head.number, head }, f);
  }

  /** The head `f` of `atHead` runs at, if any. */
  head(): BlockHead | undefined {
    return this.#pin.getStore()?.head;
  }

  /** The block reads are pinned to here, or "latest". */
  blockTag(): number | "latest" {
    return this.#pin.getStore()?.block ?? "latest";
  }

  /** Moves the memo to `block` when it is newer; whether reads at `block` may be remembered. */
  #advance(block: number): boolean {
    if (block > this.#memoBlock) {
      this.#memo = new Map();
      this.#memoBlock = block;
    }
    return block === this.#memoBlock;
  }

  /** `read(blockTag)` once per (key, pinned block); unpinned reads are never remembered. */
  read<T>(key: string, read: (blockTag: number | "latest") => Promise<T>): Promise<T> {
    const tag = this.blockTag();
    if (tag === "latest" || !this.#advance(tag)) return read(tag);
    const hit = this.#memo.get(key) as Promise<T> | undefined;
    if (hit !== undefined) return hit;
    const p = read(tag);
    this.#memo.set(key, p);
    p.catch(() => this.#memo.get(key) === p && this.#memo.delete(key));
    if (this.#memo.size > 20_000) this.#memo.clear();
    return p;
  }

  /**
   * Sends the calls not yet remembered for `block` in one JSON-RPC batch at that block; their results
   * answer later pinned reads with the same keys. Failures are not remembered (the read is made again).
   */
  async prefetch(block: number, calls: readonly PrefetchCall[]): Promise<void> {
    if (!this.#advance(block)) return;
    const missing = calls.filter((c) => !this.#memo.has(c.key));
    if (missing.length === 0) return;
    const tag = "0x" + block.toString(16);
    const batch = this.provider._send(
      missing.map((c, k) => ({
        id: k + 1,
        jsonrpc: "2.0" as const,
        method: "eth_call",
        params: [{ to: c.to, data: c.data() }, tag],
      })),
    );
    for (const [k, c] of missing.entries()) {
      const p = batch.then((results) => {
        const r = results.find((x) => x.id === k + 1) as
          | { result?: string; error?: { message?: string } }
          | undefined;
        if (r === undefined || r.result === undefined)
          throw new Error(`eth_call ${c.key} failed: ${r?.error?.message ?? "no result"}`);
        return c.decode(r.result);
      });
      p.catch(() => this.#memo.get(c.key) === p && this.#memo.delete(c.key));
      if (block === this.#memoBlock) this.#memo.set(c.key, p);
    }
    await batch.catch(() => undefined);
  }
}
