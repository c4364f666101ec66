/**
 * Signing sessions: how the nodes that passed a request's permission check agree on one signing set
 * and one presignature, and how each member releases its share (see leader.ts for the agreement).
 *
 * As a joiner a node asks the leaders of the request in order (`#agree`); as a leader it collects
 * joins (`LeaderBook`), assigns one of the free presignatures it owns in one durable transaction with
 * the decision (`#decide`), signs the decision once for every joiner, and tells the other nodes in a
 * batch a second which presignatures it assigned (`spent`). A member claims the presignature
 * durably before it computes anything, so a kill -9 never lets it use one twice.
 */
import { bytesToHex } from "@noble/hashes/utils";
import { ZeroAddress, type Wallet } from "ethers";
import type { Logger } from "pino";
import { z } from "zod";

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
import { decisionSchema, joinRequestSchema, parsePeerPayload, spentPayloadSchema } from "../peers/payloads";
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
const spentMarkSchema = spentPayloadSchema.shape.marks.element;
const spentNoticeSchema = spentPayloadSchema.extend({ marks: z.array(z.unknown()).max(10_000) });

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
    | "freePresignatureIds"
    | "assignPresignature"
    | "leaderDecision"
    | "markPresignaturesAssignedMany"
    | "claimForUse"
    | "getKeyShare"
  >;
  readonly peers: Pick<Peers, "send" | "broadcast" | "on" | "verifier">;
  /** Signs the leader's decisions. */
  readonly wallet: Wallet;
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
  /** Presignature ids this leader assigned, not yet announced to the others (sent in batches). */
  #spentQueue: { id: string; requestKey: string }[] = [];
  #spentTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(private readonly deps: SigningDeps) {
    this.leader = new LeaderBook(
      () => deps.view.quorum,
      (join, set) => this.#decide(join, set),
      (key) => deps.store.leaderDecision<Decision>(key),
    );
    deps.peers.on("join", ({ envelope, from }) => this.#onJoin(envelope.payload, from));
    deps.peers.on("spent", ({ envelope }) => this.#onSpent(envelope.payload));
  }

  stop(): void {
    this.#stopped = true;
    if (this.#spentTimer !== undefined) clearTimeout(this.#spentTimer);
  }

  /** How long a leader waits, from a request's first join, for 2t+1 joins. */
  get #joinWindowMs(): number {
    return 2 * this.deps.timeouts.peerMs;
  }

  #decide(join: JoinRequest, set: number[]): Decision {
    const { view, store, log } = this.deps;
    const me = view.me;
    if (me === undefined) throw new InternalError("leader is not a validator");
    const requestKey = `${join.requestId}\0${join.sigName}`;
    for (const id of store.freePresignatureIds({ holdersInclude: set, owner: me.index, limit: 64 })) {
      const decision = { ...join, signingSet: set, presignatureId: id };
      // The assignment and the decision are one durable transaction.
      if (store.assignPresignature(id, requestKey, decision)) {
        this.#announceSpent(id, requestKey);
        log.info(
          { requestId: join.requestId, signingSet: set, presignatureId: id },
          "signing session decided",
        );
        return decision;
      }
    }
    throw new ConflictError("the leader has no free presignature for this signing set", {
      reason: NO_FREE_PRESIGNATURE,
    });
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
      const { view, peers } = this.deps;
      void peers.broadcast(
        view.validators.filter((v) => v.nodeAddress !== view.address),
        { session: `spent/${marks[0].id}`, kind: "spent", round: 0, payload: { marks } },
      );
    }, 1000);
  }

  #onSpent(payload: unknown): void {
    // A notice is bookkeeping only: a malformed entry is dropped, the others are kept.
    const parsed = spentNoticeSchema.safeParse(payload);
    if (!parsed.success) return;
    const marks = parsed.data.marks.flatMap((m) => {
      const mark = spentMarkSchema.safeParse(m);
      return mark.success ? [mark.data] : [];
    });
    try {
      this.deps.store.markPresignaturesAssignedMany(
        marks.map((m) => ({ id: m.id, requestId: m.requestKey })),
      );
    } catch (e) {
      this.deps.log.warn({ err: (e as Error).message }, "malformed spent notice ignored");
    }
  }

  /**
   * Asks the leaders in order until one answers with a decision. A leader that was reached but saw
   * too few joins in its window ends the attempt: every joiner got the same answer, and the next
   * leader would see the same nodes.
   */
  async #agree(join: JoinRequest): Promise<Decision> {
    const { view, peers, store, timeouts, log } = this.deps;
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
          this.#joinWindowMs + timeouts.peerMs,
        );
        const env = envelopeSchema.parse(reply);
        if (env.from.toLowerCase() !== leader.nodeAddress.toLowerCase() || !peers.verifier.verify(env))
          throw new Error("decision not signed by the leader");
        const d = decisionSchema.parse(env.payload);
        if (d.requestId !== join.requestId || d.sigName !== join.sigName)
          throw new Error("decision for another request");
        if (leader.nodeAddress !== view.address)
          try {
            store.markPresignaturesAssignedMany([
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
