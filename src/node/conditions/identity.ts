/**
 * What a decryption request asks for: its one kind of conditions, their canonical hash, and the
 * identity `lit-accesscontrolcondition://<hash>/<dataToEncryptHash>` whose key share a node gives
 * once the conditions hold (the encryption route and the decryption host functions both use it).
 */
import {
  CONDITION_KINDS,
  IDENTITY_PREFIX,
  hashConditionsHex,
  type ConditionKind,
} from "../../crypto/conditions";
import { InvalidRequestError } from "../errors";
import type { EncryptionSignRequest } from "../wire";
import { unifiedConditionType } from "./evaluate";

type Json = Record<string, unknown>;

/**
 * Unified conditions as Lit's client sends them have lost `conditionType` (its canonical form drops
 * it); our hashing needs it to pick each condition's canonical form, so it is put back from the shape.
 */
function withConditionTypes(conditions: readonly unknown[]): unknown[] {
  return conditions.map((c) => {
    if (Array.isArray(c)) return withConditionTypes(c);
    if (c === null || typeof c !== "object" || "operator" in c) return c;
    const o = c as Json;
    return o.conditionType === undefined ? { ...o, conditionType: unifiedConditionType(o) } : o;
  });
}

export interface DecryptionRequest {
  kind: ConditionKind;
  conditions: unknown[];
  hashOfConditions: string;
  identity: string;
}

/** The conditions of a request, their hash and the identity whose key share is asked for. */
export function decryptionRequest(body: EncryptionSignRequest): DecryptionRequest {
  const kind = CONDITION_KINDS.find((k) => body[k] !== undefined);
  if (kind === undefined)
    throw new InvalidRequestError("request has no access control conditions", {
      reason: "InvalidConditions",
    });
  const conditions = body[kind] as unknown[];
  let hashOfConditions: string;
  try {
    hashOfConditions = hashConditionsHex(
      kind,
      kind === "unifiedAccessControlConditions" ? withConditionTypes(conditions) : conditions,
    );
  } catch (e) {
    throw new InvalidRequestError(`malformed conditions: ${(e as Error).message}`, {
      reason: "InvalidConditions",
    });
  }
  return {
    kind,
    conditions,
    hashOfConditions,
    identity: `${IDENTITY_PREFIX}${hashOfConditions}/${body.dataToEncryptHash}`,
  };
}
