/**
 * The SDK's side of ReCap (EIP-5573): the attenuations for a session's resource/ability requests.
 * Encoding, decoding and the statement live in the one shared module `src/protocol/recap.ts`.
 */
import type { Attenuations } from "../../protocol/recap";
import { RECAP_ABILITY_OF, resourceKey, type ResourceAbilityRequest } from "./resources";

export {
  RECAP_URN_PREFIX,
  canonicalJson,
  encodeRecap,
  recapStatement,
  type Attenuations,
  type Restriction,
} from "../../protocol/recap";

/** The attenuations granting each requested ability on each requested resource (no restrictions). */
export function attenuationsFor(requests: readonly ResourceAbilityRequest[]): Attenuations {
  const att: Attenuations = {};
  for (const r of requests) {
    const key = resourceKey(r.resource);
    const ability = RECAP_ABILITY_OF[r.ability];
    att[key] ??= {};
    att[key][ability] ??= [{}];
  }
  return att;
}
