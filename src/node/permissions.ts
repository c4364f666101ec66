/**
 * Who may have a PKP sign (docs/spec/network.md, "What a node checks before it releases anything"), read from the chain at the latest block
 * on every request:
 *
 * - a PKP session acting for this very PKP: the scopes of the auth methods it was granted through,
 *   as they stand now: SignAnything (1) signs anything, PersonalSign (2) only EIP-191 messages;
 * - anyone else (a wallet, or a PKP acting for another PKP): the owner, or a permitted address
 *   holding scope 1; scope 2 allows EIP-191 messages only.
 *
 * A prehashed 32-byte digest (`/web/pkp/sign/v1`, `signEcdsa`) can never be shown to be an EIP-191
 * message, so PersonalSign alone cannot sign one.
 */
import { Contract, getAddress } from "ethers";
import { PKP_PERMISSIONS_ABI, SCOPE_PERSONAL_SIGN, SCOPE_SIGN_ANYTHING } from "../protocol";
import type { Authenticated } from "./auth";
import type { Chain } from "./chain";
import { NotFoundError, NotPermittedError } from "./errors";

export { SCOPE_PERSONAL_SIGN, SCOPE_SIGN_ANYTHING };

/** What is being signed: an opaque digest, or the EIP-191 hash of a message the node saw. */
export type SigningKind = "digest" | "eip191";

const contracts = new WeakMap<Chain, Contract>();

/** PKPPermissions' auth-method views, on the node's provider. */
export function authMethodReader(chain: Chain): Contract {
  let c = contracts.get(chain);
  if (c === undefined) {
    c = new Contract(chain.contracts.pkpPermissions, PKP_PERMISSIONS_ABI, chain.provider);
    contracts.set(chain, c);
  }
  return c;
}

export interface PermittedAuthMethod {
  authMethodType: bigint;
  authMethodId: string;
  scopes: { signAnything: boolean; personalSign: boolean };
}

/**
 * Whether (type, id) is a permitted auth method of the PKP now, with its two signing scopes;
 * undefined when it is not permitted.
 */
export async function permittedAuthMethod(
  chain: Chain,
  tokenId: bigint,
  authMethodType: bigint,
  authMethodId: string,
): Promise<PermittedAuthMethod | undefined> {
  const c = authMethodReader(chain);
  const at = { blockTag: "latest" };
  const [permitted, signAnything, personalSign] = (await Promise.all([
    c.isPermittedAuthMethod(tokenId, authMethodType, authMethodId, at),
    c.isPermittedAuthMethodScopePresent(tokenId, authMethodType, authMethodId, SCOPE_SIGN_ANYTHING, at),
    c.isPermittedAuthMethodScopePresent(tokenId, authMethodType, authMethodId, SCOPE_PERSONAL_SIGN, at),
  ])) as [boolean, boolean, boolean];
  if (!permitted) return undefined;
  return { authMethodType, authMethodId, scopes: { signAnything, personalSign } };
}

/** The user pubkey registered for an auth method (0x-hex bytes; "0x" when none). */
export async function authMethodUserPubkey(
  chain: Chain,
  authMethodType: bigint,
  authMethodId: string,
): Promise<string> {
  return (await authMethodReader(chain).getUserPubkeyForAuthMethod(authMethodType, authMethodId, {
    blockTag: "latest",
  })) as string;
}

async function requireExisting(chain: Chain, tokenId: bigint): Promise<void> {
  if (await chain.pkpExists(tokenId)) return;
  if (await chain.wasBurned(tokenId))
    throw new NotPermittedError("the PKP was burned", { reason: "PkpBurned" });
  throw new NotFoundError("no PKP with this public key exists", { reason: "PkpNotFound" });
}

async function checkPkpSession(
  chain: Chain,
  tokenId: bigint,
  session: NonNullable<Authenticated["pkp"]>,
  kind: SigningKind,
): Promise<void> {
  const now = await Promise.all(
    session.authMethods.map((m) => permittedAuthMethod(chain, tokenId, m.authMethodType, m.authMethodId)),
  );
  const live = now.filter((m): m is PermittedAuthMethod => m !== undefined);
  if (live.length === 0) {
    throw new NotPermittedError(
      "the auth method this PKP session was granted through is no longer permitted",
      {
        reason: "AuthMethodNotPermitted",
      },
    );
  }
  if (live.some((m) => m.scopes.signAnything)) return;
  if (live.some((m) => m.scopes.personalSign)) {
    if (kind === "eip191") return;
    throw new NotPermittedError(
      "the PKP session's auth method holds PersonalSign (2) only: it signs EIP-191 messages, not a raw 32-byte hash",
      { reason: "ScopeNotSufficient" },
    );
  }
  throw new NotPermittedError("the PKP session's auth method holds neither SignAnything nor PersonalSign", {
    reason: "ScopeNotSufficient",
  });
}

/**
 * Refuses (NotPermittedError / NotFoundError with a reason) unless `requester` may have the PKP
 * `tokenId` sign; `kind` says whether the node knows the digest is an EIP-191 message hash.
 */
export async function checkSigningPermission(
  chain: Chain,
  tokenId: bigint,
  requester: Authenticated | string,
  kind: SigningKind = "digest",
): Promise<void> {
  await requireExisting(chain, tokenId);
  if (typeof requester !== "string" && requester.pkp !== undefined && requester.pkp.tokenId === tokenId) {
    return checkPkpSession(chain, tokenId, requester.pkp, kind);
  }
  const address = typeof requester === "string" ? requester : requester.address;
  const owner = await chain.ownerOf(tokenId);
  if (owner === getAddress(address)) return;
  if (await chain.isPermittedAddress(tokenId, address)) {
    if (await chain.addressHasScope(tokenId, address, SCOPE_SIGN_ANYTHING)) return;
    if (await chain.addressHasScope(tokenId, address, SCOPE_PERSONAL_SIGN)) {
      if (kind === "eip191") return;
      throw new NotPermittedError(
        "the address holds scope 2 (personal messages only); a prehashed digest cannot be shown to be an EIP-191 message",
        { reason: "ScopeNotSufficient" },
      );
    }
    throw new NotPermittedError("the address is permitted without the SignAnything scope", {
      reason: "ScopeNotSufficient",
    });
  }
  throw new NotPermittedError(`${address} is neither the owner of the PKP nor a permitted address`, {
    reason: "NotOwnerOrPermitted",
  });
}
