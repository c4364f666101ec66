/**
 * Talking to the other validators: `POST /peer/v1/message` with signed envelopes (envelope.ts).
 * Incoming messages are checked (schema, receiver is us, signer is the claimed sender and a current
 * validator, sealed part opens) and either handed to a handler registered for their kind (which
 * may answer: the HTTP response carries its reply) or put into the mailbox for a protocol round.
 */
import type { Wallet } from "ethers";
import type { Logger } from "pino";
import type { EncryptionKeyPair } from "../../crypto/encryption";
import type { Validator } from "../chain";
import { DetailedError } from "../../errors";
import { InvalidRequestError, UnauthorizedError } from "../errors";
import { describeIssues } from "../wire";
import {
  EnvelopeVerifier,
  envelopeSchema,
  openPayload,
  sealPayload,
  signEnvelope,
  type Envelope,
  type UnsignedEnvelope,
} from "./envelope";
import { Mailbox } from "./mailbox";
import { request } from "../../transport";

export const PEER_ROUTE = "/peer/v1/message";
/** The round messages of the DKG and presignature runs (src/node/protocols/runs.ts). */
export const ROUND_KINDS: readonly string[] = ["dkg", "presign"];

export interface PeerIdentity {
  readonly address: string;
  readonly wallet: Wallet;
  readonly comms: EncryptionKeyPair;
}

export interface OutgoingMessage {
  session: string;
  kind: string;
  round: number;
  payload?: unknown;
  /** Sealed to the receiver. */
  secret?: unknown;
}

/** A handler for a kind of message that is answered directly (not a protocol round). */
export type PeerHandler = (message: {
  envelope: Envelope;
  from: Validator;
  secret: unknown;
}) => Promise<unknown> | unknown;

/**
 * A message to a peer failed: it could not be reached, or it refused. A refusal carries the HTTP
 * `status` and the `reason` of the peer's error body (Lit's `{errorCode, details: ["reason: …"]}`),
 * so that callers branch on data, not on message text.
 */
export class PeerError extends DetailedError {
  override name = "PeerError";
  /** The peer's HTTP status (undefined when it could not be reached). */
  readonly status: number | undefined;
  /** The peer's machine-readable reason (undefined when it could not be reached). */
  readonly reason: string | undefined;

  constructor(
    message: string,
    readonly peer: string,
    options: { cause?: unknown; status?: number; reason?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = options.status;
    this.reason = options.reason;
  }
}

/** The reason in a node's error body: its `reason: …` detail, else its error code. */
export function reasonOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const { details, errorCode } = parsed as { details?: unknown; errorCode?: unknown };
    if (Array.isArray(details))
      for (const d of details)
        if (typeof d === "string" && d.startsWith("reason: ")) return d.slice("reason: ".length);
    return typeof errorCode === "string" ? errorCode : undefined;
  } catch {
    return undefined;
  }
}

export class Peers {
  readonly mailbox = new Mailbox();
  /** Checks envelope signatures (a cached public key per sender). */
  readonly verifier = new EnvelopeVerifier();
  readonly #handlers = new Map<string, PeerHandler>();

  constructor(
    readonly identity: PeerIdentity,
    private readonly validators: () => readonly Validator[],
    private readonly options: {
      peerMs: number;
      log?: Logger;
      refresh?: () => Promise<void>;
      /** The kinds of protocol round messages, kept in the mailbox (any other kind needs a handler). */
      roundKinds?: readonly string[];
    },
  ) {}

  on(kind: string, handler: PeerHandler): void {
    this.#handlers.set(kind, handler);
  }

  #find(address: string): Validator | undefined {
    const a = address.toLowerCase();
    return this.validators().find((v) => v.nodeAddress.toLowerCase() === a);
  }

  /** Handles the body of `POST /peer/v1/message`. Throws a NodeError (4xx) for anything refused. */
  async receive(body: unknown): Promise<{ ok: true; reply?: unknown }> {
    const parsed = envelopeSchema.safeParse(body);
    if (!parsed.success) {
      const details = describeIssues(parsed.error);
      throw new InvalidRequestError(`invalid peer envelope: ${details[0]}`, {
        reason: "MalformedEnvelope",
        details,
      });
    }
    const e = parsed.data;
    if (e.to.toLowerCase() !== this.identity.address.toLowerCase())
      throw new UnauthorizedError("envelope is addressed to another node", { reason: "WrongReceiver" });
    if (!this.verifier.verify(e))
      throw new UnauthorizedError("envelope is not signed by its sender", { reason: "BadEnvelopeSignature" });
    let from = this.#find(e.from);
    if (from === undefined && this.options.refresh) {
      await this.options.refresh();
      from = this.#find(e.from);
    }
    if (from === undefined)
      throw new UnauthorizedError("sender is not a current validator", { reason: "NotAValidator" });
    let secret: unknown;
    try {
      secret = openPayload(e, this.identity.comms, from.commsKey);
    } catch {
      throw new UnauthorizedError("sealed payload does not open", { reason: "SealedPayloadRefused" });
    }
    return this.#dispatch(e, from, secret);
  }

  async #dispatch(e: Envelope, from: Validator, secret: unknown): Promise<{ ok: true; reply?: unknown }> {
    const handler = this.#handlers.get(e.kind);
    if (handler !== undefined) {
      const reply = await handler({ envelope: e, from, secret });
      return reply === undefined ? { ok: true } : { ok: true, reply };
    }
    if (!(this.options.roundKinds ?? ROUND_KINDS).includes(e.kind))
      throw new InvalidRequestError(`unknown peer message kind ${JSON.stringify(e.kind)}`, {
        reason: "UnknownPeerKind",
      });
    this.mailbox.deliver(e.session, e.kind, e.round, { from: from.index, payload: e.payload, secret });
    return { ok: true };
  }

  /** Builds and signs the envelope for one receiver. */
  envelopeFor(to: Validator, m: OutgoingMessage): Envelope {
    const head = {
      from: this.identity.address,
      to: to.nodeAddress,
      session: m.session,
      kind: m.kind,
      round: m.round,
    };
    const unsigned: UnsignedEnvelope = {
      ...head,
      payload: m.payload ?? null,
      ...(m.secret === undefined
        ? {}
        : { sealed: sealPayload(m.secret, head, this.identity.comms, to.commsKey) }),
    };
    return signEnvelope(unsigned, this.identity.wallet);
  }

  /** Sends one message and returns the receiver's reply (if its handler answers). */
  async send(to: Validator, m: OutgoingMessage, timeoutMs = this.options.peerMs): Promise<unknown> {
    if (to.nodeAddress.toLowerCase() === this.identity.address.toLowerCase()) {
      const self = this.#find(this.identity.address);
      if (self === undefined) throw new PeerError("this node is not a current validator", to.url);
      // To itself: nothing crosses a wire, so nothing is signed or sealed.
      const e: Envelope = {
        from: this.identity.address,
        to: to.nodeAddress,
        session: m.session,
        kind: m.kind,
        round: m.round,
        payload: m.payload ?? null,
        key: "0x02" + "0".repeat(64),
        sig: "0x" + "0".repeat(128),
      };
      return (await this.#dispatch(e, self, m.secret)).reply;
    }
    const envelope = this.envelopeFor(to, m);
    const body = JSON.stringify(envelope);
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const res = await request(to.url + PEER_ROUTE, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          timeoutMs,
          keepAlive: true,
        });
        const text = res.body.toString("utf8");
        if (res.status < 200 || res.status >= 300)
          throw new PeerError(`peer refused ${m.kind}: ${res.status} ${text.slice(0, 300)}`, to.url, {
            status: res.status,
            reason: reasonOf(text),
          });
        const json = JSON.parse(text) as { reply?: unknown };
        return json.reply;
      } catch (e) {
        lastError = e;
        if (e instanceof PeerError) break;
        await new Promise((r) => setTimeout(r, 150 * (attempt + 1)));
      }
    }
    throw lastError instanceof PeerError
      ? lastError
      : new PeerError(`cannot reach ${to.url}: ${(lastError as Error)?.message}`, to.url, {
          cause: lastError,
        });
  }

  /** Sends to every participant (self included, locally); failures are logged, not thrown. */
  async broadcast(
    to: readonly Validator[],
    m: Omit<OutgoingMessage, "secret">,
    secretFor?: (v: Validator) => unknown,
    timeoutMs = this.options.peerMs,
  ): Promise<void> {
    await Promise.all(
      to.map(async (v) => {
        try {
          await this.send(v, { ...m, secret: secretFor ? secretFor(v) : undefined }, timeoutMs);
        } catch (e) {
          this.options.log?.warn(
            { peer: v.url, kind: m.kind, err: (e as Error).message },
            "peer send failed",
          );
        }
      }),
    );
  }
}
