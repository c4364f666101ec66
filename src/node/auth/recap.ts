/**
 * Decoding and checking ReCap (EIP-5573) capability objects as Lit's v7 client writes them into a
 * SIWE message: `urn:recap:<base64url, unpadded, of the canonical JSON {att, prf}>`. Decoding is
 * strict (canonical form only), so one capability has exactly one encoding.
 */
import { z } from "zod";
import { InvalidRequestError, UnauthorizedError } from "../errors";

export const RECAP_URN_PREFIX = "urn:recap:";

/** `namespace/name`, each of `[A-Za-z0-9.*_+-]`. */
const abilitySchema = z
  .string()
  .regex(/^[a-zA-Z0-9.*_+-]+\/[a-zA-Z0-9.*_+-]+$/, "ability must be namespace/name");

const recapSchema = z
  .object({
    att: z.record(
      z.string().min(1).max(512),
      z.record(abilitySchema, z.array(z.record(z.string(), z.unknown())).max(64)),
    ),
    prf: z.array(z.string().max(256)).max(16),
  })
  .strict();

export type Attenuations = z.infer<typeof recapSchema>["att"];
export interface Recap {
  att: Attenuations;
  prf: string[];
}

/** JSON with object keys sorted at every level. */
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

function malformed(why: string): InvalidRequestError {
  return new InvalidRequestError(`malformed ReCap: ${why}`, { reason: "RecapMalformed" });
}

/** Decodes `urn:recap:…`; refuses anything that is not the canonical encoding of a valid ReCap. */
export function decodeRecap(urn: string): Recap {
  if (!urn.startsWith(RECAP_URN_PREFIX)) throw malformed("not a urn:recap: URI");
  const encoded = urn.slice(RECAP_URN_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw malformed("payload is not unpadded base64url");
  const bytes = Buffer.from(encoded, "base64url");
  if (bytes.toString("base64url") !== encoded) throw malformed("payload is not canonical base64url");
  const text = bytes.toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed("payload is not JSON");
  }
  const parsed = recapSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw malformed(`${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  if (canonicalJson(parsed.data) !== text) throw malformed("payload is not canonical JSON (sorted keys)");
  return parsed.data;
}

/** EIP-5573's statement for the attenuations (what the wallet was shown). */
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

/**
 * The one ReCap of a SIWE message's resources, checked against its statement: the wallet must have
 * been shown (at the end of the statement) exactly what the ReCap grants.
 */
export function extractRecap(resources: readonly string[] | undefined, statement: string | undefined): Recap {
  const recaps = (resources ?? []).filter((r) => r.startsWith(RECAP_URN_PREFIX));
  if (recaps.length === 0) {
    throw new UnauthorizedError("the SIWE message has no urn:recap: resource", { reason: "RecapMissing" });
  }
  if (recaps.length > 1) {
    throw new UnauthorizedError("the SIWE message has more than one urn:recap: resource", {
      reason: "RecapAmbiguous",
    });
  }
  const recap = decodeRecap(recaps[0]);
  if (statement === undefined || !statement.endsWith(recapStatement(recap.att))) {
    throw new UnauthorizedError("the SIWE statement does not describe its ReCap (tampered capability)", {
      reason: "RecapStatementMismatch",
    });
  }
  return recap;
}

/** `lit-pkp://00ab` and `lit-pkp://AB` name the same PKP: token ids compare as numbers. */
export function normaliseResourceKey(key: string): string {
  const m = /^([a-z-]+):\/\/(.*)$/.exec(key);
  if (!m) return key;
  const [, prefix, id] = m;
  if (prefix === "lit-pkp" && id !== "*" && /^(0x)?[0-9a-fA-F]+$/.test(id)) {
    return `${prefix}://${BigInt(id.startsWith("0x") ? id : `0x${id}`).toString(16)}`;
  }
  return `${prefix}://${id}`;
}

/** Whether the attenuations grant `ability` on `resourceKey` (exactly, or via `<prefix>://*`, or `*\/*`). */
export function grants(att: Attenuations, resourceKey: string, ability: string): boolean {
  const wanted = normaliseResourceKey(resourceKey);
  const wildcard = wanted.replace(/:\/\/.*$/, "://*");
  for (const [key, abilities] of Object.entries(att)) {
    const k = normaliseResourceKey(key);
    if (k !== wanted && k !== wildcard) continue;
    if (abilities[ability] !== undefined || abilities["*/*"] !== undefined) return true;
  }
  return false;
}
