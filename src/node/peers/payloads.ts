/**
 * Schemas of the payloads nodes send each other inside signed envelopes (src/node/peers/envelope.ts
 * checks the envelope; these check what it carries). Node-only: the SDK never speaks the peer
 * protocol, so they live here and not in src/protocol. A handler parses its payload with
 * `parsePeerPayload`, which refuses a payload that does not match with a 400 (`reason:
 * "MalformedPeerPayload"`) naming each invalid field.
 */
import { z } from "zod";
import { InvalidRequestError } from "../errors";
import { describeIssues } from "../wire/parse";

/** Largest value (UTF-8 bytes of its JSON) one node may contribute to a broadcastAndCollect. */
export const MAX_COLLECT_VALUE_BYTES = 64 * 1024;

/** 0x-prefixed hex of at most `maxBytes` bytes. */
const hex0x = (maxBytes: number) =>
  z
    .string()
    .max(2 + 2 * maxBytes)
    .regex(/^0x[0-9a-fA-F]*$/, "must be 0x-prefixed hex");
/** A request id as it reaches the nodes (`X-Request-Id`). */
const requestId = z.string().min(1).max(128);
/** A run-once, collect or signature name. */
const name = z.string().max(256);
/** The round of an action run (src/node/actions/round.ts): keccak256 hex with 0x. */
const round = z.string().regex(/^0x[0-9a-f]{64}$/, "must be a 32-byte round id (0x and lowercase hex)");

/** `action-runonce`: a follower asks the leader for the result of `runOnce(name)` in its own round. */
export const runOnceQuerySchema = z.object({
  requestId,
  round,
  name,
  /** How long the leader may wait for its own run (clamped to 0..60 s). */
  waitMs: z.number().optional(),
});
export type RunOnceQuery = z.infer<typeof runOnceQuerySchema>;

/** `action-collect`: one node's value of `broadcastAndCollect(name)` in its round. */
export const collectPayloadSchema = z.object({
  round,
  name,
  value: z.unknown().superRefine((value, ctx) => {
    const size = new TextEncoder().encode(JSON.stringify(value) ?? "").length;
    if (size > MAX_COLLECT_VALUE_BYTES)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `is ${size} bytes, the limit is ${MAX_COLLECT_VALUE_BYTES}`,
      });
  }),
});
export type CollectPayload = z.infer<typeof collectPayloadSchema>;

/** `start`: the coordinator starts a DKG among every validator (the network key or PKP keys). */
export const startPayloadSchema = z.object({
  session: z.string().min(1).max(256),
  purpose: z.enum(["network-key", "pkp-keys"]),
  count: z.number().int().min(1).max(256),
  /** Node addresses of the participants (all current validators). */
  participants: z.array(z.string().max(64)).min(1).max(1024),
});
export type StartPayload = z.infer<typeof startPayloadSchema>;

/** `presign-start`: an owner starts a presignature batch with the 2t+1 members of its signing set. */
export const presignStartPayloadSchema = z.object({
  session: z.string().min(1).max(256),
  /** The owner's validator index (the only leader that may assign these presignatures). */
  owner: z.number().int().positive(),
  /** The members' validator indices, ascending: the one signing set these presignatures serve. */
  signingSet: z.array(z.number().int().positive()).min(1).max(1024),
  count: z.number().int().min(1).max(256),
});
export type PresignStartPayload = z.infer<typeof presignStartPayloadSchema>;

/** `routing-sig`: a participant's EIP-712 routing signature of each key a PKP-key session made. */
export const routingSigPayloadSchema = z.object({
  session: z.string().min(1).max(256),
  sigs: z
    .array(
      z.object({
        pubkey: hex0x(65),
        sig: z.object({ r: hex0x(32), s: hex0x(32), v: z.number().int() }),
      }),
    )
    .max(256),
});
export type RoutingSigPayload = z.infer<typeof routingSigPayloadSchema>;

/** `join`: a node joins the leader's signing session of (requestId, sigName). */
export const joinRequestSchema = z.object({
  requestId,
  sigName: name,
  /** SEC1 uncompressed hex with 0x. */
  pubkey: hex0x(65),
  /** 32-byte digest hex with 0x. */
  hash: hex0x(32),
});

/** The leader's signed decision: the signing set and the presignature of a signing session. */
export const decisionSchema = joinRequestSchema.extend({
  signingSet: z.array(z.number().int().positive()).max(1024),
  presignatureId: z.string().max(128),
});

/** `presign-stored`: the presignatures of a batch this participant stored (it holds a share of each). */
export const presignStoredPayloadSchema = z.object({
  session: z.string().min(1).max(256),
  ids: z.array(z.string().min(1).max(128)).max(256),
});
export type PresignStoredPayload = z.infer<typeof presignStoredPayloadSchema>;

/** Parses a peer payload of `kind`, or throws a 400 naming each invalid field. */
export function parsePeerPayload<T extends z.ZodTypeAny>(
  schema: T,
  payload: unknown,
  kind: string,
): z.output<T> {
  const result = schema.safeParse(payload);
  if (!result.success) {
    const details = describeIssues(result.error);
    throw new InvalidRequestError(`invalid ${kind} payload: ${details[0]}`, {
      reason: "MalformedPeerPayload",
      details,
    });
  }
  return result.data;
}
