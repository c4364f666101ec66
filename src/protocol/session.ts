/**
 * What client and nodes derive alike for a session and a signature, and the resource names they
 * share. This is the only place each is declared:
 *
 * - `PKP_SIGN_NAME` and `requestEntropy`: the signing session of `/web/pkp/sign/v1` and the public
 *   re-randomisation entropy of one signing operation, `keccak256(requestId ‖ 0x00 ‖ sigName)`;
 * - `pkpSessionDigest`: what the network's BLS key signs for a PKP session (Lit's v7 rule);
 * - the resource prefixes of Lit's ReCap resources (`lit-pkp://…`, `lit-litaction://…`, …) and the
 *   `lit-pkpauth://<tokenId, 64 hex>/<authMethodType>/<authMethodId hex>` resources the nodes add to a
 *   PKP session, one per auth method they checked, with their parser.
 */
import { sha256 } from "@noble/hashes/sha2";
import { concat, getBytes, hashMessage, keccak256, toUtf8Bytes } from "ethers";

/** The session name of pkp/sign in the nodes' signing protocol. */
export const PKP_SIGN_NAME = "pkpSign";

/** The public re-randomisation entropy of one signing operation: keccak256(requestId ‖ 0x00 ‖ sigName). */
export function requestEntropy(requestId: string, sigName: string): Uint8Array {
  return getBytes(keccak256(concat([toUtf8Bytes(requestId), new Uint8Array([0]), toUtf8Bytes(sigName)])));
}

/**
 * What the network signs for a PKP session (Lit's v7 rule):
 * `sha256(utf8("lit_session:" + hex(keccak256(EIP-191 prefix + siweMessage))))`.
 */
export function pkpSessionDigest(siweMessage: string): Uint8Array {
  return sha256(new TextEncoder().encode(`lit_session:${hashMessage(siweMessage).slice(2)}`));
}

/** Lit's resource prefixes (`LIT_RESOURCE_PREFIX` of @lit-protocol/constants); a key is `<prefix>://<id or *>`. */
export const RESOURCE_PREFIX = {
  pkp: "lit-pkp",
  litAction: "lit-litaction",
  accessControlCondition: "lit-accesscontrolcondition",
  rateLimitIncrease: "lit-ratelimitincrease",
} as const;
export type ResourcePrefix = (typeof RESOURCE_PREFIX)[keyof typeof RESOURCE_PREFIX];

/** Lit's abilities (`LIT_ABILITY` of @lit-protocol/constants 7.4.0). */
export const LIT_ABILITY = {
  pkpSigning: "pkp-signing",
  litActionExecution: "lit-action-execution",
  accessControlConditionDecryption: "access-control-condition-decryption",
  accessControlConditionSigning: "access-control-condition-signing",
  rateLimitIncreaseAuth: "rate-limit-increase-auth",
} as const;
export type LitAbility = (typeof LIT_ABILITY)[keyof typeof LIT_ABILITY];

/** The ReCap ability (`namespace/name`) of each Lit ability. */
export const RECAP_ABILITY_OF: Readonly<Record<LitAbility, string>> = {
  "pkp-signing": "Threshold/Signing",
  "lit-action-execution": "Threshold/Execution",
  "access-control-condition-decryption": "Threshold/Decryption",
  "access-control-condition-signing": "Threshold/Signing",
  "rate-limit-increase-auth": "Auth/Auth",
};

/** The resource prefix each Lit ability applies to. */
export const PREFIX_OF: Readonly<Record<LitAbility, ResourcePrefix>> = {
  "pkp-signing": "lit-pkp",
  "lit-action-execution": "lit-litaction",
  "access-control-condition-decryption": "lit-accesscontrolcondition",
  "access-control-condition-signing": "lit-accesscontrolcondition",
  "rate-limit-increase-auth": "lit-ratelimitincrease",
};

/** The prefix of the resources the nodes add to a PKP session (never the client). */
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

/** The `lit-pkpauth://` resource of one checked auth method. */
export function pkpAuthResource(tokenId: bigint, m: SessionAuthMethod): string {
  const id = m.authMethodId.replace(/^0x/, "").toLowerCase();
  return `${PKP_AUTH_RESOURCE_PREFIX}${tokenId.toString(16).padStart(64, "0")}/${m.authMethodType.toString(10)}/${id}`;
}

const PKP_AUTH_RESOURCE = /^lit-pkpauth:\/\/([0-9a-f]{64})\/([0-9]{1,78})\/([0-9a-f]{2,256})$/;

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
    const m = PKP_AUTH_RESOURCE.exec(r);
    if (!m || m[3].length % 2 !== 0) throw new Error(`malformed PKP session resource ${r}`);
    const t = BigInt(`0x${m[1]}`);
    if (tokenId !== undefined && t !== tokenId) throw new Error("PKP session resources name two PKPs");
    tokenId = t;
    authMethods.push({ authMethodType: BigInt(m[2]), authMethodId: `0x${m[3]}` });
  }
  return { tokenId: tokenId!, authMethods };
}
