/**
 * The payloads nodes send each other (inside signed envelopes, see envelope.ts), as zod schemas:
 * a payload is parsed before it is used, never cast. A signed envelope proves who sent a message,
 * not that its payload is well-formed. These are node-to-node messages only; what clients and nodes
 * say to each other is the wire protocol (src/node/wire).
 */
import { z } from "zod";

const hex = (what: string) => z.string().regex(/^0x[0-9a-fA-F]*$/, `${what} must be 0x-hex`);
const index = z.number().int().min(1).max(1024);

/** Why a coordinator starts a protocol session. */
export const PURPOSES = ["network-key", "pkp-keys", "presign"] as const;
export type Purpose = (typeof PURPOSES)[number];

/** `start`: the coordinator asks every participant to run a batch. */
export const startPayload = z.object({
  session: z.string().min(1).max(200),
  purpose: z.enum(PURPOSES),
  count: z.number().int().min(1).max(256),
  participants: z.array(z.string()).min(1).max(1024),
  /** For `presign`: the owner (validator index) of each presignature of the batch. */
  owners: z.array(index).max(256).optional(),
});
export type StartPayload = z.infer<typeof startPayload>;

/** `routing-sig`: a participant's EIP-712 routing signatures for the keys of a batch. */
export const routingSigPayload = z.object({
  session: z.string().min(1).max(200),
  sigs: z
    .array(
      z.object({
        pubkey: hex("pubkey"),
        sig: z.object({ r: hex("r"), s: hex("s"), v: z.number().int() }),
      }),
    )
    .max(256),
});
export type RoutingSigPayload = z.infer<typeof routingSigPayload>;

/** `join`: a node that passed the permission check asks the leader into a signing session. */
export const joinPayload = z.object({
  requestId: z.string().min(1).max(200),
  sigName: z.string().min(1).max(200),
  /** SEC1 uncompressed hex with 0x. */
  pubkey: hex("pubkey"),
  /** 32-byte digest hex with 0x. */
  hash: hex("hash"),
});

/** `decision`: the leader's signed answer to every joiner. */
export const decisionPayload = joinPayload.extend({
  signingSet: z.array(index).min(1).max(1024),
  presignatureId: z.string().min(1).max(200),
});

/** `spent`: presignatures a leader assigned (for the others' pool levels). Bad entries are dropped. */
export const spentPayload = z.object({ marks: z.array(z.unknown()).max(10_000) });
export const spentMark = z.object({ id: z.string(), requestKey: z.string() });
