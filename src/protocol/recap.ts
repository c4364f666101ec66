/**
 * ReCap (EIP-5573) capability objects as Lit's v7 client writes them into a SIWE message:
 * `urn:recap:<base64url, unpadded, of the canonical JSON {att, prf}>` with
 * `att = {<resource key>: {<namespace/name>: [<restriction object>…]}}`, plus the human-readable
 * statement the SIWE statement must end with. Pure: encoding, strict decoding (canonical form only,
 * so one capability has exactly one encoding) and the grant rule. Used by the SDK (to write) and by
 * the nodes (to check). The only place ReCap is written or read.
 */
import { z } from "zod";
import { DetailedError, type DetailedErrorOptions } from "../errors";

export const RECAP_URN_PREFIX = "urn:recap:";

export type Restriction = Record<string, unknown>;
export type Attenuations = Record<string, Record<string, Restriction[]>>;
export interface Recap {
  att: Attenuations;
  prf: string[];
}

/** Why a ReCap was refused. */
export type RecapErrorReason =
  | "RecapMalformed"
  | "RecapMissing"
  | "RecapAmbiguous"
  | "RecapStatementMismatch";

export class RecapError extends DetailedError {
  override name = "RecapError";
  constructor(
    readonly reason: RecapErrorReason,
    message: string,
    options?: DetailedErrorOptions,
  ) {
    super(message, options);
  }
}

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

/** `urn:recap:…` for the given attenuations and proofs (CID strings). */
export function encodeRecap(att: Attenuations, prf: readonly string[] = []): string {
  return RECAP_URN_PREFIX + Buffer.from(canonicalJson({ att, prf }), "utf8").toString("base64url");
}

function malformed(why: string): RecapError {
  return new RecapError("RecapMalformed", `malformed ReCap: ${why}`);
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

/** EIP-5573's statement for the attenuations (what the wallet is shown), as Lit's ReCap library writes it. */
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
 * The one ReCap of a SIWE message's resources, checked against its statement: the signer must have
 * been shown (at the end of the statement) exactly what the ReCap grants.
 */
export function extractRecap(resources: readonly string[] | undefined, statement: string | undefined): Recap {
  const recaps = (resources ?? []).filter((r) => r.startsWith(RECAP_URN_PREFIX));
  if (recaps.length === 0)
    throw new RecapError("RecapMissing", "the SIWE message has no urn:recap: resource");
  if (recaps.length > 1) {
    throw new RecapError("RecapAmbiguous", "the SIWE message has more than one urn:recap: resource");
  }
  const recap = decodeRecap(recaps[0]);
  if (statement === undefined || !statement.endsWith(recapStatement(recap.att))) {
    throw new RecapError(
      "RecapStatementMismatch",
      "the SIWE statement does not describe its ReCap (tampered capability)",
    );
  }
  return recap;
}

/** `lit-pkp://00ab` and `lit-pkp://AB` name the same PKP: token ids compare as numbers. */
export function normaliseResourceKey(key: string): string {
  const m = /^([a-z-]+):\/\/(.*)$/.exec(key);
  if (!m) return key;
  const [, prefix, id] = m;
  if (prefix === "lit-pkp" && id !== "*" && /^(0x)?[0-9a-fA-F]{1,64}$/.test(id)) {
    return `${prefix}://${BigInt(id.startsWith("0x") ? id : `0x${id}`).toString(16)}`;
  }
  return `${prefix}://${id}`;
}

/** `<prefix>://*` for a resource key. */
export function wildcardOf(resourceKey: string): string {
  return normaliseResourceKey(resourceKey).replace(/:\/\/.*$/, "://*");
}

/**
 * Whether the attenuations grant `ability` on `resourceKey`: on that resource exactly, or on every
 * resource of its kind (`<prefix>://*`); the ability itself or `*\/*`.
 */
export function grants(att: Attenuations, resourceKey: string, ability: string): boolean {
  const wanted = normaliseResourceKey(resourceKey);
  const wildcard = wildcardOf(resourceKey);
  for (const [key, abilities] of Object.entries(att)) {
    const k = normaliseResourceKey(key);
    if (k !== wanted && k !== wildcard) continue;
    if (abilities[ability] !== undefined || abilities["*/*"] !== undefined) return true;
  }
  return false;
}
