/**
 * What a node reads from and writes to the chain (ethers v6, JSON-RPC): the validator set of the
 * current epoch (sorted by node address: a validator's index, its Shamir x, is its 1-based position),
 * the epoch, block hashes (session nonces), PKP permissions read at the latest block, root-key votes
 * and key routing.
 *
 * Reads for a request are pinned to one block (`atBlock`): the latest block (`latestHead`). A node
 * subscribes to new heads (`eth_subscribe("newHeads")` over the RPC URL's WebSocket, which
 * `hardhat node` serves on the same port), so the latest block is the newest one the chain has
 * announced, with no JSON-RPC call per request: reading it per request cost every node a call to the
 * single-threaded chain (about 2 ms of the chain's CPU each, ten of them per signature at N = 10).
 * Without a subscription (an HTTP-only RPC, or while the socket is down) the head is read per
 * request again: a JSON-RPC call sent after the request arrived, shared by every request waiting at
 * that moment. What a
 * contract answered at a block never changes, so pinned reads are remembered per block number and a
 * permission check's facts are fetched in one JSON-RPC batch (`prefetchPermission`); a change mined
 * in block B is seen by every request that arrives after B was mined.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  Contract,
  JsonRpcProvider,
  Wallet,
  ZeroAddress,
  getAddress,
  hexlify,
  keccak256,
  type JsonRpcPayload,
  type JsonRpcResult,
  type TypedDataDomain,
} from "ethers";
import WebSocket from "ws";
import { commsKeyFromUint } from "./keys";

const STAKING_ABI = [
  "function getValidatorsStructsInCurrentEpoch() view returns (tuple(uint32 ip, uint128 ipv6, uint32 port, address nodeAddress, uint256 reward, uint256 senderPubKey, uint256 receiverPubKey)[])",
  "function epoch() view returns (tuple(uint256 epochLength, uint256 number, uint256 endTime, uint256 retries, uint256 timeout))",
  "function currentValidatorCountForConsensus() view returns (uint256)",
  "event StateChanged(uint8 newState)",
  "event EpochAdvanced(uint256 number)",
];
const ROUTER_ABI = [
  "function voteForRootKeys(address stakingContract, tuple(bytes pubkey, uint256 keyType)[] newRootKeys)",
  "function getRootKeys(address stakingContract) view returns (tuple(bytes pubkey, uint256 keyType)[])",
  "function setRoutingDataBatch(uint256[] tokenIds, bytes[] pubkeys, address stakingContract, uint256 keyType, tuple(bytes32 r, bytes32 s, uint8 v)[][] signatures)",
  "function isRouted(uint256 tokenId) view returns (bool)",
  "function getPubkey(uint256 tokenId) view returns (bytes)",
];
const PKPNFT_ABI = [
  "function getUnmintedRoutedTokenIdCount(uint256 keyType) view returns (uint256)",
  "function exists(uint256 tokenId) view returns (bool)",
  "function ownerOf(uint256 tokenId) view returns (address)",
  "event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)",
];
const PERMISSIONS_ABI = [
  "function isPermittedAddress(uint256 tokenId, address user) view returns (bool)",
  "function isPermittedAuthMethodScopePresent(uint256 tokenId, uint256 authMethodType, bytes id, uint256 scopeId) view returns (bool)",
  "function isPermittedAction(uint256 tokenId, bytes ipfsCID) view returns (bool)",
];

/** Key types of PubkeyRouter. */
export const KEY_TYPE_BLS = 1n;
export const KEY_TYPE_ECDSA = 2n;
/** Auth method type of an Ethereum address in PKPPermissions. */
export const AUTH_METHOD_ADDRESS = 1n;

export interface Validator {
  /** 1-based position in the list sorted by node address: the Shamir x-coordinate. */
  readonly index: number;
  readonly nodeAddress: string;
  readonly url: string;
  readonly commsKey: Uint8Array;
}

export interface ChainContracts {
  staking: string;
  pubkeyRouter: string;
  pkpNft: string;
  pkpPermissions: string;
}

/** A block as far as the nodes care: its number, hash and timestamp (seconds). */
export interface BlockHead {
  number: number;
  hash: string;
  timestamp: number;
}

export interface RoutingSignature {
  r: string;
  s: string;
  v: number;
}

/** `http://a.b.c.d:port` from a big-endian uint32 IPv4 address. */
export function nodeUrl(ip: bigint | number, port: bigint | number): string {
  const v = Number(ip);
  return `http://${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}:${Number(port)}`;
}

/** Validators sorted by node address ascending, with their 1-based index. */
export function sortValidators(
  list: readonly { nodeAddress: string; url: string; commsKey: Uint8Array }[],
): Validator[] {
  return [...list]
    .sort((a, b) => {
      const x = BigInt(a.nodeAddress);
      const y = BigInt(b.nodeAddress);
      return x < y ? -1 : x > y ? 1 : 0;
    })
    .map((v, k) => Object.freeze({ ...v, nodeAddress: getAddress(v.nodeAddress), index: k + 1 }));
}

/** The token id of a PKP: uint256(keccak256(uncompressed pubkey)). */
export function tokenIdOf(pubkey: Uint8Array | string): bigint {
  return BigInt(keccak256(pubkey));
}

/**
 * A JSON-RPC provider that retries a request whose connection was closed under it (a keep-alive
 * socket the chain closed): `socket hang up`, `ECONNRESET`.
 */
class RetryingProvider extends JsonRpcProvider {
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    let last: unknown;
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        return await super._send(payload);
      } catch (e) {
        last = e;
        if (!/socket hang up|ECONNRESET|other side closed|EPIPE/i.test(String((e as Error)?.message ?? e)))
          throw e;
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
    }
    throw last;
  }
}

export class Chain {
  readonly provider: JsonRpcProvider;
  readonly wallet: Wallet;
  readonly signer: Wallet;
  #txQueue: Promise<unknown> = Promise.resolve();
  readonly staking: Contract;
  readonly router: Contract;
  readonly pkpNft: Contract;
  readonly permissions: Contract;
  readonly #pin = new AsyncLocalStorage<{ block: number; head?: BlockHead }>();
  /** Results of reads pinned to a block, for the newest block seen (older ones are dropped). */
  #memo = new Map<string, Promise<unknown>>();
  #memoBlock = -1;
  /** Blocks by hash (a block's number and timestamp never change). */
  readonly #blocks = new Map<string, BlockHead>();
  #headInFlight: Promise<BlockHead> | undefined;
  #headNext: Promise<BlockHead> | undefined;
  /** The newest head the chain pushed, while the subscription is up (else undefined). */
  #pushed: BlockHead | undefined;
  #socket: WebSocket | undefined;
  #watching = false;
  /** Called when Staking announces a change of the validator set (StateChanged, EpochAdvanced). */
  readonly #stakingListeners: (() => void)[] = [];
  #stakingPolled = false;
  #headFailures = 0;

  constructor(
    readonly rpcUrl: string,
    readonly chainId: number,
    nodePrivateKey: string,
    readonly contracts: ChainContracts,
  ) {
    this.provider = new RetryingProvider(rpcUrl, chainId, {
      staticNetwork: true,
      batchMaxCount: 1,
      cacheTimeout: -1,
    });
    this.provider.pollingInterval = 500;
    this.wallet = new Wallet(nodePrivateKey, this.provider);
    this.signer = this.wallet;
    this.staking = new Contract(contracts.staking, STAKING_ABI, this.provider);
    this.router = new Contract(contracts.pubkeyRouter, ROUTER_ABI, this.signer);
    this.pkpNft = new Contract(contracts.pkpNft, PKPNFT_ABI, this.provider);
    this.permissions = new Contract(contracts.pkpPermissions, PERMISSIONS_ABI, this.provider);
  }

  /** Runs transactions of this node one at a time (each takes its nonce from the chain). */
  #serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.#txQueue.then(f, f);
    this.#txQueue = next.catch(() => undefined);
    return next;
  }

  get address(): string {
    return this.wallet.address;
  }

  async validators(): Promise<Validator[]> {
    const raw = (await this.staking.getValidatorsStructsInCurrentEpoch()) as {
      ip: bigint;
      port: bigint;
      nodeAddress: string;
      senderPubKey: bigint;
    }[];
    return sortValidators(
      raw.map((v) => ({
        nodeAddress: v.nodeAddress,
        url: nodeUrl(v.ip, v.port),
        commsKey: commsKeyFromUint(v.senderPubKey),
      })),
    );
  }

  async epochNumber(): Promise<number> {
    const e = (await this.staking.epoch()) as { number: bigint };
    return Number(e.number);
  }

  async latestBlockhash(): Promise<string> {
    return (await this.latestHead()).hash;
  }

  async #fetchBlock(tag: string): Promise<BlockHead | undefined> {
    const method = tag.length === 66 ? "eth_getBlockByHash" : "eth_getBlockByNumber";
    const raw = (await this.provider.send(method, [tag, false])) as {
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
    if (this.#blocks.size > 4096) this.#blocks.clear();
    this.#blocks.set(head.hash, head);
    return head;
  }

  /** Where `latestHead` comes from now: heads pushed by the chain, or a read per request. */
  get headSource(): "subscription" | "per-request" {
    return this.#pushed !== undefined ? "subscription" : "per-request";
  }

  /**
   * Calls `listener` when Staking announces a change of the validator set. The announcements come
   * over the same WebSocket as the heads (`eth_subscribe("logs")`); where the chain has no
   * subscriptions, through ethers' event polling (an `eth_blockNumber` every 500 ms per node, which
   * at N = 10 was most of the chain's idle load).
   */
  onStakingChange(listener: () => void): void {
    this.#stakingListeners.push(listener);
  }

  #stakingTopics(): string[] {
    return ["StateChanged", "EpochAdvanced"].map((name) => this.staking.interface.getEvent(name)!.topicHash);
  }

  #pollStaking(): void {
    if (this.#stakingPolled) return;
    this.#stakingPolled = true;
    const call = () => {
      for (const f of this.#stakingListeners) f();
    };
    void this.staking.on("StateChanged", call).catch(() => undefined);
    void this.staking.on("EpochAdvanced", call).catch(() => undefined);
  }

  /**
   * Subscribes to new heads over the RPC URL's WebSocket (ws:// for http://), and keeps doing so:
   * a lost socket is reopened after a second, and until then heads are read per request. A chain
   * that refuses subscriptions is simply read per request.
   */
  watchHeads(): void {
    if (this.#watching) return;
    this.#watching = true;
    this.#openHeads();
  }

  #openHeads(): void {
    if (!this.#watching) return;
    let url: string;
    try {
      url = new URL(this.rpcUrl).href.replace(/^http/, "ws");
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
          this.#pollStaking();
          socket.close();
          return;
        }
        subscription = m.result;
        socket.send(
          JSON.stringify({
            jsonrpc: "2.0",
            id: 2,
            method: "eth_subscribe",
            params: ["logs", { address: this.contracts.staking, topics: [this.#stakingTopics()] }],
          }),
        );
        // Pushes start with the next block: read the current one once.
        void this.#fetchBlock("latest")
          .then((h) => {
            if (h !== undefined && this.#socket === socket && (this.#pushed?.number ?? -1) < h.number)
              this.#pushed = h;
          })
          .catch(() => undefined);
        return;
      }
      if (m.id === 2) {
        if (typeof m.result === "string") logs = m.result;
        else this.#pollStaking();
        return;
      }
      if (m.method === "eth_subscription" && logs !== undefined && m.params?.subscription === logs) {
        for (const f of this.#stakingListeners) f();
        return;
      }
      if (m.method !== "eth_subscription" || m.params?.subscription !== subscription) return;
      const r = m.params?.result as { number?: unknown; hash?: unknown; timestamp?: unknown } | undefined;
      if (typeof r?.number !== "string" || typeof r.hash !== "string" || typeof r.timestamp !== "string")
        return;
      const head = { number: Number(r.number), hash: r.hash.toLowerCase(), timestamp: Number(r.timestamp) };
      if (!Number.isSafeInteger(head.number) || !/^0x[0-9a-f]{64}$/.test(head.hash)) return;
      if (this.#blocks.size > 4096) this.#blocks.clear();
      this.#blocks.set(head.hash, head);
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
      if (this.#headFailures >= 3) this.#pollStaking();
      const delay = Math.min(30_000, 1000 * 2 ** Math.max(0, this.#headFailures - 1));
      if (this.#watching) setTimeout(() => this.#openHeads(), delay).unref();
    });
  }

  /**
   * The latest block, read by a JSON-RPC call sent after this method was called (so it includes
   * every block mined before): callers that arrive while a read is in flight share the next one.
   */
  latestHead(): Promise<BlockHead> {
    if (this.#pushed !== undefined) return Promise.resolve(this.#pushed);
    if (this.#headNext !== undefined) return this.#headNext;
    const start = (): Promise<BlockHead> => {
      const p = this.#fetchBlock("latest").then((h) => {
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
   * Whether `hash` is the hash of a block of this chain no older than `maxAgeSec` (measured against
   * the chain's latest block, so that a chain whose clock was moved keeps working). `latest` may be
   * given when the caller already read it for this request.
   */
  async isKnownBlockhash(hash: string, maxAgeSec: number, latest?: BlockHead): Promise<boolean> {
    if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) return false;
    const known = this.#blocks.get(hash.toLowerCase());
    const [block, head] = await Promise.all([
      known ?? this.#fetchBlock(hash.toLowerCase()).catch(() => undefined),
      latest ?? this.#pin.getStore()?.head ?? this.latestHead(),
    ]);
    if (block === undefined) return false;
    return head.timestamp - block.timestamp <= maxAgeSec;
  }

  // ---- reads pinned to one block ----

  /** Runs `f` with every permission read in it made at block `block` (and remembered for it). */
  atBlock<T>(block: number, f: () => Promise<T>): Promise<T> {
    return this.#pin.run({ block }, f);
  }

  /**
   * `atBlock(head.number, f)`, and `head` is the latest block for `isKnownBlockhash` in `f`: one
   * request, one view of the chain.
   */
  atHead<T>(head: BlockHead, f: () => Promise<T>): Promise<T> {
    return this.#pin.run({ block: head.number, head }, f);
  }

  /** The block reads are pinned to here, or "latest". */
  #blockTag(): number | "latest" {
    return this.#pin.getStore()?.block ?? "latest";
  }

  /** `read(blockTag)` once per (key, pinned block); unpinned reads are never remembered. */
  #pinned<T>(key: string, read: (blockTag: number | "latest") => Promise<T>): Promise<T> {
    const tag = this.#blockTag();
    if (tag === "latest") return read(tag);
    if (tag > this.#memoBlock) {
      this.#memo = new Map();
      this.#memoBlock = tag;
    } else if (tag < this.#memoBlock) return read(tag);
    const k = key;
    const hit = this.#memo.get(k) as Promise<T> | undefined;
    if (hit !== undefined) return hit;
    const p = read(tag);
    this.#memo.set(k, p);
    p.catch(() => this.#memo.get(k) === p && this.#memo.delete(k));
    if (this.#memo.size > 20_000) this.#memo.clear();
    return p;
  }

  /**
   * Reads, in one JSON-RPC batch at `block`, every fact the signing permission rule may need for
   * (tokenId, address): whether the token exists, its owner, whether the address is permitted and
   * its scopes 1 and 2. Later pinned reads of the same facts at that block are answered from memory.
   */
  async prefetchPermission(tokenId: bigint, address: string, block: number): Promise<void> {
    const user = getAddress(address);
    const calls: { key: string; to: string; data: () => string; decode: (ret: string) => unknown }[] = [
      {
        key: `exists:${tokenId}`,
        to: this.contracts.pkpNft,
        data: () => this.pkpNft.interface.encodeFunctionData("exists", [tokenId]),
        decode: (r) => this.pkpNft.interface.decodeFunctionResult("exists", r)[0] as boolean,
      },
      {
        key: `ownerOf:${tokenId}`,
        to: this.contracts.pkpNft,
        data: () => this.pkpNft.interface.encodeFunctionData("ownerOf", [tokenId]),
        decode: (r) => getAddress(this.pkpNft.interface.decodeFunctionResult("ownerOf", r)[0] as string),
      },
      {
        key: `permittedAddress:${tokenId}:${user}`,
        to: this.contracts.pkpPermissions,
        data: () => this.permissions.interface.encodeFunctionData("isPermittedAddress", [tokenId, user]),
        decode: (r) => this.permissions.interface.decodeFunctionResult("isPermittedAddress", r)[0] as boolean,
      },
      ...[1n, 2n].map((scope) => ({
        key: `scope:${tokenId}:${user}:${scope}`,
        to: this.contracts.pkpPermissions,
        data: () =>
          this.permissions.interface.encodeFunctionData("isPermittedAuthMethodScopePresent", [
            tokenId,
            AUTH_METHOD_ADDRESS,
            user.toLowerCase(),
            scope,
          ]),
        decode: (r: string) =>
          this.permissions.interface.decodeFunctionResult(
            "isPermittedAuthMethodScopePresent",
            r,
          )[0] as boolean,
      })),
    ];
    if (block > this.#memoBlock) {
      this.#memo = new Map();
      this.#memoBlock = block;
    }
    if (block < this.#memoBlock) return;
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

  // ---- root keys ----

  async rootKeys(): Promise<{ pubkey: string; keyType: bigint }[]> {
    const keys = (await this.router.getRootKeys(this.contracts.staking)) as {
      pubkey: string;
      keyType: bigint;
    }[];
    return keys.map((k) => ({ pubkey: k.pubkey, keyType: k.keyType }));
  }

  async voteForRootKeys(blsPubkey: Uint8Array): Promise<void> {
    await this.#serial(async () => {
      const tx = await this.router.voteForRootKeys(this.contracts.staking, [
        { pubkey: blsPubkey, keyType: KEY_TYPE_BLS },
      ]);
      await tx.wait();
    });
  }

  // ---- key routing ----

  routingDomain(): TypedDataDomain {
    return {
      name: "PubkeyRouter",
      version: "1",
      chainId: this.chainId,
      verifyingContract: this.contracts.pubkeyRouter,
    };
  }

  /** This node's EIP-712 signature over RoutingData(tokenId, pubkey, 2, staking). */
  async signRouting(pubkey: Uint8Array): Promise<RoutingSignature> {
    const sig = await this.wallet.signTypedData(
      this.routingDomain(),
      {
        RoutingData: [
          { name: "tokenId", type: "uint256" },
          { name: "pubkey", type: "bytes" },
          { name: "keyType", type: "uint256" },
          { name: "stakingContract", type: "address" },
        ],
      },
      {
        tokenId: tokenIdOf(pubkey),
        pubkey,
        keyType: KEY_TYPE_ECDSA,
        stakingContract: this.contracts.staking,
      },
    );
    const bytes = sig.slice(2);
    return {
      r: "0x" + bytes.slice(0, 64),
      s: "0x" + bytes.slice(64, 128),
      v: parseInt(bytes.slice(128), 16),
    };
  }

  async consensusCount(): Promise<number> {
    return Number(await this.staking.currentValidatorCountForConsensus());
  }

  async setRoutingDataBatch(pubkeys: Uint8Array[], signatures: RoutingSignature[][]): Promise<string> {
    return this.#serial(async () => {
      const tx = await this.router.setRoutingDataBatch(
        pubkeys.map((p) => tokenIdOf(p)),
        pubkeys,
        this.contracts.staking,
        KEY_TYPE_ECDSA,
        signatures,
      );
      const receipt = await tx.wait();
      return receipt.hash as string;
    });
  }

  async unmintedRoutedCount(): Promise<number> {
    return Number(await this.pkpNft.getUnmintedRoutedTokenIdCount(KEY_TYPE_ECDSA));
  }

  async isRouted(tokenId: bigint): Promise<boolean> {
    return (await this.router.isRouted(tokenId)) as boolean;
  }

  // ---- permissions (latest block) ----

  async pkpExists(tokenId: bigint): Promise<boolean> {
    return this.#pinned(
      `exists:${tokenId}`,
      async (blockTag) => (await this.pkpNft.exists(tokenId, { blockTag })) as boolean,
    );
  }

  async ownerOf(tokenId: bigint): Promise<string> {
    return this.#pinned(`ownerOf:${tokenId}`, async (blockTag) =>
      getAddress((await this.pkpNft.ownerOf(tokenId, { blockTag })) as string),
    );
  }

  /** Whether the token was burned (a Transfer to the zero address was logged). */
  async wasBurned(tokenId: bigint): Promise<boolean> {
    const logs = await this.pkpNft.queryFilter(this.pkpNft.filters.Transfer(null, ZeroAddress, tokenId), 0);
    return logs.length > 0;
  }

  async isPermittedAddress(tokenId: bigint, user: string): Promise<boolean> {
    return this.#pinned(
      `permittedAddress:${tokenId}:${getAddress(user)}`,
      async (blockTag) => (await this.permissions.isPermittedAddress(tokenId, user, { blockTag })) as boolean,
    );
  }

  async addressHasScope(tokenId: bigint, user: string, scope: bigint): Promise<boolean> {
    return this.#pinned(
      `scope:${tokenId}:${getAddress(user)}:${scope}`,
      async (blockTag) =>
        (await this.permissions.isPermittedAuthMethodScopePresent(
          tokenId,
          AUTH_METHOD_ADDRESS,
          user.toLowerCase(),
          scope,
          { blockTag },
        )) as boolean,
    );
  }

  async isPermittedAction(tokenId: bigint, cidBytes: Uint8Array): Promise<boolean> {
    return this.#pinned(
      `action:${tokenId}:${hexlify(cidBytes)}`,
      async (blockTag) =>
        (await this.permissions.isPermittedAction(tokenId, cidBytes, { blockTag })) as boolean,
    );
  }

  destroy(): void {
    this.#watching = false;
    this.#pushed = undefined;
    this.#socket?.terminate();
    this.#socket = undefined;
    this.provider.destroy();
  }
}
