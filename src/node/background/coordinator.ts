/**
 * The keys of the network: the first live validator (the coordinator, as this node's Liveness sees
 * it) keeps them supplied, in this order: the network BLS key (a DKG, once, then every node votes it
 * into PubkeyRouter) and PKP keys (DKG batches, routed on-chain with 2t+1 validator signatures).
 * Both DKGs need every validator. Every node runs the batches the coordinator starts (`start`
 * messages) and sends the coordinator its routing signatures (`routing-sig`). Presignatures are not
 * made here: each node refills its own pool with any 2t+1 live validators (presignPool.ts).
 *
 * A start is taken only from the coordinator (no live validator before the sender, in this node's
 * view), only for the current epoch, never twice, and never for a network key once this node holds
 * a share of one or PubkeyRouter has one (finding H3: a replayed or forged start used to replace
 * every node's network key share).
 */
import { randomBytes } from "node:crypto";
import { bytesToHex } from "@noble/hashes/utils";
import { getBytes } from "ethers";
import type { Logger } from "pino";

import { blsG1Group, secp256k1Group } from "../../crypto/group";
import type { Chain, RoutingSignature, Validator } from "../chain";
import type { NodeConfig } from "../config";
import { ConflictError } from "../errors";
import type { NetworkKey } from "../networkKey";
import { routingSigPayloadSchema, startPayloadSchema, type StartPayload } from "../peers/payloads";
import type { Peers } from "../peers/peers";
import { keyShareToJson } from "../protocols/codec";
import { runDkgBatch, type RunContext } from "../protocols/runs";
import type { NodeStore } from "../storage";
import type { ValidatorView } from "../view";
import type { Liveness } from "./liveness";

const jsonBytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/** What of a node the coordinator needs. */
export interface CoordinatorDeps {
  readonly view: ValidatorView;
  readonly config: Pick<NodeConfig, "pools" | "timeouts">;
  readonly log: Logger;
  readonly chain: Pick<
    Chain,
    | "rootKeys"
    | "unmintedRoutedCount"
    | "voteForRootKeys"
    | "signRouting"
    | "consensusCount"
    | "setRoutingDataBatch"
  >;
  readonly store: Pick<NodeStore, "presignatureCounts" | "putKeyShares" | "markKeySharesRouted">;
  /** The whole peer network: the protocol runs exchange their rounds over it. */
  readonly peers: Peers;
  readonly networkKey: NetworkKey;
  readonly liveness: Liveness;
}

export class Coordinator {
  /** Routed PKP keys not yet minted (refreshed by the coordinator every step, by others now and then). */
  routedCount = 0;
  /** Whether PubkeyRouter holds the network BLS key. */
  rootKeyOnChain = false;
  #busy = false;
  /** Until when the coordinator waits for its last key batch to be routed (0: not waiting). */
  #routingUntil = 0;
  #routingSigs = new Map<string, Map<number, { pubkey: string; sig: RoutingSignature }[]>>();
  #routingSubmitted = new Set<string>();
  #voted = false;
  #voting: Promise<void> | undefined;
  #lastLevels = "";
  /** Background steps so far (some work runs every few steps on nodes that do not coordinate). */
  #tick = 0;
  /** Protocol sessions this node started (a repeated start message is not run again). */
  readonly #sessionsStarted = new Set<string>();

  constructor(private readonly deps: CoordinatorDeps) {
    deps.peers.on("start", ({ envelope, from }) => this.#onStart(envelope.payload, from));
    deps.peers.on("routing-sig", ({ envelope, from }) => {
      void this.#onRoutingSig(envelope.payload, from);
    });
  }

  /** Whether this node is the first live validator. */
  isCoordinator(): boolean {
    const first = this.deps.liveness.live()[0];
    return first !== undefined && first.nodeAddress === this.deps.view.address;
  }

  /** One background step (the node runs one a second). */
  async step(): Promise<void> {
    const { view, chain, store, config, log } = this.deps;
    if (view.me === undefined) return;
    const tick = this.#tick++;
    if (!this.rootKeyOnChain) {
      const roots = await chain.rootKeys();
      this.rootKeyOnChain = roots.some((k) => k.keyType === 1n);
    }
    // The routed-key count matters to the coordinator; the others refresh it now and then (status).
    if (this.isCoordinator() || tick % 5 === 0) this.routedCount = await chain.unmintedRoutedCount();
    const share = this.deps.networkKey.share();
    if (share !== undefined && !this.rootKeyOnChain && !this.#voted) await this.#vote();
    const presigs = store.presignatureCounts();
    const levels = `${this.routedCount}/${presigs.free}/${presigs.used}`;
    if (levels !== this.#lastLevels) {
      this.#lastLevels = levels;
      log.info(
        {
          pkpKeysRouted: this.routedCount,
          pkpKeysTarget: config.pools.pkpKeys,
          presignatures: presigs.free,
          presignaturesUsed: presigs.used,
        },
        "pool levels",
      );
    }
    if (!this.isCoordinator() || this.#busy) return;
    const everyoneUp = this.deps.liveness.live().length === view.validators.length;
    if (!everyoneUp || view.validators.length < 4) return;
    if (share === undefined && !this.rootKeyOnChain) return this.#coordinate("network-key", 1);
    if (share === undefined) return;
    // A key batch is routed after its run (validator signatures, then one transaction): until that
    // is mined, the routed count does not show it, and starting another batch made twice the keys.
    if (this.routedCount < config.pools.pkpKeys && Date.now() >= this.#routingUntil) {
      this.#routingUntil = Date.now() + 60_000;
      return this.#coordinate("pkp-keys", config.pools.keyBatch);
    }
  }

  #vote(): Promise<void> {
    this.#voting ??= this.#doVote().finally(() => {
      this.#voting = undefined;
    });
    return this.#voting;
  }

  async #doVote(): Promise<void> {
    if (this.#voted) return;
    const share = this.deps.networkKey.share();
    if (share === undefined) return;
    try {
      const outcome = await this.deps.chain.voteForRootKeys(blsG1Group.pointToBytes(share.publicKey));
      this.#voted = true;
      if (outcome === "voted")
        this.deps.log.info({ networkKey: this.deps.networkKey.publicKeyHex() }, "voted for the network key");
    } catch (e) {
      this.deps.log.warn({ err: (e as Error).message }, "root key vote failed");
    }
  }

  async #coordinate(purpose: StartPayload["purpose"], count: number): Promise<void> {
    const { view, peers, log } = this.deps;
    const session = `${purpose}/${view.epoch}/${Date.now()}/${randomBytes(6).toString("hex")}`;
    log.info({ session, purpose, count }, "starting a protocol session");
    // #onStart on this node clears the flag when its own run ends.
    this.#busy = true;
    const payload: StartPayload = {
      session,
      purpose,
      count,
      participants: view.validators.map((v) => v.nodeAddress),
    };
    await peers.broadcast(view.validators, { session, kind: "start", round: 0, payload });
  }

  #onStart(payload: unknown, from: Validator): { accepted: boolean } {
    const { view, log } = this.deps;
    const parsed = startPayloadSchema.safeParse(payload);
    if (!parsed.success) return { accepted: false };
    const p = parsed.data;
    const participants = view.validators.filter((v) => p.participants.includes(v.nodeAddress));
    const me = view.me;
    if (me === undefined || participants.length !== p.participants.length) return { accepted: false };
    // A start the coordinator sent again (its first try timed out while this node was busy) must not
    // run the session a second time: the second run's messages would clash with the first's.
    if (this.#sessionsStarted.has(p.session)) return { accepted: true };
    const refuse = (why: string): never => {
      throw new ConflictError(`protocol session refused: ${why}`, { reason: "StartRefused" });
    };
    if (this.deps.liveness.live().some((v) => v.index < from.index))
      refuse("the sender is not the coordinator (a live validator comes before it)");
    if (p.session.split("/")[1] !== String(view.epoch)) refuse(`the session is not of epoch ${view.epoch}`);
    if (p.purpose === "network-key" && (this.deps.networkKey.share() !== undefined || this.rootKeyOnChain))
      refuse("the network key exists: it is never made again");
    this.#sessionsStarted.add(p.session);
    if (this.#sessionsStarted.size > 10_000) this.#sessionsStarted.clear();
    this.#busy = true;
    const ctx: RunContext = {
      peers: this.deps.peers,
      me,
      participants,
      roundMs: this.deps.config.timeouts.roundMs,
      log,
    };
    void this.#run(ctx, p, from).finally(() => {
      this.#busy = false;
    });
    return { accepted: true };
  }

  /** Runs one batch the coordinator started and keeps what it made. */
  async #run(ctx: RunContext, p: StartPayload, from: Validator): Promise<void> {
    const { view, chain, store, peers, log } = this.deps;
    const started = Date.now();
    try {
      if (p.purpose === "network-key") {
        const [r] = await runDkgBatch(ctx, blsG1Group, 2 * view.t, p.session, 1);
        // One share per DKG session; the kv entry names the current one (a re-run replaces it).
        this.deps.networkKey.save(p.session, r);
        log.info(
          { session: p.session, ms: Date.now() - started, qualified: r.qualified },
          "network key made",
        );
        await this.#vote();
      } else {
        const results = await runDkgBatch(ctx, secp256k1Group, view.t, p.session, p.count);
        const keys = results.map((r) => ({
          pubkey: "0x" + bytesToHex(r.publicKey.toBytes(false)),
          share: keyShareToJson(r),
        }));
        store.putKeyShares(keys.map((k) => ({ keyId: k.pubkey, share: jsonBytes(k.share) })));
        const sigs = [];
        for (const k of keys)
          sigs.push({ pubkey: k.pubkey, sig: await chain.signRouting(getBytes(k.pubkey)) });
        log.info({ session: p.session, ms: Date.now() - started, keys: keys.length }, "pkp keys made");
        await peers.send(from, {
          session: p.session,
          kind: "routing-sig",
          round: 0,
          payload: { session: p.session, sigs },
        });
      }
    } catch (e) {
      log.error({ session: p.session, err: (e as Error).message }, "protocol session failed");
      if (p.purpose === "pkp-keys") this.#routingUntil = 0; // nothing to wait for
    }
  }

  async #onRoutingSig(payload: unknown, from: Validator): Promise<void> {
    const { chain, store, log } = this.deps;
    const parsed = routingSigPayloadSchema.safeParse(payload);
    if (!parsed.success) {
      log.warn({ from: from.url }, "malformed routing signatures ignored");
      return;
    }
    const p = parsed.data;
    const needed = await chain.consensusCount();
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
    const lists = [...bySigner.values()];
    const pubkeys = lists[0].map((s) => s.pubkey);
    const signatures = pubkeys.map((pk) =>
      lists
        .slice(0, needed)
        .map((list) => list.find((s) => s.pubkey === pk)?.sig)
        .filter((s) => s !== undefined),
    );
    if (signatures.some((s) => s.length < needed)) {
      log.error({ session: p.session }, "validators disagree on the keys of a batch");
      this.#routingUntil = 0;
      return;
    }
    try {
      const hash = await chain.setRoutingDataBatch(
        pubkeys.map((k) => getBytes(k)),
        signatures,
      );
      store.markKeySharesRouted(pubkeys);
      log.info({ session: p.session, keys: pubkeys.length, tx: hash }, "keys routed");
      this.routedCount = await chain.unmintedRoutedCount();
    } catch (e) {
      log.error({ session: p.session, err: (e as Error).message }, "routing failed");
    } finally {
      this.#routingUntil = 0;
    }
  }
}
