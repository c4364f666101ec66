/**
 * One node: its chain view, peers, store, background protocol runs (network key, PKP key batches,
 * presignature batches, driven by the coordinator) and the signing of PKP requests.
 */
import { randomBytes } from "node:crypto";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils";
import { Wallet, ZeroAddress, getBytes } from "ethers";
import type { Logger } from "pino";
import { blsG1Group, secp256k1Group } from "../crypto/group";
import { thresholdFor } from "../crypto/polynomial";
import {
  Presignature,
  presignaturePublicToJSON,
  signWeightedShare,
  signatureShareToJSON,
} from "../crypto/ecdsa";
import { AuthCache, authenticate, nodeAuthContext, pkpSigningCapability, type Authenticated } from "./auth";
import { Chain, tokenIdOf, type BlockHead, type RoutingSignature, type Validator } from "./chain";
import type { NodeConfig } from "./config";
import {
  ConflictError,
  InternalError,
  InvalidRequestError,
  NotFoundError,
  UnauthorizedError,
} from "./errors";
import { deriveCommsKeyPair, nodeSecretBytes, type CommsKeyPair } from "./keys";
import { signEnvelope, envelopeSchema, type Envelope } from "./peers/envelope";
import { Peers } from "./peers/peers";
import { keyShareFromJson, keyShareToJson } from "./protocols/codec";
import { runDkgBatch, runPresignBatch, type RunContext } from "./protocols/runs";
import {
  LeaderBook,
  TOO_FEW_JOINS,
  leaderOrder,
  planPresignatureOwners,
  requestEntropy,
  type Decision,
  type JoinRequest,
} from "./signing/leader";
import { checkSigningPermission } from "./permissions";
import { NodeStore } from "./storage";
import { request } from "../transport";
import type { PkpSignRequest } from "./wire";
import type { PkpSignResponse } from "./wire";

export const NETWORK_KEY = "networkKey";
export const PKP_SIGN_NAME = "pkpSign";
/** How a leader says it owns no free presignature the joiners hold (they move on to the next leader). */
const NO_PRESIGNATURE = "NoFreePresignature";
/** kv entry naming the current network key share (its key id in the store). */
const NETWORK_KEY_ID = "networkKeyId";

const jsonBytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const parseJson = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(bytes));

export interface SigningShareRequest {
  requestId: string;
  sigName: string;
  /** SEC1 uncompressed hex with 0x. */
  pubkey: string;
  /** The 32-byte digest to sign. */
  hash: Uint8Array;
}

/** This node's part of a signing session (see `PkpNode.signingShare`). */
export type SigningShare =
  | { member: false; index: number; decision: Decision }
  | {
      member: true;
      index: number;
      decision: Decision;
      share: ReturnType<typeof signatureShareToJSON>;
      presignature: ReturnType<typeof presignaturePublicToJSON>;
      /** The PKP's public key, uncompressed hex without 0x. */
      publicKey: string;
      /** This node's public key share, compressed hex without 0x. */
      publicKeyShare: string;
    };

type Purpose = "network-key" | "pkp-keys" | "presign";

export interface NodeStatus {
  ready: boolean;
  nodeAddress: string;
  index: number;
  epoch: number;
  networkKey: boolean;
  pools: {
    pkpKeysRouted: number;
    presignatures: number;
    pkpKeysTarget: number;
    presignaturesTarget: number;
  };
  coordinator: boolean;
  /** Whether the latest block comes from heads the chain pushes, or from a read per request. */
  chainHeads: "subscription" | "per-request";
}

export class PkpNode {
  readonly wallet: Wallet;
  readonly comms: CommsKeyPair;
  readonly chain: Chain;
  readonly store: NodeStore;
  readonly peers: Peers;
  readonly leader: LeaderBook;
  validators: Validator[] = [];
  epoch = 0;
  #timers: NodeJS.Timeout[] = [];
  #busy = false;
  /** Until when the coordinator waits for its last key batch to be routed (0: not waiting). */
  #routingUntil = 0;
  #stopped = false;
  #routedCount = 0;
  #live = new Set<string>();
  #routingSigs = new Map<string, Map<number, { pubkey: string; sig: RoutingSignature }[]>>();
  #voted = false;
  #rootKeyOnChain = false;
  #lastLevels = "";
  /** Background steps so far (some work runs every few steps on nodes that do not coordinate). */
  #tick = 0;
  /** When this node last took part in a signing session (refills wait while clients sign). */
  /** Protocol sessions this node started (a repeated start message is not run again). */
  readonly #sessionsStarted = new Set<string>();
  /** The coordinator is filling the presignature pool up to its target (until every owner has its share). */
  #presignFilling = false;
  readonly #authCache = new AuthCache();
  /** Parsed key shares by public key (a stored share never changes). */
  readonly #keyShares = new Map<string, ReturnType<typeof keyShareFromJson>>();
  #networkKey: { id: string; share: ReturnType<typeof keyShareFromJson> } | undefined;
  /** Presignature ids this leader assigned, not yet announced to the others (sent in batches). */
  /** The leader's signed decisions of recent sessions (one signature serves every joiner). */
  readonly #signedDecisions = new Map<string, Envelope>();
  #spentQueue: { id: string; requestKey: string }[] = [];
  #spentTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly config: NodeConfig,
    readonly log: Logger,
  ) {
    this.wallet = new Wallet(config.nodePrivateKey);
    this.comms = deriveCommsKeyPair(config.nodePrivateKey);
    this.chain = new Chain(config.rpcUrl, config.chainId, config.nodePrivateKey, config.contracts);
    this.store = NodeStore.open({
      dataDir: config.dataDir,
      nodeSecretKey: nodeSecretBytes(config.nodePrivateKey),
    });
    this.peers = new Peers(
      { address: this.wallet.address, wallet: this.wallet, comms: this.comms },
      () => this.validators,
      { peerMs: config.timeouts.peerMs, log, refresh: () => this.refreshValidators() },
    );
    this.leader = new LeaderBook(
      () => this.quorum,
      (join, set) => this.#decide(join, set),
      (key) => this.store.leaderDecision<Decision>(key),
    );
    this.peers.on("start", ({ envelope, from }) => this.#onStart(envelope.payload, from));
    this.peers.on("routing-sig", ({ envelope, from }) => {
      void this.#onRoutingSig(envelope.payload, from);
    });
    this.peers.on("join", ({ envelope, from }) => this.#onJoin(envelope.payload, from));
    this.peers.on("spent", ({ envelope }) => this.#onSpent(envelope.payload));
  }

  get address(): string {
    return this.wallet.address;
  }
  get me(): Validator | undefined {
    return this.validators.find((v) => v.nodeAddress === this.address);
  }
  get n(): number {
    return this.validators.length;
  }
  get t(): number {
    return thresholdFor(Math.max(this.n, 1)).t;
  }
  get quorum(): number {
    return 2 * this.t + 1;
  }
  get url(): string {
    return `http://${this.config.host}:${this.config.port}`;
  }

  async refreshValidators(): Promise<void> {
    const [validators, epoch] = await Promise.all([this.chain.validators(), this.chain.epochNumber()]);
    this.validators = validators;
    this.epoch = epoch;
  }

  /**
   * Refuses a request made for an epoch that is neither the current one nor the one before (a
   * client with an old view of the network). An absent epoch is accepted. A newer epoch than this
   * node knows makes it read the chain again first.
   */
  async checkEpoch(epoch: number | null | undefined): Promise<void> {
    if (epoch === null || epoch === undefined) return;
    if (epoch > this.epoch) await this.refreshValidators();
    if (epoch === this.epoch || epoch === this.epoch - 1) return;
    throw new InvalidRequestError(
      `epoch ${epoch} is neither the current epoch (${this.epoch}) nor the previous one`,
      { reason: "InvalidEpoch" },
    );
  }

  networkKeyShare() {
    const keyId = this.store.kvGetJson<string>(NETWORK_KEY_ID);
    if (keyId === undefined) return undefined;
    if (this.#networkKey?.id === keyId) return this.#networkKey.share;
    const v = this.store.getNetworkKeyShare(keyId);
    if (v === undefined) return undefined;
    const share = keyShareFromJson(blsG1Group, parseJson(v));
    this.#networkKey = { id: keyId, share };
    return share;
  }

  /** Compressed G1 network key, 96 hex without 0x, or "" before the DKG made it. */
  networkPublicKeyHex(): string {
    const k = this.networkKeyShare();
    return k === undefined ? "" : bytesToHex(blsG1Group.pointToBytes(k.publicKey));
  }

  async start(): Promise<void> {
    await this.refreshValidators();
    const refresh = () =>
      this.refreshValidators().catch((e) =>
        this.log.warn({ err: (e as Error).message }, "validator refresh failed"),
      );
    this.chain.watchHeads();
    // Staking announces every change of the validator set (StateChanged, EpochAdvanced); a slow
    // poll remains for an event that was missed.
    this.chain.onStakingChange(() => void refresh());
    this.#timers.push(setInterval(() => void refresh(), 15_000));
    const tick = async () => {
      if (this.#stopped) return;
      try {
        await this.#background();
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, "background step failed");
      }
      if (!this.#stopped) this.#timers.push(setTimeout(tick, 1000));
    };
    this.#timers.push(setTimeout(tick, 500));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    if (this.#spentTimer !== undefined) clearTimeout(this.#spentTimer);
    await this.chain.staking.removeAllListeners().catch(() => undefined);
    this.chain.destroy();
    this.store.close();
  }

  async status(): Promise<NodeStatus> {
    const me = this.me;
    const presigs = this.store.presignatureCounts();
    return {
      ready: me !== undefined && this.networkKeyShare() !== undefined && this.#rootKeyOnChain,
      nodeAddress: this.address,
      index: me?.index ?? 0,
      epoch: this.epoch,
      networkKey: this.networkKeyShare() !== undefined && this.#rootKeyOnChain,
      pools: {
        pkpKeysRouted: this.#routedCount,
        presignatures: presigs.free,
        pkpKeysTarget: this.config.pools.pkpKeys,
        presignaturesTarget: this.#presignatureTarget(),
      },
      coordinator: this.#isCoordinator(),
      chainHeads: this.chain.headSource,
    };
  }

  // ---------------------------------------------------------------- background

  /** The pool the coordinator fills: ceil(target / N) presignatures for each of the N owners. */
  #presignatureTarget(): number {
    const n = Math.max(this.n, 1);
    return n * Math.ceil(this.config.pools.presignatures / n);
  }

  /**
   * Which validators answer, as far as this node needs to know: the coordinator is the first live
   * validator, so a node probes only those before it, and, when none of them is up (it coordinates),
   * the others too (a batch needs everyone). N·(N−1)/2 probes a second instead of N·(N−1).
   */
  async #liveView(me: Validator): Promise<Set<string>> {
    const before = this.validators.filter((v) => v.index < me.index);
    const up = await Promise.all(before.map((v) => this.#probe(v)));
    const live = new Set(before.filter((_, k) => up[k]).map((v) => v.nodeAddress));
    live.add(me.nodeAddress);
    if (live.size === 1) {
      const after = this.validators.filter((v) => v.index > me.index);
      const upAfter = await Promise.all(after.map((v) => this.#probe(v)));
      for (const [k, v] of after.entries()) if (upAfter[k]) live.add(v.nodeAddress);
    }
    return live;
  }

  async #probe(v: Validator): Promise<boolean> {
    if (v.nodeAddress === this.address) return true;
    try {
      const res = await request(v.url + "/status", {
        method: "GET",
        timeoutMs: Math.min(3000, this.config.timeouts.peerMs),
        keepAlive: true,
      });
      return res.status === 200;
    } catch {
      return false;
    }
  }

  #isCoordinator(): boolean {
    const first = this.validators.find((v) => this.#live.has(v.nodeAddress));
    return first !== undefined && first.nodeAddress === this.address;
  }

  async #background(): Promise<void> {
    const me = this.me;
    if (me === undefined) return;
    // The coordinator probes every second (a batch needs everyone up); the others, which only need
    // to notice that every validator before them is down, every third second.
    const tick = this.#tick++;
    if (this.#isCoordinator() || tick % 3 === 0) this.#live = await this.#liveView(me);
    if (!this.#rootKeyOnChain) {
      const roots = await this.chain.rootKeys();
      this.#rootKeyOnChain = roots.some((k) => k.keyType === 1n);
    }
    // The routed-key count matters to the coordinator; the others refresh it now and then (status).
    if (this.#isCoordinator() || tick % 5 === 0) this.#routedCount = await this.chain.unmintedRoutedCount();
    const share = this.networkKeyShare();
    if (share !== undefined && !this.#rootKeyOnChain && !this.#voted) await this.#vote();
    const presigs = this.store.presignatureCounts();
    const levels = `${this.#routedCount}/${presigs.free}/${presigs.used}`;
    if (levels !== this.#lastLevels) {
      this.#lastLevels = levels;
      this.log.info(
        {
          pkpKeysRouted: this.#routedCount,
          pkpKeysTarget: this.config.pools.pkpKeys,
          presignatures: presigs.free,
          presignaturesUsed: presigs.used,
          presignaturesTarget: this.config.pools.presignatures,
        },
        "pool levels",
      );
    }
    if (!this.#isCoordinator() || this.#busy) return;
    const everyoneUp = this.#live.size === this.validators.length;
    if (!everyoneUp || this.validators.length < 4) return;
    if (share === undefined && !this.#rootKeyOnChain) return this.#coordinate("network-key", 1);
    if (share === undefined) return;
    // Each presignature has one owner (the only leader that may assign it), fixed in the batch that
    // makes it: keep every owner supplied, refilling an owner that fell below half its share. The plan
    // is made every tick, so that a fill that ended while a key batch ran stops being "filling".
    const plan = planPresignatureOwners(
      this.store.freePresignaturesByOwner(),
      this.n,
      this.config.pools.presignatures,
      this.config.pools.presignatureBatch,
      this.#presignFilling,
    );
    this.#presignFilling = plan.filling;
    // A key batch is routed after its run (validator signatures, then one transaction): until that
    // is mined, the routed count does not show it, and starting another batch made twice the keys.
    if (this.#routedCount < this.config.pools.pkpKeys && Date.now() >= this.#routingUntil) {
      this.#routingUntil = Date.now() + 60_000;
      return this.#coordinate("pkp-keys", this.config.pools.keyBatch);
    }
    // Refill as soon as an owner falls below half its share, also while clients sign: a batch takes
    // CPU from signing, but waiting until an owner ran dry let sustained load empty the whole pool
    // (every leader empty: requests refused) before the first batch started.
    if (plan.owners.length > 0)
      return this.#coordinate("presign", plan.owners.length, { owners: plan.owners });
  }

  #voting: Promise<void> | undefined;

  #vote(): Promise<void> {
    this.#voting ??= this.#doVote().finally(() => {
      this.#voting = undefined;
    });
    return this.#voting;
  }

  async #doVote(): Promise<void> {
    if (this.#voted) return;
    const share = this.networkKeyShare();
    if (share === undefined) return;
    try {
      await this.chain.voteForRootKeys(blsG1Group.pointToBytes(share.publicKey));
      this.#voted = true;
      this.log.info({ networkKey: this.networkPublicKeyHex() }, "voted for the network key");
    } catch (e) {
      const msg = (e as Error).message;
      if (/AlreadyVoted|RootKeysAlreadySet/.test(msg)) this.#voted = true;
      else this.log.warn({ err: msg }, "root key vote failed");
    }
  }

  async #coordinate(purpose: Purpose, count: number, extra: { owners?: number[] } = {}): Promise<void> {
    const session = `${purpose}/${this.epoch}/${Date.now()}/${randomBytes(6).toString("hex")}`;
    this.log.info({ session, purpose, count }, "starting a protocol session");
    this.#busy = true;
    try {
      const payload = {
        session,
        purpose,
        count,
        participants: this.validators.map((v) => v.nodeAddress),
        ...extra,
      };
      await this.peers.broadcast(this.validators, { session, kind: "start", round: 0, payload });
    } finally {
      // #onStart on this node clears the flag when its own run ends.
    }
  }

  #onStart(payload: unknown, from: Validator): { accepted: boolean } {
    const p = payload as {
      session: string;
      purpose: Purpose;
      count: number;
      participants: string[];
      owners?: unknown;
    };
    const participants = this.validators.filter((v) => p.participants.includes(v.nodeAddress));
    const me = this.me;
    if (me === undefined || participants.length !== p.participants.length) return { accepted: false };
    if (!["network-key", "pkp-keys", "presign"].includes(p.purpose) || !(p.count >= 1 && p.count <= 256))
      return { accepted: false };
    // A start the coordinator sent again (its first try timed out while this node was busy) must not
    // run the session a second time: the second run's messages would clash with the first's.
    if (typeof p.session !== "string" || this.#sessionsStarted.has(p.session)) return { accepted: true };
    const owners = p.owners;
    if (
      p.purpose === "presign" &&
      !(
        Array.isArray(owners) &&
        owners.length === p.count &&
        owners.every((o) => Number.isSafeInteger(o) && participants.some((v) => v.index === o))
      )
    )
      return { accepted: false };
    this.#sessionsStarted.add(p.session);
    if (this.#sessionsStarted.size > 10_000) this.#sessionsStarted.clear();
    this.#busy = true;
    const ctx: RunContext = {
      peers: this.peers,
      me,
      participants,
      roundMs: this.config.timeouts.roundMs,
      log: this.log,
    };
    const started = Date.now();
    void (async () => {
      try {
        if (p.purpose === "network-key") {
          const [r] = await runDkgBatch(ctx, blsG1Group, 2 * this.t, p.session, 1);
          // One share per DKG session; the kv entry names the current one (a re-run replaces it).
          const keyId = `${NETWORK_KEY}/${p.session}`;
          this.store.putNetworkKeyShare(keyId, jsonBytes(keyShareToJson(r)));
          this.store.kvPutJson(NETWORK_KEY_ID, keyId);
          this.log.info(
            { session: p.session, ms: Date.now() - started, qualified: r.qualified },
            "network key made",
          );
          await this.#vote();
        } else if (p.purpose === "pkp-keys") {
          const results = await runDkgBatch(ctx, secp256k1Group, this.t, p.session, p.count);
          const keys = results.map((r) => ({
            pubkey: "0x" + bytesToHex(r.publicKey.toBytes(false)),
            share: keyShareToJson(r),
          }));
          this.store.putKeyShares(keys.map((k) => ({ keyId: k.pubkey, share: jsonBytes(k.share) })));
          const sigs = [];
          for (const k of keys)
            sigs.push({ pubkey: k.pubkey, sig: await this.chain.signRouting(getBytes(k.pubkey)) });
          this.log.info({ session: p.session, ms: Date.now() - started, keys: keys.length }, "pkp keys made");
          await this.peers.send(from, {
            session: p.session,
            kind: "routing-sig",
            round: 0,
            payload: { session: p.session, sigs },
          });
        } else {
          const out = await runPresignBatch(ctx, this.t, p.session, p.count);
          this.store.insertPresignatures(
            out.map((o, k) => ({
              id: o.presignature.id,
              holders: o.holders,
              owner: (owners as number[])[k],
              value: jsonBytes(o.presignature.toJSON("uncompressed")),
            })),
          );
          this.log.info(
            {
              session: p.session,
              ms: Date.now() - started,
              count: out.length,
              pool: this.store.presignatureCounts().free,
            },
            "presignatures made",
          );
        }
      } catch (e) {
        this.log.error({ session: p.session, err: (e as Error).message }, "protocol session failed");
        if (p.purpose === "pkp-keys") this.#routingUntil = 0; // nothing to wait for
      } finally {
        this.#busy = false;
      }
    })();
    return { accepted: true };
  }

  #routingSubmitted = new Set<string>();

  async #onRoutingSig(payload: unknown, from: Validator): Promise<void> {
    const p = payload as { session: string; sigs: { pubkey: string; sig: RoutingSignature }[] };
    const needed = await this.chain.consensusCount();
    let bySigner = this.#routingSigs.get(p.session);
    if (bySigner === undefined) {
      bySigner = new Map();
      this.#routingSigs.set(p.session, bySigner);
    }
    if (bySigner.has(from.index)) return;
    bySigner.set(from.index, p.sigs);
    if (bySigner.size < needed || this.#routingSubmitted.has(p.session)) return;
    this.#routingSubmitted.add(p.session);
    // Every signer must have signed the same keys (they ran the same DKGs).
    const pubkeys = [...bySigner.values()][0].map((s) => s.pubkey);
    const signatures = pubkeys.map((pk) =>
      [...bySigner!.values()]
        .slice(0, needed)
        .map((list) => list.find((s) => s.pubkey === pk)?.sig)
        .filter((s) => s !== undefined),
    );
    if (signatures.some((s) => s.length < needed)) {
      this.log.error({ session: p.session }, "validators disagree on the keys of a batch");
      this.#routingUntil = 0;
      return;
    }
    try {
      const hash = await this.chain.setRoutingDataBatch(
        pubkeys.map((k) => getBytes(k)),
        signatures as RoutingSignature[][],
      );
      this.store.markKeySharesRouted(pubkeys);
      this.log.info({ session: p.session, keys: pubkeys.length, tx: hash }, "keys routed");
      this.#routedCount = await this.chain.unmintedRoutedCount();
    } catch (e) {
      this.log.error({ session: p.session, err: (e as Error).message }, "routing failed");
    } finally {
      this.#routingUntil = 0;
    }
  }

  // ---------------------------------------------------------------- signing

  #decide(join: JoinRequest, set: number[]): Decision {
    const me = this.me;
    if (me === undefined) throw new Error("leader is not a validator");
    const requestKey = `${join.requestId}\0${join.sigName}`;
    for (const id of this.store.freePresignatureIds({ holdersInclude: set, owner: me.index, limit: 64 })) {
      const decision = { ...join, signingSet: set, presignatureId: id };
      // The assignment and the decision are one durable transaction.
      if (this.store.assignPresignature(id, requestKey, decision)) {
        this.#announceSpent(id, requestKey);
        this.log.info(
          { requestId: join.requestId, signingSet: set, presignatureId: id },
          "signing session decided",
        );
        return decision;
      }
    }
    throw new Error(`${NO_PRESIGNATURE}: the leader has no free presignature for this signing set`);
  }

  async #onJoin(payload: unknown, from: Validator): Promise<unknown> {
    const join = payload as JoinRequest;
    let decision: Decision;
    try {
      decision = await this.leader.join(join, from.index, this.#joinWindowMs);
    } catch (e) {
      const message = (e as Error).message;
      throw new ConflictError(message, {
        reason: message.startsWith(TOO_FEW_JOINS) ? TOO_FEW_JOINS : "NoSigningSession",
      });
    }
    // One signed decision for every joiner (addressed to the zero address: to whoever joined).
    const key = `${decision.requestId}\0${decision.sigName}`;
    let signed = this.#signedDecisions.get(key);
    if (signed === undefined || signed.payload !== decision) {
      signed = signEnvelope(
        {
          from: this.address,
          to: ZeroAddress,
          session: `decision/${join.requestId}`,
          kind: "decision",
          round: 0,
          payload: decision,
        },
        this.wallet,
      );
      if (this.#signedDecisions.size >= 1024) this.#signedDecisions.clear();
      this.#signedDecisions.set(key, signed);
    }
    return signed;
  }

  /**
   * Tells the other nodes (for their pool levels) which presignatures this leader assigned: one
   * message per peer for every assignment of the last second (at N = 10 a notice per signature was
   * nine signed messages sent and nine received). Joiners learn it from the decision.
   */
  #announceSpent(id: string, requestKey: string): void {
    this.#spentQueue.push({ id, requestKey });
    this.#spentTimer ??= setTimeout(() => {
      this.#spentTimer = undefined;
      const marks = this.#spentQueue;
      this.#spentQueue = [];
      if (this.#stopped || marks.length === 0) return;
      void this.peers.broadcast(
        this.validators.filter((v) => v.nodeAddress !== this.address),
        { session: `spent/${marks[0].id}`, kind: "spent", round: 0, payload: { marks } },
      );
    }, 1000);
  }

  #onSpent(payload: unknown): void {
    const p = payload as { marks?: unknown };
    if (!Array.isArray(p.marks) || p.marks.length > 10_000) return;
    const marks = (p.marks as { id?: unknown; requestKey?: unknown }[]).filter(
      (m): m is { id: string; requestKey: string } =>
        typeof m?.id === "string" && typeof m.requestKey === "string",
    );
    try {
      this.store.markPresignaturesAssignedMany(marks.map((m) => ({ id: m.id, requestId: m.requestKey })));
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, "malformed spent notice ignored");
    }
  }

  /** How long a leader waits, from a request's first join, for 2t+1 joins. */
  get #joinWindowMs(): number {
    return 2 * this.config.timeouts.peerMs;
  }

  /**
   * Asks the leaders in order until one answers with a decision. A leader that was reached but saw
   * too few joins in its window ends the attempt: every joiner got the same answer, and the next
   * leader would see the same nodes.
   */
  async #agree(join: JoinRequest): Promise<Decision> {
    // The same order at every node (no local view of who is up may change it): joiners that split
    // between two leaders would leave both short of 2t+1.
    const order = leaderOrder(join.requestId, join.sigName, this.validators);
    let last: unknown;
    let empty = 0;
    let tries = 0;
    for (const leader of order) {
      try {
        const reply = await this.peers.send(
          leader,
          { session: `join/${join.requestId}`, kind: "join", round: 0, payload: join },
          this.#joinWindowMs + this.config.timeouts.peerMs,
        );
        const env = envelopeSchema.parse(reply);
        if (env.from.toLowerCase() !== leader.nodeAddress.toLowerCase() || !this.peers.verifier.verify(env))
          throw new Error("decision not signed by the leader");
        const d = env.payload as Decision;
        if (d.requestId !== join.requestId || d.sigName !== join.sigName)
          throw new Error("decision for another request");
        if (typeof d.presignatureId === "string" && leader.nodeAddress !== this.address)
          try {
            this.store.markPresignaturesAssignedMany([
              { id: d.presignatureId, requestId: `${d.requestId}\0${d.sigName}` },
            ]);
          } catch {
            // bookkeeping only; a malformed id fails at the claim
          }
        return d;
      } catch (e) {
        last = e;
        // Every joiner sees the same failure of a leader (unreachable, no presignature it owns, too
        // few joins), so all of them move on to the same next leader.
        const message = String((e as Error).message);
        this.log.warn({ leader: leader.url, err: message }, "signing leader failed");
        if (message.includes(TOO_FEW_JOINS)) break;
        // A leader that owns no free presignature sends everyone on to the next one (the pool is
        // spread over every leader, and refilled in the background); any other failure, three times.
        if (message.includes(NO_PRESIGNATURE)) empty++;
        else if (++tries >= 3) break;
      }
    }
    if (empty === order.length)
      throw new ConflictError(
        "no leader has a free presignature: the pool is empty and being refilled; retry shortly",
        {
          reason: "NoPresignature",
          cause: last,
        },
      );
    throw new InternalError("no signing session could be agreed", {
      reason: "NoSigningSession",
      cause: last,
    });
  }

  async authenticateSigner(req: PkpSignRequest, tokenId: bigint): Promise<Authenticated> {
    const me = this.me;
    if (me === undefined) throw new InternalError("this node is not a current validator");
    return authenticate(
      req.authSig,
      pkpSigningCapability(tokenId),
      nodeAuthContext(this, me.url, this.#authCache),
    );
  }

  /**
   * See `checkSigningPermission` (src/node/permissions.ts). Every chain read of the rule is made at
   * one block, the latest one read after this call began (`head` when the caller already read it),
   * and the usual facts come in one JSON-RPC batch, remembered for that block.
   */
  async checkPermission(tokenId: bigint, requester: Authenticated | string, head?: BlockHead): Promise<void> {
    const block = (head ?? (await this.chain.latestHead())).number;
    const address = typeof requester === "string" ? requester : requester.address;
    await this.chain.prefetchPermission(tokenId, address, block).catch(() => undefined);
    return this.chain.atBlock(block, () => checkSigningPermission(this.chain, tokenId, requester));
  }

  /**
   * One signing share of `hash` by the PKP `pubkey`, for the signing session (requestId, sigName):
   * agrees the signing set and presignature with the session's leader, durably claims the
   * presignature and computes this node's Lagrange-weighted share. The caller has checked the
   * permission. Every node that takes part must call this with the same (requestId, sigName, pubkey,
   * hash); a node left out of the signing set gets `member: false` and no share.
   */
  async signingShare(req: SigningShareRequest): Promise<SigningShare> {
    const me = this.me;
    if (me === undefined) throw new InternalError("this node is not a current validator");
    const pubkey = req.pubkey.toLowerCase();
    let key = this.#keyShares.get(pubkey);
    if (key === undefined) {
      const stored = this.store.getKeyShare(pubkey);
      if (stored === undefined)
        throw new NotFoundError("this node holds no share of that key", { reason: "UnknownKey" });
      key = keyShareFromJson(secp256k1Group, parseJson(stored));
      if (this.#keyShares.size >= 10_000) this.#keyShares.clear();
      this.#keyShares.set(pubkey, key);
    }
    const join: JoinRequest = {
      requestId: req.requestId,
      sigName: req.sigName,
      pubkey,
      hash: "0x" + bytesToHex(req.hash),
    };
    const decision = await this.#agree(join);
    if (
      !decision.signingSet.includes(me.index) ||
      decision.pubkey !== join.pubkey ||
      decision.hash !== join.hash
    )
      return { member: false, index: me.index, decision };
    // Durably claim before computing anything (kill -9 after this line never reuses it).
    let json: unknown;
    try {
      json = parseJson(this.store.claimForUse(decision.presignatureId, `${req.requestId}\0${req.sigName}`));
    } catch (e) {
      if (e instanceof ConflictError || e instanceof NotFoundError) throw e;
      throw new InternalError("cannot claim the presignature", { cause: e });
    }
    // The store is AEAD-encrypted under this node's key and the protocol checked the shares when it
    // made them: the commitment check (three multiplications) is skipped on this hot path.
    const presignature = Presignature.fromJSON(json, { check: false });
    const share = signWeightedShare(
      presignature,
      key,
      req.hash,
      requestEntropy(req.requestId, req.sigName),
      decision.signingSet,
    );
    this.log.info(
      { requestId: req.requestId, sigName: req.sigName, signingSet: decision.signingSet },
      "share released",
    );
    return {
      member: true,
      index: me.index,
      decision,
      share: signatureShareToJSON(share, "uncompressed"),
      presignature: presignaturePublicToJSON(presignature.pub, "uncompressed"),
      publicKey: bytesToHex(key.publicKey.toBytes(false)),
      publicKeyShare: bytesToHex(key.publicKeyShares.get(me.index)!.toBytes(true)),
    };
  }

  async pkpSign(req: PkpSignRequest, requestId: string): Promise<PkpSignResponse & Record<string, unknown>> {
    const me = this.me;
    if (me === undefined) throw new InternalError("this node is not a current validator");
    const pubkeyBytes = hexToBytes(req.pubkey.slice(2));
    const tokenId = tokenIdOf(pubkeyBytes);
    await this.checkEpoch(req.epoch);
    const t0 = performance.now();
    // One read of the latest block for this request: the session nonce's age and the permission.
    const head = await this.chain.latestHead();
    const auth = await this.chain.atHead(head, () => this.authenticateSigner(req, tokenId));
    const t1 = performance.now();
    await this.checkPermission(tokenId, auth, head);
    const t2 = performance.now();
    const hash = Uint8Array.from(req.toSign);
    const r = await this.signingShare({ requestId, sigName: PKP_SIGN_NAME, pubkey: req.pubkey, hash });
    const ms = (a: number, b: number) => Math.round((b - a) * 10) / 10;
    this.log.debug(
      { requestId, authMs: ms(t0, t1), permissionMs: ms(t1, t2), shareMs: ms(t2, performance.now()) },
      "pkpSign timing",
    );
    const digest = bytesToHex(hash);
    const base = { success: true, signedData: [...hash] };
    if (!r.member) {
      return {
        ...base,
        signatureShare: {
          digest,
          result: "fail",
          share_index: me.index - 1,
          signature_share: "",
          big_r: "",
          public_key: "",
          sig_type: "K256",
        },
        pkpNetwork: {
          signingSet: r.decision.signingSet,
          presignatureId: r.decision.presignatureId,
          member: false,
        },
      };
    }
    this.log.info({ requestId, tokenId: tokenId.toString(16) }, "pkpSign share released");
    return {
      ...base,
      signatureShare: {
        digest,
        result: "success",
        share_index: me.index - 1,
        signature_share: r.share.share,
        big_r: r.share.bigR,
        public_key: r.publicKey,
        sig_type: "K256",
      },
      pkpNetwork: {
        member: true,
        index: me.index,
        signingSet: r.decision.signingSet,
        presignatureId: r.decision.presignatureId,
        presignature: r.presignature,
        share: r.share,
        publicKeyShare: r.publicKeyShare,
      },
    };
  }

  requireValidator(): Validator {
    const me = this.me;
    if (me === undefined) throw new UnauthorizedError("this node is not a current validator");
    return me;
  }
}
