/**
 * Schemas of every v7 request body a node accepts (facts from `spec/lit-v7-wire.md`, checked against
 * the requests `@lit-protocol/lit-node-client-nodejs@7.4.0` sends). Unknown top-level fields are
 * dropped (the client adds some that a node does not use, e.g. `responseStrategy`); access control
 * conditions and `jsParams` are kept exactly as sent, since their bytes are hashed or handed on.
 */
import { z } from "zod";
import { DEFAULT_WIRE_LIMITS, type WireLimits } from "./limits";

/** `n` bytes as lower- or upper-case hex, without `0x`. */
export function hexBytes(n: number, what: string): z.ZodString {
  return z
    .string()
    .length(2 * n, `${what} must be ${2 * n} hex characters`)
    .regex(/^[0-9a-fA-F]*$/, `${what} must be hex without 0x`);
}

/** An uncompressed SEC1 secp256k1 public key as the client sends it: `0x04` + 128 hex. */
export const pkpPublicKeySchema = z
  .string()
  .regex(/^0x04[0-9a-fA-F]{128}$/, "must be an uncompressed secp256k1 public key: 0x04 followed by 128 hex");

/** An IPFS CIDv0 (`Qm…`, base58btc, 46 characters), as Lit Actions are named. */
export const cidV0Schema = z
  .string()
  .regex(/^Qm[1-9A-HJ-NP-Za-km-z]{44}$/, "must be an IPFS CIDv0 (Qm… 46 base58 characters)");

/** The epoch the client believes current; absent or null before the client knows it. */
export const epochSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullish();

/** A value that is valid JSON when serialised and no larger than `max` bytes. */
function boundedJson(max: number, what: string) {
  return z.unknown().superRefine((value, ctx) => {
    let size: number;
    try {
      size = Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${what} is not serialisable JSON` });
      return;
    }
    if (size > max) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${what} is over ${max} bytes` });
  });
}

export function makeSchemas(limits: WireLimits = DEFAULT_WIRE_LIMITS) {
  /**
   * An AuthSig as it travels: a session signature (`algo: "ed25519"`), a wallet signature
   * (`derivedVia: "web3.eth.personal.sign"`) or a PKP session (`algo: "LIT_BLS"`). Its contents are
   * checked by `src/node/auth`; here only the shape and sizes.
   */
  const authSig = z.object({
    sig: z.string().min(1).max(1024),
    derivedVia: z.string().min(1).max(64),
    signedMessage: z.string().min(1).max(limits.maxSignedMessageChars),
    address: z.string().min(1).max(128),
    algo: z.string().max(32).optional(),
  });

  const authMethod = z.object({
    authMethodType: z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 32),
    accessToken: z.string().max(limits.maxAccessTokenChars),
  });
  const authMethods = z.array(authMethod).max(limits.maxAuthMethods);

  /** Base64 (standard alphabet, padded) code, bounded by the decoded size. */
  const code = z
    .string()
    .max(Math.ceil(limits.maxCodeBytes / 3) * 4, `code is over ${limits.maxCodeBytes} bytes`)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, "code must be base64");

  const jsParams = boundedJson(limits.maxJsParamsBytes, "jsParams");

  /**
   * One access control condition: a condition object (kept with every field, since the canonical
   * JSON is hashed), an operator `{operator: "and" | "or"}`, or a nested group.
   */
  type Condition = Record<string, unknown> | Condition[];
  const condition: z.ZodType<Condition> = z.lazy(() =>
    z.union([z.record(z.string().max(256), z.unknown()), z.array(condition).max(limits.maxConditions)]),
  );
  const conditions = z
    .array(condition)
    .min(1)
    .max(limits.maxConditions)
    .superRefine((value, ctx) => {
      const size = Buffer.byteLength(JSON.stringify(value), "utf8");
      if (size > 64 * 1024)
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: "conditions are over 64 KiB" });
    });

  const handshake = z.object({
    clientPublicKey: z.string().max(512),
    challenge: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[0-9a-fA-F]*$/, "challenge must be hex"),
    epoch: epochSchema,
  });

  const pkpSign = z.object({
    toSign: z
      .array(z.number().int().min(0).max(255))
      .length(32, "toSign must be a 32-byte digest (32 numbers 0..255)"),
    pubkey: pkpPublicKeySchema,
    authSig,
    authMethods: authMethods.optional(),
    epoch: epochSchema,
  });

  const execute = z
    .object({
      code: code.optional(),
      ipfsId: cidV0Schema.optional(),
      jsParams: jsParams.optional(),
      authSig,
      authMethods: authMethods.optional(),
      epoch: epochSchema,
    })
    .refine((b) => b.code !== undefined || b.ipfsId !== undefined, {
      message: "one of code or ipfsId is required",
      path: ["code"],
    });

  const conditionKinds = [
    "accessControlConditions",
    "evmContractConditions",
    "solRpcConditions",
    "unifiedAccessControlConditions",
  ] as const;
  const encryptionSign = z
    .object({
      accessControlConditions: conditions.optional(),
      evmContractConditions: conditions.optional(),
      solRpcConditions: conditions.optional(),
      unifiedAccessControlConditions: conditions.optional(),
      dataToEncryptHash: hexBytes(32, "dataToEncryptHash"),
      chain: z
        .string()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z0-9_-]+$/, "chain must be a chain name"),
      authSig,
      epoch: epochSchema,
    })
    .superRefine((b, ctx) => {
      const given = conditionKinds.filter((k) => b[k] !== undefined);
      if (given.length !== 1) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `exactly one of ${conditionKinds.join(", ")} is required (got ${given.length})`,
        });
      }
    });

  const signSessionKey = z
    .object({
      sessionKey: z
        .string()
        .regex(/^lit:session:[0-9a-fA-F]{64}$/, "sessionKey must be lit:session: followed by 64 hex"),
      authMethods,
      pkpPublicKey: pkpPublicKeySchema.optional(),
      siweMessage: z.string().min(1).max(limits.maxSignedMessageChars),
      curveType: z.literal("BLS"),
      code: code.optional(),
      litActionIpfsId: cidV0Schema.optional(),
      jsParams: jsParams.optional(),
      epoch: epochSchema,
    })
    .refine((b) => !(b.code !== undefined && b.litActionIpfsId !== undefined), {
      message: "give code or litActionIpfsId, not both",
      path: ["code"],
    });

  return { authSig, authMethod, handshake, pkpSign, execute, encryptionSign, signSessionKey };
}

export const schemas = makeSchemas();

export type WireAuthSig = z.infer<typeof schemas.authSig>;
export type AuthMethod = z.infer<typeof schemas.authMethod>;
export type HandshakeRequest = z.infer<typeof schemas.handshake>;
export type PkpSignRequest = z.infer<typeof schemas.pkpSign>;
export type ExecuteRequest = z.infer<typeof schemas.execute>;
export type EncryptionSignRequest = z.infer<typeof schemas.encryptionSign>;
export type SignSessionKeyRequest = z.infer<typeof schemas.signSessionKey>;
