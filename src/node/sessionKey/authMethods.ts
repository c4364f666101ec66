/**
 * The auth methods a node accepts for a PKP session, each checked by itself and then against the
 * chain (PKPPermissions, latest block): it must be a permitted auth method of the PKP.
 *
 * - EthWallet (1): a wallet AuthSig (SIWE, EIP-191, nonce a block hash). Permitted as a permitted
 *   address (id = the 20 address bytes; our PKPPermissions takes only that for type 1), or under Lit's
 *   id `keccak256(utf8("<address>:lit"))` where a chain's PKPPermissions accepts it.
 * - WebAuthn (3): a P-256 assertion over a recent block hash, verified against the credential's
 *   public key registered on-chain for `keccak256(utf8("<rawId>:lit"))`.
 * - Lit Action (2) is custom auth: see customAuth.ts.
 *
 * Neither is bound to the session it is shown for, so each node grants a request with one at most
 * once (`singleUse`, spent by the caller with `UsedAuthMethods.consume`), and an EthWallet SIWE that
 * is itself a session capability is refused (`SessionCapabilityAsAuthMethod`).
 */
import { getAddress } from "ethers";
import { AUTH_METHOD_TYPE, AUTH_METHOD_WEBAUTHN } from "../../protocol";
import {
  parseWebAuthnAssertion,
  singleUseKey,
  verifyAuthMethod,
  verifyWebAuthnSignature,
  type AuthContext,
  type SingleUseToken,
} from "../auth";
import type { Chain } from "../chain";
import { NotPermittedError, UnauthorizedError } from "../errors";
import { authMethodUserPubkey, permittedAuthMethod, type PermittedAuthMethod } from "../permissions";
import type { AuthMethod } from "../wire";

/** How long a WebAuthn challenge (a block hash) stays usable. */
export const WEBAUTHN_CHALLENGE_MAX_AGE_MS = 10 * 60 * 1000;

/**
 * How long a node remembers a spent WebAuthn assertion. The challenge's age is measured in chain
 * time (a chain that makes no block keeps its latest hash fresh), so this is far longer than the
 * challenge's own window.
 */
export const WEBAUTHN_REPLAY_RETENTION_MS = 24 * 3600 * 1000;

/** A verified, permitted auth method and what a Lit Action sees of it (`Lit.Auth.authMethodContexts`). */
export interface CheckedAuthMethod extends PermittedAuthMethod {
  context: Record<string, unknown>;
  /** What the node spends when it grants the request. */
  singleUse: SingleUseToken;
}

function notPermitted(what: string, tokenId: bigint): NotPermittedError {
  return new NotPermittedError(`${what} is not a permitted auth method of PKP ${tokenId.toString()}`, {
    reason: "AuthMethodNotPermitted",
  });
}

async function checkEthWallet(
  chain: Chain,
  tokenId: bigint,
  m: AuthMethod,
  ctx: AuthContext,
): Promise<CheckedAuthMethod> {
  const v = await verifyAuthMethod(m, ctx);
  // As a permitted address (id = the 20 address bytes, what our PKPPermissions takes for type 1), or
  // under Lit's hashed id (chains whose PKPPermissions accepts any type-1 id).
  const permitted =
    (await permittedAuthMethod(chain, tokenId, 1n, v.address.toLowerCase())) ??
    (await permittedAuthMethod(chain, tokenId, 1n, v.authMethodId).catch(() => undefined));
  if (permitted === undefined) throw notPermitted(`the wallet ${v.address}`, tokenId);
  return {
    ...permitted,
    context: {
      userId: getAddress(v.address),
      appId: "lit",
      authMethodType: 1,
      authMethodId: permitted.authMethodId,
      expiration: Math.floor(v.expiresAt.getTime() / 1000),
      usedForSignSessionKeyRequest: true,
    },
    singleUse: v.singleUse,
  };
}

async function checkWebAuthn(
  chain: Chain,
  tokenId: bigint,
  m: AuthMethod,
  ctx: AuthContext,
): Promise<CheckedAuthMethod> {
  const assertion = parseWebAuthnAssertion(m.accessToken);
  const now = ctx.now();
  const fresh = await ctx.isKnownBlockhash(assertion.challenge, {
    issuedAt: now,
    expiration: new Date(now.getTime() + WEBAUTHN_CHALLENGE_MAX_AGE_MS),
  });
  if (!fresh) {
    throw new UnauthorizedError("the WebAuthn challenge is not a recent block hash of this chain", {
      reason: "NonceNotBlockhash",
    });
  }
  const id = assertion.authMethodId;
  const permitted = await permittedAuthMethod(chain, tokenId, AUTH_METHOD_WEBAUTHN, id);
  if (permitted === undefined) throw notPermitted(`the WebAuthn credential ${assertion.rawId}`, tokenId);
  const pubkey = await authMethodUserPubkey(chain, AUTH_METHOD_WEBAUTHN, id);
  if (pubkey === "0x") {
    throw new NotPermittedError("no public key is registered for this WebAuthn credential", {
      reason: "WebAuthnBadPublicKey",
    });
  }
  verifyWebAuthnSignature(assertion, Buffer.from(pubkey.slice(2), "hex"));
  return {
    ...permitted,
    context: {
      userId: assertion.rawId,
      appId: "lit",
      authMethodType: AUTH_METHOD_TYPE.WebAuthn,
      authMethodId: id,
      usedForSignSessionKeyRequest: true,
    },
    // What the authenticator signed, not the signature: an ECDSA signature can be re-encoded.
    singleUse: {
      key: singleUseKey(
        "webauthn",
        new TextEncoder().encode(assertion.rawId),
        assertion.authenticatorData,
        assertion.clientDataJSON,
      ),
      until: new Date(now.getTime() + WEBAUTHN_REPLAY_RETENTION_MS),
      what: `the WebAuthn assertion of credential ${assertion.rawId}`,
    },
  };
}

/**
 * Verifies every auth method of the request and checks each is permitted for the PKP; the first
 * that fails refuses the whole request (a NodeError with its reason). Spends none of them: the
 * caller spends their `singleUse` tokens when it grants the request.
 */
export async function checkAuthMethods(
  chain: Chain,
  tokenId: bigint,
  authMethods: readonly AuthMethod[],
  ctx: AuthContext,
): Promise<CheckedAuthMethod[]> {
  const out: CheckedAuthMethod[] = [];
  for (const m of authMethods) {
    if (m.authMethodType === AUTH_METHOD_TYPE.EthWallet)
      out.push(await checkEthWallet(chain, tokenId, m, ctx));
    else if (m.authMethodType === AUTH_METHOD_TYPE.WebAuthn)
      out.push(await checkWebAuthn(chain, tokenId, m, ctx));
    else {
      throw new UnauthorizedError(
        `auth method type ${m.authMethodType} is not supported by this node (EthWallet 1, WebAuthn 3; Lit Actions as custom auth)`,
        { reason: "UnsupportedAuthMethod" },
      );
    }
  }
  return out;
}
