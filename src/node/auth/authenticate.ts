/**
 * Who is asking, and may they ask for this? Checks the `authSig` of a v7 request:
 *
 * - a session signature (`algo: "ed25519"`, `derivedVia: "litSessionSignViaNacl"`): the ed25519
 *   signature over the UTF-8 bytes of `signedMessage` by the session key in `address`; the message
 *   names this node (`nodeAddress`), is within its validity window, and its last capability is the
 *   user's AuthSig delegating to that session key:
 *   - a wallet SIWE (EIP-4361, signed EIP-191) whose URI is `lit:session:<session key>`, or
 *   - a PKP session (`algo: "LIT_BLS"`), signed by the network's BLS key (checked by an injected
 *     verifier, see `AuthContext.verifyNetworkSignature`);
 *   in both, the SIWE nonce must be a block hash of this chain and its ReCap must grant every
 *   resource/ability the session asks for and the one this request needs;
 * - where a route allows it, a plain wallet AuthSig (a SIWE signed EIP-191 by the wallet itself).
 *
 * Every refusal is a NodeError whose `reason` names the failed check.
 *
 * Over 400 lines: the session-signature layer (ed25519), the wallet AuthSig (SIWE + ReCap) and the
 * capability checks in one file; splitting them (sessionSig / userAuthSig / capabilities) is open.
 */
import { ed25519 } from "@noble/curves/ed25519";
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils";
import { getAddress, keccak256, toUtf8Bytes, verifyMessage } from "ethers";
import { SiweMessage } from "siwe";
import { z } from "zod";
import {
  AUTH_METHOD_TYPE,
  LIT_ABILITY,
  PREFIX_OF,
  RECAP_ABILITY_OF,
  RESOURCE_PREFIX,
  parsePkpAuthResources,
  pkpSessionDigest,
  type PkpSessionBinding,
} from "../../protocol";
import { InvalidRequestError, NotPermittedError, SessionExpiredError, UnauthorizedError } from "../errors";
import {
  RecapError,
  extractRecap,
  grants,
  normaliseResourceKey,
  wildcardOf,
  type Attenuations,
  type Recap,
} from "../../protocol/recap";

/** The ReCap abilities a node checks. */
export type RecapAbility = "Threshold/Signing" | "Threshold/Execution" | "Threshold/Decryption";

/** What a request needs: an ability on a resource (`lit-pkp://<tokenId hex>`, `lit-litaction://<CID>`, …). */
export interface RequiredCapability {
  resource: string;
  ability: RecapAbility;
}

/** A resource/ability pair the user's ReCap grants. */
export interface GrantedCapability {
  resource: string;
  ability: string;
}

export interface AuthContext {
  /** This node's URL exactly as the network lists it (`http://127.0.0.1:7470`). */
  nodeUrl: string;
  now: () => Date;
  /**
   * Whether `nonce` is the hash of a block of this chain (the caller decides how old a block may be;
   * `window` is the SIWE message's validity).
   */
  isKnownBlockhash: (
    nonce: string,
    window: { issuedAt?: Date; expiration: Date },
  ) => boolean | Promise<boolean>;
  /**
   * Verifies a BLS signature of the network's root key over `message` (Lit's `Bls12381G2Impl`:
   * 96-byte G2 signature). Without it, PKP sessions (`algo: "LIT_BLS"`) are refused.
   */
  verifyNetworkSignature?: (message: Uint8Array, signature: Uint8Array) => boolean | Promise<boolean>;
  /** Tolerated clock difference for "issued in the future" (default 60 s). */
  clockSkewMs?: number;
  /**
   * Remembers pure results (SIWE parsing, EIP-191 recovery, ed25519 checks) across requests of one
   * session, keyed by a hash of their exact inputs. Time, node, nonce and capability checks are
   * made on every request; only successes are remembered; PKP-session (BLS) checks never are.
   */
  cache?: AuthCache;
}

/** A bounded memo of pure verification results (least recently used entries are dropped). */
export class AuthCache {
  private readonly entries = new Map<string, unknown>();
  constructor(readonly maxEntries = 4096) {}

  get size(): number {
    return this.entries.size;
  }

  /** The remembered value for `parts`, or `compute()` (remembered unless it throws). */
  memo<T>(parts: readonly string[], compute: () => T): T {
    const key = bytesToHex(sha256(new TextEncoder().encode(JSON.stringify(parts))));
    if (this.entries.has(key)) {
      const value = this.entries.get(key) as T;
      this.entries.delete(key);
      this.entries.set(key, value);
      return value;
    }
    const value = compute();
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}

function memo<T>(ctx: AuthContext, parts: readonly string[], compute: () => T): T {
  return ctx.cache ? ctx.cache.memo(parts, compute) : compute();
}

export interface AuthenticateOptions {
  /** Accept a plain wallet AuthSig (no session key): only where Lit's client may send one. */
  allowWalletAuthSig?: boolean;
}

export interface Authenticated {
  /** How the requester proved itself. */
  via: "session" | "wallet" | "pkp-session";
  /** The wallet (or PKP) address that authorised the request, EIP-55 checksummed. */
  address: string;
  /** The session public key (hex), for session signatures. */
  sessionKey?: string;
  /** When the proof stops being valid. */
  expiresAt: Date;
  /** Everything the user's ReCap grants. */
  capabilities: GrantedCapability[];
  /**
   * For a PKP session: the PKP it acts for and the auth methods it was granted through (their
   * scopes, read from the chain on each request, decide what it may sign with that PKP).
   */
  pkp?: PkpSessionBinding;
}

// ---------------------------------------------------------------------------------------------
// Shapes

const hex = (n: number) =>
  z.string().regex(new RegExp(`^[0-9a-fA-F]{${2 * n}}$`), `must be ${2 * n} hex characters`);

const capabilityAuthSigSchema = z.object({
  sig: z.string().max(1024),
  derivedVia: z.string().max(64),
  signedMessage: z.string().max(64 * 1024),
  address: z.string().max(128),
  algo: z.string().max(32).optional(),
});
type CapabilityAuthSig = z.infer<typeof capabilityAuthSigSchema>;

/** Each Lit ability a session may carry: the resource prefix it applies to and its ReCap ability. */
const LIT_ABILITY_TO_RECAP: Readonly<Record<string, { prefix: string; ability: string }>> =
  Object.fromEntries(
    Object.values(LIT_ABILITY).map((a) => [a, { prefix: PREFIX_OF[a], ability: RECAP_ABILITY_OF[a] }]),
  );

const sessionMessageSchema = z.object({
  sessionKey: hex(32),
  resourceAbilityRequests: z
    .array(
      z.object({
        resource: z.object({
          resource: z.string().min(1).max(256),
          resourcePrefix: z.string().min(1).max(64),
        }),
        ability: z.string().max(64),
      }),
    )
    .max(32),
  capabilities: z.array(capabilityAuthSigSchema).min(1, "capabilities must not be empty").max(8),
  issuedAt: z.string().datetime({ offset: true }),
  expiration: z.string().datetime({ offset: true }),
  nodeAddress: z.string().max(256),
});

function malformed(what: string, error: z.ZodError, reason: string): InvalidRequestError {
  const details = error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  return new InvalidRequestError(`malformed ${what}: ${details[0]}`, { reason, details });
}

// ---------------------------------------------------------------------------------------------
// The user's AuthSig (a SIWE signed by a wallet or by the network for a PKP)

interface VerifiedSiwe {
  address: string;
  expiration: Date;
  att?: Attenuations;
  pkp?: PkpSessionBinding;
}

/** The SIWE's one ReCap, a refusal mapped to the node's errors (malformed: 400; else 401). */
function recapOf(siwe: SiweMessage): Recap {
  try {
    return extractRecap(siwe.resources, siwe.statement);
  } catch (e) {
    if (!(e instanceof RecapError)) throw e;
    const Err = e.reason === "RecapMalformed" ? InvalidRequestError : UnauthorizedError;
    throw new Err(e.shortMessage, { reason: e.reason });
  }
}

function parseSiwe(text: string): SiweMessage {
  try {
    return new SiweMessage(text);
  } catch (e) {
    throw new InvalidRequestError(`malformed SIWE message: ${e instanceof Error ? e.message : String(e)}`, {
      reason: "MalformedSiwe",
    });
  }
}

function parseTime(value: string | undefined, what: string): Date | undefined {
  if (value === undefined) return undefined;
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) {
    throw new InvalidRequestError(`malformed SIWE message: ${what} is not a date`, {
      reason: "MalformedSiwe",
    });
  }
  return t;
}

/** Checks the signer, the validity window, the nonce and (when `requireRecap`) the ReCap of a SIWE AuthSig. */
async function verifyUserAuthSig(
  authSig: CapabilityAuthSig,
  ctx: AuthContext,
  expectedUri: string | undefined,
  requireRecap: boolean,
): Promise<VerifiedSiwe & { via: "wallet" | "pkp-session" }> {
  const siwe = memo(ctx, ["siwe", authSig.signedMessage], () => parseSiwe(authSig.signedMessage));
  let via: "wallet" | "pkp-session";
  let signer: string;

  if (authSig.algo === "LIT_BLS" && authSig.derivedVia === "lit.bls") {
    via = "pkp-session";
    if (!ctx.verifyNetworkSignature) {
      throw new UnauthorizedError("this node cannot check PKP sessions (no network BLS verifier)", {
        reason: "PkpSessionUnsupported",
      });
    }
    let signature: Uint8Array;
    try {
      const parsed = z.object({ ProofOfPossession: hex(96) }).parse(JSON.parse(authSig.sig));
      signature = hexToBytes(parsed.ProofOfPossession);
    } catch {
      throw new InvalidRequestError('a PKP session sig must be {"ProofOfPossession": <192 hex>}', {
        reason: "MalformedPkpSessionSig",
      });
    }
    const message = pkpSessionDigest(authSig.signedMessage);
    let ok = false;
    try {
      ok = await ctx.verifyNetworkSignature(message, signature);
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new UnauthorizedError("the PKP session is not signed by this network's key", {
        reason: "BadNetworkSignature",
      });
    }
    signer = siwe.address;
  } else if (authSig.derivedVia === "web3.eth.personal.sign" && authSig.algo === undefined) {
    via = "wallet";
    try {
      signer = memo(ctx, ["eip191", authSig.signedMessage, authSig.sig], () =>
        verifyMessage(authSig.signedMessage, authSig.sig),
      );
    } catch {
      throw new UnauthorizedError("the SIWE signature is not a valid EIP-191 signature", {
        reason: "SiweSignatureInvalid",
      });
    }
    if (signer !== siwe.address) {
      throw new UnauthorizedError(`the SIWE message is signed by ${signer}, not by ${siwe.address}`, {
        reason: "SiweSignatureInvalid",
      });
    }
  } else {
    throw new UnauthorizedError(
      `unsupported capability AuthSig (derivedVia ${JSON.stringify(authSig.derivedVia)}, algo ${JSON.stringify(authSig.algo)})`,
      { reason: "UnsupportedCapability" },
    );
  }

  let claimed: string;
  try {
    claimed = getAddress(authSig.address);
  } catch {
    throw new InvalidRequestError("the AuthSig address is not an Ethereum address", {
      reason: "MalformedAuthSig",
    });
  }
  if (claimed !== signer) {
    throw new UnauthorizedError(`the AuthSig claims ${claimed} but its SIWE message is for ${signer}`, {
      reason: "SiweAddressMismatch",
    });
  }

  if (expectedUri !== undefined && siwe.uri !== expectedUri) {
    throw new UnauthorizedError(`the SIWE URI is ${siwe.uri}, not this session's ${expectedUri}`, {
      reason: "SiweUriMismatch",
    });
  }

  const now = ctx.now().getTime();
  const skew = ctx.clockSkewMs ?? 60_000;
  const expiration = parseTime(siwe.expirationTime, "Expiration Time");
  const issuedAt = parseTime(siwe.issuedAt, "Issued At");
  const notBefore = parseTime(siwe.notBefore, "Not Before");
  if (expiration === undefined) {
    throw new UnauthorizedError("the SIWE message has no Expiration Time", {
      reason: "CapabilityWithoutExpiration",
    });
  }
  if (now >= expiration.getTime()) {
    throw new SessionExpiredError(`the SIWE capability expired at ${expiration.toISOString()}`, {
      reason: "CapabilityExpired",
    });
  }
  if ((issuedAt && issuedAt.getTime() > now + skew) || (notBefore && notBefore.getTime() > now)) {
    throw new SessionExpiredError("the SIWE capability is not valid yet", {
      reason: "CapabilityNotYetValid",
    });
  }

  if (!(await ctx.isKnownBlockhash(siwe.nonce, { issuedAt, expiration }))) {
    throw new UnauthorizedError(`the SIWE nonce ${siwe.nonce} is not a block hash of this chain`, {
      reason: "NonceNotBlockhash",
    });
  }

  const hasRecap = (siwe.resources ?? []).some((r) => r.startsWith("urn:recap:"));
  const att = requireRecap || hasRecap ? recapOf(siwe).att : undefined;
  let pkp: PkpSessionBinding | undefined;
  if (via === "pkp-session") {
    try {
      pkp = parsePkpAuthResources(siwe.resources);
    } catch (e) {
      throw new UnauthorizedError(`the PKP session is malformed: ${(e as Error).message}`, {
        reason: "MalformedPkpSession",
      });
    }
    if (pkp === undefined) {
      throw new UnauthorizedError("the PKP session names no auth method it was granted through", {
        reason: "MalformedPkpSession",
      });
    }
  }
  return { via, address: signer, expiration, att, pkp };
}

// ---------------------------------------------------------------------------------------------
// Entry point

function listGrants(att: Attenuations | undefined): GrantedCapability[] {
  if (!att) return [];
  return Object.entries(att).flatMap(([resource, abilities]) =>
    Object.keys(abilities).map((ability) => ({ resource, ability })),
  );
}

function requireGranted(att: Attenuations, required: readonly RequiredCapability[]): void {
  for (const r of required) {
    if (!grants(att, r.resource, r.ability)) {
      throw new NotPermittedError(`the session's capability does not grant ${r.ability} on ${r.resource}`, {
        reason: "CapabilityForOtherResource",
      });
    }
  }
}

/**
 * Authenticates a request's `authSig` and checks it grants every `required` capability.
 * @returns the requester's address and what it was granted.
 */
export async function authenticate(
  authSig: unknown,
  required: RequiredCapability | readonly RequiredCapability[],
  ctx: AuthContext,
  options: AuthenticateOptions = {},
): Promise<Authenticated> {
  const needs = Array.isArray(required)
    ? (required as readonly RequiredCapability[])
    : [required as RequiredCapability];
  const shape = capabilityAuthSigSchema.safeParse(authSig);
  if (!shape.success) throw malformed("authSig", shape.error, "MalformedAuthSig");
  const sig = shape.data;

  // A plain wallet AuthSig, where the route allows it.
  if (sig.derivedVia === "web3.eth.personal.sign") {
    if (!options.allowWalletAuthSig) {
      throw new UnauthorizedError("this route needs a session signature, not a wallet AuthSig", {
        reason: "WalletAuthSigNotAccepted",
      });
    }
    const user = await verifyUserAuthSig(sig, ctx, undefined, false);
    // A wallet signing for itself holds every ability on its own behalf unless its ReCap narrows it.
    if (user.att) requireGranted(user.att, needs);
    return {
      via: "wallet",
      address: user.address,
      expiresAt: user.expiration,
      capabilities: listGrants(user.att),
    };
  }

  if (sig.algo !== "ed25519" || sig.derivedVia !== "litSessionSignViaNacl") {
    throw new UnauthorizedError(
      `unsupported authSig (derivedVia ${JSON.stringify(sig.derivedVia)}, algo ${JSON.stringify(sig.algo)})`,
      { reason: "UnsupportedAuthSig" },
    );
  }

  // 1. The session key signed this exact message.
  if (!/^[0-9a-fA-F]{64}$/.test(sig.address) || !/^[0-9a-fA-F]{128}$/.test(sig.sig)) {
    throw new InvalidRequestError("a session signature needs a 32-byte hex address and a 64-byte hex sig", {
      reason: "MalformedSessionSig",
    });
  }
  memo(ctx, ["ed25519", sig.address.toLowerCase(), sig.sig.toLowerCase(), sig.signedMessage], () => {
    let valid = false;
    try {
      const message = new TextEncoder().encode(sig.signedMessage);
      valid = ed25519.verify(hexToBytes(sig.sig), message, hexToBytes(sig.address), { zip215: false });
    } catch {
      valid = false;
    }
    if (!valid) {
      throw new UnauthorizedError("the session signature does not verify with its session key", {
        reason: "BadSessionSignature",
      });
    }
    return true;
  });

  // 2. The message: its session key, this node, its validity window.
  let json: unknown;
  try {
    json = JSON.parse(sig.signedMessage);
  } catch {
    throw new InvalidRequestError("the session signedMessage is not JSON", {
      reason: "MalformedSessionMessage",
    });
  }
  const parsed = sessionMessageSchema.safeParse(json);
  if (!parsed.success) throw malformed("session signedMessage", parsed.error, "MalformedSessionMessage");
  const message = parsed.data;
  const sessionKey = message.sessionKey.toLowerCase();
  if (sessionKey !== sig.address.toLowerCase()) {
    throw new UnauthorizedError("the session message is for another session key", {
      reason: "SessionKeyMismatch",
    });
  }
  if (message.nodeAddress !== ctx.nodeUrl) {
    throw new UnauthorizedError(
      `the session signature is for ${message.nodeAddress}, not this node (${ctx.nodeUrl})`,
      {
        reason: "WrongNode",
      },
    );
  }
  const now = ctx.now().getTime();
  const issuedAt = new Date(message.issuedAt);
  const expiration = new Date(message.expiration);
  if (now >= expiration.getTime()) {
    throw new SessionExpiredError(`the session expired at ${expiration.toISOString()}`, {
      reason: "SessionExpired",
    });
  }
  if (issuedAt.getTime() > now + (ctx.clockSkewMs ?? 60_000)) {
    throw new SessionExpiredError(`the session is issued in the future (${issuedAt.toISOString()})`, {
      reason: "SessionNotYetValid",
    });
  }

  // 3. The user's capability: the last AuthSig, delegating to this session key.
  const user = await verifyUserAuthSig(
    message.capabilities[message.capabilities.length - 1],
    ctx,
    `lit:session:${message.sessionKey}`,
    true,
  );
  const att = user.att as Attenuations;
  if (expiration.getTime() > user.expiration.getTime()) {
    throw new UnauthorizedError("the session outlives the capability that delegates to it", {
      reason: "SessionOutlivesCapability",
    });
  }

  // 4. The session asks for no more than the ReCap grants, and the request needs no more than both.
  const requested: RequiredCapability[] = [];
  for (const r of message.resourceAbilityRequests) {
    const mapped = LIT_ABILITY_TO_RECAP[r.ability];
    if (!mapped || mapped.prefix !== r.resource.resourcePrefix) {
      throw new InvalidRequestError(
        `unknown ability ${r.ability} for ${r.resource.resourcePrefix} resources`,
        {
          reason: "MalformedSessionMessage",
        },
      );
    }
    const resource = `${r.resource.resourcePrefix}://${r.resource.resource}`;
    if (!grants(att, resource, mapped.ability)) {
      throw new NotPermittedError(
        `the session asks for ${mapped.ability} on ${resource}, which its ReCap does not grant`,
        {
          reason: "RequestsExceedCapability",
        },
      );
    }
    requested.push({ resource, ability: mapped.ability as RecapAbility });
  }
  requireGranted(att, needs);
  for (const need of needs) {
    const wanted = normaliseResourceKey(need.resource);
    const wildcard = wildcardOf(need.resource);
    const covered = requested.some((r) => {
      const k = normaliseResourceKey(r.resource);
      return r.ability === need.ability && (k === wanted || k === wildcard);
    });
    if (!covered) {
      throw new NotPermittedError(`the session does not request ${need.ability} on ${need.resource}`, {
        reason: "CapabilityForOtherResource",
      });
    }
  }

  return {
    via: user.via === "pkp-session" ? "pkp-session" : "session",
    address: user.address,
    sessionKey,
    expiresAt: expiration,
    capabilities: listGrants(att),
    ...(user.pkp ? { pkp: user.pkp } : {}),
  };
}

/** The capability a PKP signing request needs: `Threshold/Signing` on `lit-pkp://<tokenId, 64 hex>`. */
export function pkpSigningCapability(tokenId: bigint): RequiredCapability {
  return {
    resource: `${RESOURCE_PREFIX.pkp}://${tokenId.toString(16).padStart(64, "0")}`,
    ability: "Threshold/Signing",
  };
}

/** The capability running a Lit Action needs: `Threshold/Execution` on `lit-litaction://<CID>`. */
export function litActionExecutionCapability(cid: string): RequiredCapability {
  return { resource: `${RESOURCE_PREFIX.litAction}://${cid}`, ability: "Threshold/Execution" };
}

/**
 * The capability a decryption needs: `Threshold/Decryption` on
 * `lit-accesscontrolcondition://<hex sha256 of the conditions>/<dataToEncryptHash>` (the client's resource).
 */
export function decryptionCapability(
  hashOfConditions: string,
  dataToEncryptHash: string,
): RequiredCapability {
  return {
    resource: `${RESOURCE_PREFIX.accessControlCondition}://${hashOfConditions}/${dataToEncryptHash}`,
    ability: "Threshold/Decryption",
  };
}

// ---------------------------------------------------------------------------------------------
// Auth methods (the `authMethods` of pkp/sign and execute)

export interface VerifiedAuthMethod {
  authMethodType: number;
  /** The id PKPPermissions stores for this auth method (bytes32 hex). */
  authMethodId: string;
  /** For EthWallet: the wallet address. */
  address: string;
  expiresAt: Date;
}

/**
 * Checks one auth method and returns the id the chain knows it by. EthWallet (type 1): the access
 * token is a wallet AuthSig (a SIWE signed EIP-191, nonce a block hash of this chain, unexpired);
 * its id is `keccak256(utf8("<checksummed address>:lit"))`, as Lit computes it. Other types need
 * their identity providers and are refused.
 */
export async function verifyAuthMethod(
  authMethod: { authMethodType: number; accessToken: string },
  ctx: AuthContext,
): Promise<VerifiedAuthMethod> {
  if (authMethod.authMethodType !== AUTH_METHOD_TYPE.EthWallet) {
    throw new UnauthorizedError(
      `auth method type ${authMethod.authMethodType} is not supported by this node`,
      {
        reason: "UnsupportedAuthMethod",
      },
    );
  }
  let token: unknown;
  try {
    token = JSON.parse(authMethod.accessToken);
  } catch {
    throw new InvalidRequestError("an EthWallet access token must be a JSON AuthSig", {
      reason: "MalformedAuthMethod",
    });
  }
  const shape = capabilityAuthSigSchema.safeParse(token);
  if (!shape.success) throw malformed("EthWallet access token", shape.error, "MalformedAuthMethod");
  if (shape.data.derivedVia !== "web3.eth.personal.sign" || shape.data.algo !== undefined) {
    throw new UnauthorizedError("an EthWallet access token must be a wallet AuthSig", {
      reason: "UnsupportedCapability",
    });
  }
  const user = await verifyUserAuthSig(shape.data, ctx, undefined, false);
  return {
    authMethodType: AUTH_METHOD_TYPE.EthWallet,
    authMethodId: keccak256(toUtf8Bytes(`${user.address}:lit`)),
    address: user.address,
    expiresAt: user.expiration,
  };
}
