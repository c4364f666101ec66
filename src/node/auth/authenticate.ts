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
 * - where a route allows it, a plain wallet AuthSig (a SIWE signed EIP-191 by the wallet itself)
 *   that is not a session capability (URI `lit:session:…`), names a domain and, where the route
 *   lists them, one of its Chain IDs.
 *
 * Every refusal is a NodeError whose `reason` names the failed check.
 *
 * The parts: what authentication works with (context.ts), the user's AuthSig (userAuthSig.ts) and
 * capabilities (capabilities.ts); this file is the session-signature layer and the auth methods.
 */
import { ed25519 } from "@noble/curves/ed25519";
import { hexToBytes } from "@noble/hashes/utils";
import { keccak256, toUtf8Bytes } from "ethers";
import { z } from "zod";
import { AUTH_METHOD_TYPE, LIT_ABILITY, PREFIX_OF, RECAP_ABILITY_OF } from "../../protocol";
import { InvalidRequestError, NotPermittedError, SessionExpiredError, UnauthorizedError } from "../errors";
import { grants, normaliseResourceKey, wildcardOf, type Attenuations } from "../../protocol/recap";
import { listGrants, requireGranted } from "./capabilities";
import {
  memo,
  type AuthContext,
  type AuthenticateOptions,
  type Authenticated,
  type RecapAbility,
  type RequiredCapability,
} from "./context";
import { singleUseKey, type SingleUseToken } from "./singleUse";
import { capabilityAuthSigSchema, hex, malformed, verifyUserAuthSig } from "./userAuthSig";

export * from "./capabilities";
export * from "./context";
export * from "./singleUse";
export { isSessionCapability, type SiweRole } from "./userAuthSig";

// ---------------------------------------------------------------------------------------------
// Shapes

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

// ---------------------------------------------------------------------------------------------
// Entry point

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
    const user = await verifyUserAuthSig(sig, ctx, {
      as: "wallet AuthSig",
      chainIds: options.walletChainIds,
    });
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
  const user = await verifyUserAuthSig(message.capabilities[message.capabilities.length - 1], ctx, {
    as: "capability",
    sessionKeyUri: `lit:session:${message.sessionKey}`,
  });
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

// ---------------------------------------------------------------------------------------------
// Auth methods (the `authMethods` of pkp/sign and execute)

export interface VerifiedAuthMethod {
  authMethodType: number;
  /** The id PKPPermissions stores for this auth method (bytes32 hex). */
  authMethodId: string;
  /** For EthWallet: the wallet address. */
  address: string;
  expiresAt: Date;
  /** What the node spends when it grants a request with this auth method (see singleUse.ts). */
  singleUse: SingleUseToken;
}

/**
 * How long a node remembers a spent EthWallet auth method at most: past its expiration it is refused
 * anyway, and past 31 days its nonce is (a SIWE nonce may be a block at most 30 days old).
 */
export const AUTH_METHOD_MAX_RETENTION_MS = 31 * 24 * 3600 * 1000;

/**
 * Checks one auth method and returns the id the chain knows it by. EthWallet (type 1): the access
 * token is a wallet AuthSig (a SIWE signed EIP-191, nonce a block hash of this chain, unexpired)
 * that is not a session capability (a SIWE delegating to a session key, as found in every session
 * signature: `SessionCapabilityAsAuthMethod`); its id is `keccak256(utf8("<checksummed
 * address>:lit"))`, as Lit computes it. Other types need their identity providers and are refused.
 * The caller spends `singleUse` when it grants the request (`UsedAuthMethods.consume`).
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
  const user = await verifyUserAuthSig(shape.data, ctx, { as: "auth method" });
  const retainedUntil = Math.min(
    user.expiration.getTime(),
    ctx.now().getTime() + AUTH_METHOD_MAX_RETENTION_MS,
  );
  return {
    authMethodType: AUTH_METHOD_TYPE.EthWallet,
    authMethodId: keccak256(toUtf8Bytes(`${user.address}:lit`)),
    address: user.address,
    expiresAt: user.expiration,
    singleUse: {
      key: singleUseKey("ethwallet", toUtf8Bytes(shape.data.signedMessage)),
      until: new Date(retainedUntil),
      what: `the EthWallet auth method of ${user.address}`,
    },
  };
}
