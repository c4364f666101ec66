/**
 * ReCap (EIP-5573) capability objects, in the form Lit's v7 client puts in a SIWE message: the
 * resource `urn:recap:<base64url, unpadded, of the canonical JSON {att, prf}>` where
 * `att = {<resource key>: {<namespace/name>: [<restriction object>…]}}`, plus a human-readable
 * statement the SIWE statement must end with.
 */
import { RECAP_ABILITY_OF, resourceKey, type ResourceAbilityRequest } from "./resources";

export type Restriction = Record<string, unknown>;
export type Attenuations = Record<string, Record<string, Restriction[]>>;

export const RECAP_URN_PREFIX = "urn:recap:";

/** JSON with object keys sorted at every level (RFC 8785 for the strings and small integers ReCaps hold). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}

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

/** `urn:recap:…` for the given attenuations and proofs (CID strings). */
export function encodeRecap(att: Attenuations, prf: readonly string[] = []): string {
  const json = canonicalJson({ att, prf });
  return RECAP_URN_PREFIX + Buffer.from(json, "utf8").toString("base64url");
}

/** EIP-5573's statement for the attenuations, as the client's ReCap library writes it. */
export function recapStatement(att: Attenuations): string {
  let statement = "I further authorize the stated URI to perform the following actions on my behalf:";
  let section = 1;
  for (const resource of Object.keys(att).sort()) {
    const byNamespace = new Map<string, string[]>();
    for (const ability of Object.keys(att[resource]).sort()) {
      const [namespace, name] = ability.split("/");
      byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), name]);
    }
    for (const [namespace, names] of byNamespace) {
      statement += ` (${section}) '${namespace}': ${names.map((n) => `'${n}'`).join(", ")} for '${resource}'.`;
      section += 1;
    }
  }
  return statement;
}
