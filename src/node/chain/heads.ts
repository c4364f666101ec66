/**
 * The latest block, as the chain announces it. A node subscribes to new heads
 * (`eth_subscribe("newHeads")` over the RPC URL's WebSocket, which `hardhat node` serves on the same
 * port), so the latest block is the newest one the chain has announced, with no JSON-RPC call per
 * request (docs/performance.md has what a read per request cost the chain). Without a subscription
 * (an HTTP-only RPC, or while the socket is down) the head is read per request again: a JSON-RPC
 * call sent after the request arrived, shared by every request waiting at that moment.
 *
 * Staking's StateChanged / EpochAdvanced come over the same socket (`eth_subscribe("logs")`); where
 * the chain has no subscriptions, the owner polls for them (`pollStaking`).
 */
import type { JsonRpcProvider } from "ethers";
import WebSocket from "ws";

import type { BlockHead } from "./types";

export interface HeadsOptions {
  readonly provider: JsonRpcProvider;
  readonly rpcUrl: string;
  /** Staking's address and the topics of its set-change events. */
  readonly staking: { address: string; topics: () => string[] };
  /** Starts polling for Staking's events (called once, when the chain has no log subscriptions). */
  readonly pollStaking: () => void;
  /** Called when Staking announces a change of the validator set. */
  readonly onStakingChange: () => void;
}

export class Heads {
  /** Blocks by hash (a block's number and timestamp never change). */
  readonly #blocks = new Map<string, BlockHead>();
  #headInFlight: Promise<BlockHead> | undefined;
  #headNext: Promise<BlockHead> | undefined;
  /** The newest head the chain pushed, while the subscription is up (else undefined). */
  #pushed: BlockHead | undefined;
  #socket: WebSocket | undefined;
  #watching = false;
  #headFailures = 0;

  constructor(private readonly options: HeadsOptions) {}

  /** Where `latest` comes from now: heads pushed by the chain, or a read per request. */
  get source(): "subscription" | "per-request" {
    return this.#pushed !== undefined ? "subscription" : "per-request";
  }

  /** The block `tag` (a number tag, "latest", or a 32-byte hash), remembered by hash. */
  async fetchBlock(tag: string): Promise<BlockHead | undefined> {
    const method = tag.length === 66 ? "eth_getBlockByHash" : "eth_getBlockByNumber";
    const raw = (await this.options.provider.send(method, [tag, false])) as {
      number: string;
      hash: string;
      timestamp: string;
    } | null;
    if (raw === null || raw.hash === null) return undefined;
    const head = {
      number: Number(raw.number),
      hash: raw.hash.toLowerCase(),
      timestamp: Number(raw.timestamp),
    };
    this.#remember(head);
    return head;
  }

  /** A block seen before, by hash. */
  known(hash: string): BlockHead | undefined {
    return this.#blocks.get(hash.toLowerCase());
  }

  #remember(head: BlockHead): void {
    if (this.#blocks.size > 4096) this.#blocks.clear();
    this.#blocks.set(head.hash, head);
  }

  /**
   * Subscribes to new heads over the RPC URL's WebSocket (ws:// for http://), and keeps doing so:
   * a lost socket is reopened after a second, and until then heads are read per request. A chain
   * that refuses subscriptions is simply read per request.
   */
  watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    this.#open();
  }

  #open(): void {
    if (!this.#watching) return;
    let url: string;
    try {
      url = new URL(this.options.rpcUrl).href.replace(/^http/, "ws");
    } catch {
      return;
    }
    const socket = new WebSocket(url, { handshakeTimeout: 10_000 });
    this.#socket = socket;
    let subscription: string | undefined;
    let logs: string | undefined;
    socket.on("open", () =>
      socket.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] })),
    );
    socket.on("message", (data) => {
      let m: {
        id?: number;
        result?: unknown;
        method?: string;
        params?: { subscription?: string; result?: unknown };
      };
      try {
        m = JSON.parse(String(data));
      } catch {
        return;
      }
      if (m.id === 1) {
        if (typeof m.result !== "string") {
          // No subscriptions on this endpoint: stay with reads per request, and poll for events.
          this.#watching = false;
          this.options.pollStaking();
          socket.close();
          return;
        }
        subscription = m.result;
        socket.send(
          JSON.stringify({
            jsonrpc: "2.0",
            id: 2,
            method: "eth_subscribe",
            params: [
              "logs",
              { address: this.options.staking.address, topics: [this.options.staking.topics()] },
            ],
          }),
        );
        // Pushes start with the next block: read the current one once.
        void this.fetchBlock("latest")
          .then((h) => {
            if (h !== undefined && this.#socket === socket && (this.#pushed?.number ?? -1) < h.number)
              this.#pushed = h;
          })
          .catch(() => undefined);
        return;
      }
      if (m.id === 2) {
        if (typeof m.result === "string") logs = m.result;
        else this.options.pollStaking();
        return;
      }
      if (m.method === "eth_subscription" && logs !== undefined && m.params?.subscription === logs) {
        this.options.onStakingChange();
        return;
      }
      if (m.method !== "eth_subscription" || m.params?.subscription !== subscription) return;
      const r = m.params?.result as { number?: unknown; hash?: unknown; timestamp?: unknown } | undefined;
      if (typeof r?.number !== "string" || typeof r.hash !== "string" || typeof r.timestamp !== "string")
        return;
      const head = { number: Number(r.number), hash: r.hash.toLowerCase(), timestamp: Number(r.timestamp) };
      if (!Number.isSafeInteger(head.number) || !/^0x[0-9a-f]{64}$/.test(head.hash)) return;
      this.#remember(head);
      // The newest announcement is the latest block (even a lower number: the chain was reverted).
      if (this.#socket === socket) this.#pushed = head;
    });
    socket.on("error", () => undefined); // "close" follows
    socket.on("close", () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#pushed = undefined;
      // A socket that never subscribed counts as a failure: after three, events are polled too;
      // reconnecting backs off to 30 s.
      this.#headFailures = subscription === undefined ? this.#headFailures + 1 : 0;
      if (this.#headFailures >= 3) this.options.pollStaking();
      const delay = Math.min(30_000, 1000 * 2 ** Math.max(0, this.#headFailures - 1));
      if (this.#watching) setTimeout(() => this.#open(), delay).unref();
    });
  }

  /**
   * The latest block, read by a JSON-RPC call sent after this method was called (so it includes
   * every block mined before): callers that arrive while a read is in flight share the next one.
   */
  latest(): Promise<BlockHead> {
    if (this.#pushed !== undefined) return Promise.resolve(this.#pushed);
    if (this.#headNext !== undefined) return this.#headNext;
    const start = (): Promise<BlockHead> => {
      const p = this.fetchBlock("latest").then((h) => {
        if (h === undefined) throw new Error("no latest block");
        return h;
      });
      this.#headInFlight = p;
      void p.then(
        () => this.#headInFlight === p && (this.#headInFlight = undefined),
        () => this.#headInFlight === p && (this.#headInFlight = undefined),
      );
      return p;
    };
    if (this.#headInFlight === undefined) return start();
    const next = this.#headInFlight
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        this.#headNext = undefined;
        return start();
      });
    this.#headNext = next;
    return next;
  }

  /**
   * Whether `hash` is the hash of a block of this chain no older than `maxAgeSec`, measured against
   * `latest` (the chain's latest block, so that a chain whose clock was moved keeps working).
   */
  async isKnownBlockhash(
    hash: string,
    maxAgeSec: number,
    latest: BlockHead | Promise<BlockHead>,
  ): Promise<boolean> {
    if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) return false;
    const known = this.known(hash);
    const [block, head] = await Promise.all([
      known ?? this.fetchBlock(hash.toLowerCase()).catch(() => undefined),
      latest,
    ]);
    if (block === undefined) return false;
    return head.timestamp - block.timestamp <= maxAgeSec;
  }

  destroy(): void {
    this.#watching = false;
    this.#pushed = undefined;
    this.#socket?.terminate();
    this.#socket = undefined;
  }
}
