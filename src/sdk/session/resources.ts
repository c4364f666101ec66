/**
 * Lit resources and abilities, as the v7 client names them (facts from `@lit-protocol/constants` and
 * `@lit-protocol/auth-helpers` 7.4.0). A resource key is `<prefix>://<id or *>`; each Lit ability maps
 * to one ReCap ability `<namespace>/<name>`.
 */
import {
  LIT_ABILITY,
  PREFIX_OF,
  RECAP_ABILITY_OF,
  RESOURCE_PREFIX,
  type LitAbility,
  type ResourcePrefix,
} from "../../protocol";
import { InvalidArgumentError } from "../errors";

export { LIT_ABILITY, PREFIX_OF, RECAP_ABILITY_OF, RESOURCE_PREFIX, type LitAbility, type ResourcePrefix };

/** A Lit resource as the client serialises it inside a session signature. */
export interface LitResource {
  resource: string;
  resourcePrefix: ResourcePrefix;
}

/** One entry of a session signature's `resourceAbilityRequests`. */
export interface ResourceAbilityRequest {
  resource: LitResource;
  ability: LitAbility;
}

/** `<prefix>://<id>`. */
export function resourceKey(r: LitResource): string {
  return `${r.resourcePrefix}://${r.resource}`;
}

function checkId(id: string, what: string, pattern = /^[A-Za-z0-9]{1,128}$/): string {
  if (id !== "*" && !pattern.test(id)) {
    throw new InvalidArgumentError(what, `must be * or ${pattern.source}, got ${JSON.stringify(id)}`);
  }
  return id;
}

/**
 * A PKP by token id (a bigint, or hex with or without `0x`), or every PKP (`*`). Like Lit's client,
 * the id is written as 64 hex characters (zero-padded).
 */
export function pkpResource(tokenId: bigint | string = "*"): LitResource {
  if (tokenId === "*") return { resource: "*", resourcePrefix: "lit-pkp" };
  const id = typeof tokenId === "bigint" ? tokenId.toString(16) : tokenId.replace(/^0x/, "");
  checkId(id, "tokenId", /^[0-9a-fA-F]{1,64}$/);
  return { resource: id.padStart(64, "0"), resourcePrefix: "lit-pkp" };
}

/** A Lit Action by IPFS CID, or every action (`*`). */
export function litActionResource(cid = "*"): LitResource {
  return { resource: checkId(cid, "ipfsId"), resourcePrefix: "lit-litaction" };
}

/**
 * Encrypted data by `<hex sha256 of the conditions>/<dataToEncryptHash>` (as the client names it for
 * decryption), or all (`*`).
 */
export function accessControlConditionResource(id = "*"): LitResource {
  return {
    resource: checkId(id, "conditions resource", /^[0-9a-fA-F]{64}(\/[0-9a-fA-F]{64})?$/),
    resourcePrefix: "lit-accesscontrolcondition",
  };
}

/** A request for `ability` on `resource`; refuses an ability that does not apply to the resource. */
export function requestAbility(resource: LitResource, ability: LitAbility): ResourceAbilityRequest {
  if (PREFIX_OF[ability] !== resource.resourcePrefix) {
    throw new InvalidArgumentError(
      "ability",
      `${ability} does not apply to ${resource.resourcePrefix} resources`,
    );
  }
  return { resource, ability };
}
