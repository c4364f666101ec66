/**
 * The v7 node API as client and node speak it, facts checked against the requests and answers of
 * `@lit-protocol/lit-node-client-nodejs@7.4.0` (Lit's v7 wire facts): the
 * routes, the size limits, the schema of every request body a node accepts and of every answer it
 * gives (Lit's fields plus our `pkpNetwork` extras, which Lit's client ignores). This is the only
 * place they are declared: the node parses requests with them (src/node/wire/parse.ts) and the SDK
 * validates answers with them (src/sdk/http.ts).
 *
 * Requests: unknown top-level fields are dropped (the client adds some that a node does not use, e.g.
 * `responseStrategy`); access control conditions and `jsParams` are kept exactly as sent, since their
 * bytes are hashed or handed on. Answers: hex is without `0x` in every share field (a prefix breaks
 * Lit's client); unknown fields are kept.
 *
 * Over 400 lines on purpose: every v7 request and answer schema in one place, the point of the file.
 */
import { z } from "zod";

/** The v7 routes. */
export const ROUTES = {
  handshake: "/web/handshake/",
  execute: "/web/execute/v1",
  pkpSign: "/web/pkp/sign/v1",
  encryptionSign: "/web/encryption/sign/",
  signSessionKey: "/web/sign_session_key/v1",
} as const;
export type RouteName = keyof typeof ROUTES;

// ---------------------------------------------------------------------------------------------
// Limits

/**
 * Size limits of the v7 node API. A request over any of them is refused with a 4xx that names the
 * limit; nothing is parsed beyond what is needed to see that it is too large.
 */
export interface WireLimits {
  /** Largest JSON body for every route except execute. */
  maxBodyBytes: number;
  /** Largest JSON body for `/web/execute/v1` (code travels inline, base64). */
  maxExecuteBodyBytes: number;
  /** Largest Lit Action code after base64 decoding (spec: 16 MB). */
  maxCodeBytes: number;
  /** Largest `signedMessage` of an AuthSig or session signature. */
  maxSignedMessageChars: number;
  /** Most capabilities (AuthSigs) in one session signature. */
  maxCapabilities: number;
  /** Most resource/ability requests in one session signature. */
  maxResourceAbilityRequests: number;
  /** Most auth methods in one request. */
  maxAuthMethods: number;
  /** Largest auth method access token. */
  maxAccessTokenChars: number;
  /** Most access control conditions (including operators) in one request. */
  maxConditions: number;
  /** Largest serialised `jsParams`. */
  maxJsParamsBytes: number;
}

export const DEFAULT_WIRE_LIMITS: Readonly<WireLimits> = Object.freeze({
  maxBodyBytes: 1024 * 1024,
  maxExecuteBodyBytes: 24 * 1024 * 1024,
  maxCodeBytes: 16 * 1024 * 1024,
  maxSignedMessageChars: 64 * 1024,
  maxCapabilities: 8,
  maxResourceAbilityRequests: 32,
  maxAuthMethods: 16,
  maxAccessTokenChars: 16 * 1024,
  maxConditions: 64,
  maxJsParamsBytes: 1024 * 1024,
});

/** The body size limit of a route. */
export function bodyLimit(route: RouteName, limits: WireLimits = DEFAULT_WIRE_LIMITS): number {
  return route === "execute" ? limits.maxExecuteBodyBytes : limits.maxBodyBytes;
}

/** Bytes of a string in UTF-8 (what JSON travels as). */
function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

// ---------------------------------------------------------------------------------------------
// Requests

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
      size = utf8Length(JSON.stringify(value) ?? "");
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
      const size = utf8Length(JSON.stringify(value));
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

// ---------------------------------------------------------------------------------------------
// Answers

/** `/web/handshake/`. BLS keys are compressed G1 points, 96 hex, no `0x`. */
export const handshakeResponseSchema = z
  .object({
    serverPublicKey: z.string(),
    subnetPublicKey: z.string(),
    networkPublicKey: z.string(),
    networkPublicKeySet: z.string(),
    hdRootPubkeys: z.array(z.string()),
    /** `0x`-prefixed hash of a recent block of this chain; becomes the client's SIWE nonce. */
    latestBlockhash: z.string(),
    /** Always null from our nodes (no attestation). */
    attestation: z.unknown(),
    nodeVersion: z.string(),
    clientSdkVersion: z.string(),
  })
  .passthrough();
export type HandshakeResponse = z.infer<typeof handshakeResponseSchema>;

/**
 * What our nodes add per ECDSA signature (pkp/sign's `pkpNetwork`, execute's
 * `pkpNetwork.signedData[sigName]`) so that each share can be verified and a wrong one named:
 * whether this node is in the signing set, the set, the presignature's public part
 * (`presignaturePublicToJSON`), the weighted share with its DLEQ proof (`signatureShareToJSON`) and
 * the node's public share X_i of the key (SEC1 hex).
 */
export const shareVerificationDataSchema = z.object({
  member: z.boolean(),
  index: z.number().int().optional(),
  signingSet: z.array(z.number().int()).optional(),
  presignatureId: z.string().optional(),
  presignature: z.unknown().optional(),
  share: z.unknown().optional(),
  publicKeyShare: z.string().optional(),
});
export type ShareVerificationData = z.infer<typeof shareVerificationDataSchema>;

/** One ECDSA share inside an execute answer's `signedData`, as Lit's v7 client reads it. */
export const signedDataEntrySchema = z.object({
  sigType: z.literal("K256"),
  /** The 32-byte digest signed, hex. */
  dataSigned: z.string(),
  /** This node's Lagrange-weighted share of s, 32 bytes hex; empty for a node outside the signing set. */
  signatureShare: z.string(),
  shareIndex: z.number().int(),
  /** The presignature's R, SEC1 hex. */
  bigR: z.string(),
  /** The PKP's public key, SEC1 hex. */
  publicKey: z.string(),
  sigName: z.string(),
});
export type SignedDataEntry = z.infer<typeof signedDataEntrySchema>;

/** `/web/execute/v1`, Lit's fields. Objects are always objects, never null. */
export const executeResponseSchema = z
  .object({
    success: z.boolean(),
    signedData: z.record(signedDataEntrySchema),
    decryptedData: z.record(z.unknown()),
    claimData: z.record(z.unknown()),
    response: z.string(),
    logs: z.string(),
    error: z.string().optional(),
  })
  .passthrough();
export type ExecuteResponse = z.infer<typeof executeResponseSchema>;

/** `/web/execute/v1` from our nodes: the action's CID and the verification data of every signature. */
export const executeAnswerSchema = executeResponseSchema.extend({
  pkpNetwork: z
    .object({ cid: z.string(), signedData: z.record(shareVerificationDataSchema) })
    .passthrough()
    .optional(),
});
export type ExecuteAnswer = z.infer<typeof executeAnswerSchema>;

/**
 * The share part of a pkp/sign answer. Lit's nodes may leave JSON quotes around the values (the
 * client strips them), so every value is a string except `share_index`, which may be either.
 */
export const pkpSignatureShareSchema = z
  .object({
    digest: z.string(),
    /** `success`, or `fail` from a node outside the signing set. */
    result: z.string(),
    share_index: z.union([z.number().int(), z.string()]),
    signature_share: z.string(),
    big_r: z.string(),
    public_key: z.string(),
    sig_type: z.string(),
  })
  .passthrough();
export type PkpSignatureShare = z.infer<typeof pkpSignatureShareSchema>;

/** `/web/pkp/sign/v1`, Lit's fields. */
export const pkpSignResponseSchema = z
  .object({
    success: z.boolean(),
    /** The digest signed, as 32 numbers. */
    signedData: z.array(z.number().int().min(0).max(255)),
    signatureShare: pkpSignatureShareSchema,
  })
  .passthrough();
export type PkpSignResponse = z.infer<typeof pkpSignResponseSchema>;

/** `/web/pkp/sign/v1` from our nodes: plus the verification data of the share. */
export const pkpSignAnswerSchema = pkpSignResponseSchema.extend({
  pkpNetwork: shareVerificationDataSchema.optional(),
});
export type PkpSignAnswer = z.infer<typeof pkpSignAnswerSchema>;

/** A BLS signature share: 1 byte Shamir identifier + 96-byte compressed G2 point, hex. */
export const blsSignatureShareSchema = z.object({ ProofOfPossession: z.string() }).passthrough();
export type BlsSignatureShare = z.infer<typeof blsSignatureShareSchema>;

/** `/web/encryption/sign/`, Lit's fields (the last three are not read by Lit's client or ours). */
export const encryptionSignResponseSchema = z
  .object({
    result: z.string(),
    signatureShare: blsSignatureShareSchema,
    shareIndex: z.number().int(),
    curveType: z.literal("BLS"),
    siweMessage: z.string().optional(),
    dataSigned: z.string().optional(),
    blsRootPubkey: z.string().optional(),
  })
  .passthrough();
export type EncryptionSignResponse = z.infer<typeof encryptionSignResponseSchema>;

/** `/web/encryption/sign/` from our nodes: the node's index and every public key share (compressed G1 hex). */
export const encryptionSignAnswerSchema = encryptionSignResponseSchema.extend({
  pkpNetwork: z
    .object({
      /** This node's Shamir index (= shareIndex + 1). */
      index: z.number().int(),
      /** Every participant's public key share (compressed G1 hex), by index. */
      publicKeyShares: z.record(z.string()),
    })
    .passthrough()
    .optional(),
});
export type EncryptionSignAnswer = z.infer<typeof encryptionSignAnswerSchema>;

/** `/web/sign_session_key/v1`, Lit's fields. */
export const signSessionKeyResponseSchema = z
  .object({
    result: z.string(),
    signatureShare: blsSignatureShareSchema,
    shareIndex: z.number().int(),
    curveType: z.literal("BLS"),
    siweMessage: z.string(),
    dataSigned: z.string(),
    blsRootPubkey: z.string(),
  })
  .passthrough();
export type SignSessionKeyResponse = z.infer<typeof signSessionKeyResponseSchema>;

/** `/web/sign_session_key/v1` from our nodes: the node's public share of the network key (compressed G1 hex). */
export const signSessionKeyAnswerSchema = signSessionKeyResponseSchema.extend({
  pkpNetwork: z.object({ index: z.number().int(), publicKeyShare: z.string() }).passthrough().optional(),
});
export type SignSessionKeyAnswer = z.infer<typeof signSessionKeyAnswerSchema>;

/**
 * What the SDK accepts from a node on each route. A handshake must be whole (the client keeps it);
 * the other answers are our nodes' with every field optional, each present field of its wire type.
 * An answer that is not even that (not an object, a field of the wrong type) is a failure of that
 * node; which fields an operation needs is that operation's check (it names the node that lacks
 * them), as before these schemas.
 */
export const ANSWER_SCHEMAS = {
  handshake: handshakeResponseSchema,
  execute: executeAnswerSchema.deepPartial(),
  pkpSign: pkpSignAnswerSchema.deepPartial(),
  encryptionSign: encryptionSignAnswerSchema.deepPartial(),
  signSessionKey: signSessionKeyAnswerSchema.deepPartial(),
} as const;
export type AnswerOf<R extends RouteName> = z.output<(typeof ANSWER_SCHEMAS)[R]>;
