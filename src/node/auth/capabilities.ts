/**
 * Capabilities: what a session's ReCap grants, the check that it grants what a request needs, and
 * the capability each kind of request needs.
 */
import { RESOURCE_PREFIX } from "../../protocol";
import { grants, type Attenuations } from "../../protocol/recap";
import { NotPermittedError } from "../errors";
import type { GrantedCapability, RequiredCapability } from "./context";

export function listGrants(att: Attenuations | undefined): GrantedCapability[] {
  if (!att) return [];
  return Object.entries(att).flatMap(([resource, abilities]) =>
    Object.keys(abilities).map((ability) => ({ resource, ability })),
  );
}

export function requireGranted(att: Attenuations, required: readonly RequiredCapability[]): void {
  for (const r of required) {
    if (!grants(att, r.resource, r.ability)) {
      throw new NotPermittedError(`the session's capability does not grant ${r.ability} on ${r.resource}`, {
        reason: "CapabilityForOtherResource",
      });
    }
  }
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
