/**
 * PKP sessions: a SIWE message for a PKP's address, delegating to a session key, signed by the
 * network's BLS key after each node checked an auth method of that PKP on-chain
 * (`/web/sign_session_key/v1`). The nodes add one SIWE resource per auth method they checked,
 * `lit-pkpauth://<tokenId, 64 hex>/<authMethodType>/<authMethodId hex>`, before signing, so every
 * later request made with the session names the PKP and the auth methods whose scopes (read from the
 * chain at that request) decide what it may sign.
 */
import { sha256 } from "@noble/hashes/sha2";
import { hashMessage } from "ethers";

export const PKP_AUTH_RESOURCE_PREFIX = "lit-pkpauth://";

/** An auth method a PKP session was granted through. */
export interface SessionAuthMethod {
  authMethodType: bigint;
  /** The id PKPPermissions stores (0x-hex bytes). */
  authMethodId: string;
}

export interface PkpSessionBinding {
  tokenId: bigint;
  authMethods: SessionAuthMethod[];
}

export function pkpAuthResource(tokenId: bigint, m: SessionAuthMethod): string {
  const id = m.authMethodId.replace(/^0x/, "").toLowerCase();
  return `${PKP_AUTH_RESOURCE_PREFIX}${tokenId.toString(16).padStart(64, "0")}/${m.authMethodType.toString(10)}/${id}`;
}

const RESOURCE = /^lit-pkpauth:\/\/([0-9a-f]{64})\/([0-9]{1,78})\/([0-9a-f]{2,256})$/;

/**
 * The PKP and auth methods a PKP session's resources name, or undefined if there are none. All must
 * name the same PKP; a malformed one is an error (the network never signs one).
 */
export function parsePkpAuthResources(
  resources: readonly string[] | undefined,
): PkpSessionBinding | undefined {
  const ours = (resources ?? []).filter((r) => r.startsWith(PKP_AUTH_RESOURCE_PREFIX));
  if (ours.length === 0) return undefined;
  let tokenId: bigint | undefined;
  const authMethods: SessionAuthMethod[] = [];
  for (const r of ours) {
    const m = RESOURCE.exec(r);
    if (!m || m[3].length % 2 !== 0) throw new Error(`malformed PKP session resource ${r}`);
    const t = BigInt(`0x${m[1]}`);
    if (tokenId !== undefined && t !== tokenId) throw new Error("PKP session resources name two PKPs");
    tokenId = t;
    authMethods.push({ authMethodType: BigInt(m[2]), authMethodId: `0x${m[3]}` });
  }
  return { tokenId: tokenId!, authMethods };
}

/**
 * What the network signs for a PKP session (Lit's v7 rule):
 * `sha256(utf8("lit_session:" + hex(keccak256(EIP-191 prefix + siweMessage))))`.
 */
export function pkpSessionDigest(siweMessage: string): Uint8Array {
  return sha256(new TextEncoder().encode(`lit_session:${hashMessage(siweMessage).slice(2)}`));
}
