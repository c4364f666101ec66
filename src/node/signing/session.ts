/**
 * Signing sessions: how the nodes that passed a request's permission check agree on one signing set
 * and one presignature, and how each member releases its share (see leader.ts for the agreement).
 *
 * As a joiner a node asks the leaders of the request in order (`#agree`); as a leader it collects
 * joins (`LeaderBook`), assigns one of the free presignatures it owns whose signing set joined, in
 * one durable transaction with the decision (`#decide`), and signs the decision once for every
 * joiner. A member releases its share only for a decision signed by the presignature's recorded
 * owner that names exactly the set the presignature was made for, and claims its copy durably
 * before it computes anything: a kill -9 never lets it use one twice, and no leader, honest or not,
 * can get two shares of one presignature out of it (finding C1; docs/architecture.md,
 * "Presignatures").
 */
import { bytesToHex } from "@noble/hashes/utils";
import { ZeroAddress, type Wallet } from "ethers";
import type { Logger } from "pino";

import { secp256k1Group } from "../../crypto/group";
import { requestEntropy } from "../../protocol";
import {
  Presignature,
  presignaturePublicToJSON,
  signWeightedShare,
  signatureShareToJSON,
} from "../../crypto/ecdsa";
import type { Validator } from "../chain";
import type { NodeConfig } from "../config";
import { ConflictError, InternalError, NodeError, NotFoundError } from "../errors";
import { envelopeSchema, signEnvelope, type Envelope } from "../peers/envelope";
import { decisionSchema, joinRequestSchema, parsePeerPayload } from "../peers/payloads";
import { PeerError, type Peers } from "../peers/peers";
import { keyShareFromJson } from "../protocols/codec";
import type { NodeStore } from "../storage";
import type { ValidatorView } from "../view";
import {
  LeaderBook,
  NO_FREE_PRESIGNATURE,
  TOO_FEW_JOINS,
  leaderOrder,
  type Decision,
  type JoinRequest,
} from "./leader";

const parseJson = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(bytes));
const sameSet = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, k) => x === b[k]);

export interface SigningShareRequest {
  requestId: string;
  sigName: string;
  /** SEC1 uncompressed hex with 0x. */
  pubkey: string;
  /** The 32-byte digest to sign. */
  hash: Uint8Array;
}

/** This node's part of a signing session (see `SigningSessions.signingShare`). */
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

/** What of a node the signing sessions need. */
export interface SigningDeps {
  readonly view: ValidatorView;
  readonly timeouts: NodeConfig["timeouts"];
  readonly log: Logger;
  readonly store: Pick<
    NodeStore,
    | "freePresignaturesOf"
    | "assignPresignature"
    | "leaderDecision"
    | "presignatureOrigin"
    | "claimForUse"
    | "getKeyShare"
  >;
  readonly peers: Pick<Peers, "send" | "on" | "verifier">;
  /** Signs the leader's decisions. */
  readonly wallet: Wallet;
  /** This node's own presignatures: whether they are refilling, and a nudge when none fits. */
  readonly pool: { refilling(): boolean; wanted(joiners: readonly number[]): void };
  /** How many validators answer. */
  readonly liveCount: () => number;
}

/** The reason of a failure, whether it came from a peer (PeerError) or from this node (NodeError). */
function reasonOf(error: unknown): string | undefined {
  if (error instanceof PeerError || error instanceof NodeError) return error.reason;
  return undefined;
}

export class SigningSessions {
  readonly leader: LeaderBook;
  /** Parsed key shares by public key (a stored share never changes). */
  readonly #keyShares = new Map<string, ReturnType<typeof keyShareFromJson>>();
  /** The leader's signed decisions of recent sessions (one signature serves every joiner). */
  readonly #signedDecisions = new Map<string, Envelope>();

  constructor(private readonly deps: SigningDeps) {
    this.leader = new LeaderBook({
      quorum: () => deps.view.quorum,
      live: deps.liveCount,
      me: () => deps.view.me?.index ?? 0,
      decide: (join, joiners) => this.#decide(join, joiners),
      refilling: () => deps.pool.refilling(),
      recall: (key) => deps.store.leaderDecision<Decision>(key),
      poolWaitMs: deps.timeouts.presignWaitMs,
    });
    deps.peers.on("join", ({ envelope, from }) => this.#onJoin(envelope.payload, from));
  }

  /** How long a leader waits, from a request's first join, for 2t+1 joins. */
  get #joinWindowMs(): number {
    return 2 * this.deps.timeouts.peerMs;
  }

  /** The first free presignature this leader owns whose whole signing set joined and holds it. */
  #decide(join: JoinRequest, joiners: readonly number[]): Decision | undefined {
    const { view, store, log } = this.deps;
    const me = view.me;
    if (me === undefined) throw new InternalError("leader is not a validator");
    const requestKey = `${join.requestId}\0${join.sigName}`;
    const joined = new Set(joiners);
    for (const p of store.freePresignaturesOf(me.index, 1024)) {
      const set = p.signingSet;
      if (set === undefined || !set.every((i) => joined.has(i))) continue;
      const held = new Set(p.holders);
      if (!set.every((i) => held.has(i))) continue;
      const decision = { ...join, signingSet: set, presignatureId: p.id };
      // The assignment and the decision are one durable transaction.
      if (store.assignPresignature(p.id, requestKey, decision)) {
        log.info(
          { requestId: join.requestId, signingSet: set, presignatureId: p.id },
          "signing session decided",
        );
        return decision;
      }
    }
    this.deps.pool.wanted(joiners);
    return undefined;
  }

  async #onJoin(payload: unknown, from: Validator): Promise<unknown> {
    const join: JoinRequest = parsePeerPayload(joinRequestSchema, payload, "join");
    let decision: Decision;
    try {
      decision = await this.leader.join(join, from.index, this.#joinWindowMs);
    } catch (e) {
      if (e instanceof NodeError) throw e;
      throw new ConflictError((e as Error).message, { reason: "NoSigningSession", cause: e });
    }
    // One signed decision for every joiner (addressed to the zero address: to whoever joined).
    const key = `${decision.requestId}\0${decision.sigName}`;
    let signed = this.#signedDecisions.get(key);
    if (signed === undefined || signed.payload !== decision) {
      signed = signEnvelope(
        {
          from: this.deps.view.address,
          to: ZeroAddress,
          session: `decision/${join.requestId}`,
          kind: "decision",
          round: 0,
          payload: decision,
        },
        this.deps.wallet,
      );
      if (this.#signedDecisions.size >= 1024) this.#signedDecisions.clear();
      this.#signedDecisions.set(key, signed);
    }
    return signed;
  }

  /**
   * Asks the leaders in order until one answers with a decision. A leader that was reached but saw
   * too few joins in its window ends the attempt: every joiner got the same answer, and the next
   * leader would see the same nodes.
   */
  async #agree(join: JoinRequest): Promise<{ decision: Decision; leader: Validator }> {
    const { view, peers, timeouts, log } = this.deps;
    // The same order at every node (no local view of who is up may change it): joiners that split
    // between two leaders would leave both short of 2t+1.
    const order = leaderOrder(join.requestId, join.sigName, view.validators);
    let last: unknown;
    let empty = 0;
    let tries = 0;
    for (const leader of order) {
      try {
        const reply = await peers.send(
          leader,
          { session: `join/${join.requestId}`, kind: "join", round: 0, payload: join },
          // The leader may wait for its pool to refill after the join window.
          this.#joinWindowMs + timeouts.presignWaitMs + timeouts.peerMs,
        );
        const env = envelopeSchema.parse(reply);
        if (env.from.toLowerCase() !== leader.nodeAddress.toLowerCase() || !peers.verifier.verify(env))
          throw new Error("decision not signed by the leader");
        const d = decisionSchema.parse(env.payload);
        if (d.requestId !== join.requestId || d.sigName !== join.sigName)
          throw new Error("decision for another request");
        return { decision: d, leader };
      } catch (e) {
        last = e;
        // Every joiner sees the same failure of a leader (unreachable, no presignature it owns, too
        // few joins), so all of them move on to the same next leader.
        const reason = reasonOf(e);
        log.warn({ leader: leader.url, reason, err: String((e as Error).message) }, "signing leader failed");
        if (reason === TOO_FEW_JOINS) break;
        // A leader that owns no free presignature sends everyone on to the next one (the pool is
        // spread over every leader, and refilled in the background); any other failure, three times.
        if (reason === NO_FREE_PRESIGNATURE) empty++;
        else if (++tries >= 3) break;
      }
    }
    if (empty === order.length)
      throw new ConflictError(
        "no leader has a free presignature for the nodes that joined, and no pool refilled in time",
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

  /**
   * A member's checks before it claims: the presignature is one this node holds, the decision is
   * signed by its recorded owner (the only leader that may assign it) and names exactly the signing
   * set it was made for. Anything else is refused (409), and the presignature stays unused here.
   */
  #checkDecision(decision: Decision, leader: Validator): void {
    const id = decision.presignatureId;
    const origin = this.deps.store.presignatureOrigin(id);
    if (origin === undefined)
      throw new NotFoundError(`this node holds no presignature ${id}`, { reason: "PresignatureNotFound" });
    if (origin.owner !== leader.index) {
      this.deps.log.error(
        { presignatureId: id, leader: leader.index, owner: origin.owner },
        "a leader offered a presignature it does not own",
      );
      throw new ConflictError(
        `presignature ${id} belongs to node ${origin.owner ?? "(none)"}: node ${leader.index} may not assign it`,
        { reason: "NotPresignatureOwner" },
      );
    }
    if (origin.signingSet === undefined || !sameSet(origin.signingSet, decision.signingSet)) {
      this.deps.log.error(
        {
          presignatureId: id,
          leader: leader.index,
          offered: decision.signingSet,
          madeFor: origin.signingSet,
        },
        "a leader offered a presignature to a signing set it was not made for",
      );
      throw new ConflictError(
        `presignature ${id} was made for signing set [${origin.signingSet?.join(",") ?? ""}], not [${decision.signingSet.join(",")}]`,
        { reason: "WrongSigningSet" },
      );
    }
  }

  #keyShare(pubkey: string): ReturnType<typeof keyShareFromJson> {
    let key = this.#keyShares.get(pubkey);
    if (key === undefined) {
      const stored = this.deps.store.getKeyShare(pubkey);
      if (stored === undefined)
        throw new NotFoundError("this node holds no share of that key", { reason: "UnknownKey" });
      key = keyShareFromJson(secp256k1Group, parseJson(stored));
      if (this.#keyShares.size >= 10_000) this.#keyShares.clear();
      this.#keyShares.set(pubkey, key);
    }
    return key;
  }

  /**
   * One signing share of `hash` by the PKP `pubkey`, for the signing session (requestId, sigName):
   * agrees the signing set and presignature with the session's leader, durably claims the
   * presignature and computes this node's Lagrange-weighted share. The caller has checked the
   * permission. Every node that takes part must call this with the same (requestId, sigName, pubkey,
   * hash); a node left out of the signing set gets `member: false` and no share.
   */
  async signingShare(req: SigningShareRequest): Promise<SigningShare> {
    const { view, store, log } = this.deps;
    const me = view.me;
    if (me === undefined) throw new InternalError("this node is not a current validator");
    const pubkey = req.pubkey.toLowerCase();
    const key = this.#keyShare(pubkey);
    const join: JoinRequest = {
      requestId: req.requestId,
      sigName: req.sigName,
      pubkey,
      hash: "0x" + bytesToHex(req.hash),
    };
    const { decision, leader } = await this.#agree(join);
    if (
      !decision.signingSet.includes(me.index) ||
      decision.pubkey !== join.pubkey ||
      decision.hash !== join.hash
    )
      return { member: false, index: me.index, decision };
    this.#checkDecision(decision, leader);
    // Durably claim before computing anything (kill -9 after this line never reuses it).
    let json: unknown;
    try {
      json = parseJson(store.claimForUse(decision.presignatureId, `${req.requestId}\0${req.sigName}`));
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
    log.info(
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
}
