/**
 * Access control conditions: the canonical serialisation every party hashes, and the identity a
 * ciphertext is encrypted to. The canonical forms are those of Lit's client
 * (`@lit-protocol/access-control-conditions` v7, `canonical*ConditionFormatter` and `hash*Conditions`):
 * each condition is rebuilt with a fixed set of keys in a fixed order, `{operator}` items keep only
 * `operator`, nested arrays (and/or groups) are formatted element by element, and the result is
 * `JSON.stringify`-ed (so keys whose value is undefined disappear) and hashed with SHA-256.
 *
 * The identity of an encryption is
 * `lit-accesscontrolcondition://<sha256 hex of the canonical conditions>/<sha256 hex of the plaintext>`;
 * the decryption key is the network's BLS signature on its UTF-8 bytes.
 */
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex } from "@noble/hashes/utils";
import { CryptoError } from "./errors";

export class InvalidConditionsError extends CryptoError {
  override name = "InvalidConditionsError";
}

/** The four request fields that carry conditions, each with its own canonical formatter. */
export const CONDITION_KINDS = [
  "accessControlConditions",
  "evmContractConditions",
  "solRpcConditions",
  "unifiedAccessControlConditions",
] as const;
export type ConditionKind = (typeof CONDITION_KINDS)[number];

export const IDENTITY_PREFIX = "lit-accesscontrolcondition://";

type Json = unknown;
type Obj = Record<string, Json>;

function asObject(cond: Json): Obj {
  if (cond === null || typeof cond !== "object")
    throw new InvalidConditionsError("an access control condition must be an object or an array");
  return cond as Obj;
}

function field(obj: Obj, key: string): Obj {
  const v = obj[key];
  if (v === null || typeof v !== "object")
    throw new InvalidConditionsError(`condition field ${key} must be an object`);
  return v as Obj;
}

function operator(cond: Obj): Obj {
  return { operator: cond.operator };
}

/** evmBasic ("access control conditions"): contractAddress, chain, standardContractType, method, parameters, returnValueTest{comparator, value}. */
function formatEvmBasic(cond: Json): Json {
  if (Array.isArray(cond)) return cond.map(formatEvmBasic);
  const c = asObject(cond);
  if ("operator" in c) return operator(c);
  if ("returnValueTest" in c) {
    const rvt = field(c, "returnValueTest");
    return {
      contractAddress: c.contractAddress,
      chain: c.chain,
      standardContractType: c.standardContractType,
      method: c.method,
      parameters: c.parameters,
      returnValueTest: { comparator: rvt.comparator, value: rvt.value },
    };
  }
  throw new InvalidConditionsError("invalid access control condition");
}

function abiParams(params: Json): Json {
  if (!Array.isArray(params)) throw new InvalidConditionsError("functionAbi inputs/outputs must be arrays");
  return params.map((p) => {
    const o = asObject(p);
    return { name: o.name, type: o.type };
  });
}

/** evmContract: contractAddress, functionName, functionParams, functionAbi{name, inputs, outputs, constant, stateMutability}, chain, returnValueTest{key, comparator, value}. */
function formatEvmContract(cond: Json): Json {
  if (Array.isArray(cond)) return cond.map(formatEvmContract);
  const c = asObject(cond);
  if ("operator" in c) return operator(c);
  if ("returnValueTest" in c) {
    const abi = field(c, "functionAbi");
    const rvt = field(c, "returnValueTest");
    return {
      contractAddress: c.contractAddress,
      functionName: c.functionName,
      functionParams: c.functionParams,
      functionAbi: {
        name: abi.name,
        inputs: abiParams(abi.inputs),
        outputs: abiParams(abi.outputs),
        constant: abi.constant === undefined ? false : abi.constant,
        stateMutability: abi.stateMutability,
      },
      chain: c.chain,
      returnValueTest: { key: rvt.key, comparator: rvt.comparator, value: rvt.value },
    };
  }
  throw new InvalidConditionsError("invalid access control condition");
}

/** solRpc: v1 method, params, chain, returnValueTest; v2 (pdaParams present, or inside unified) adds pdaParams, pdaInterface{offset, fields}, pdaKey. */
function formatSolRpc(cond: Json, requireV2: boolean): Json {
  if (Array.isArray(cond)) return cond.map((x) => formatSolRpc(x, requireV2));
  const c = asObject(cond);
  if ("operator" in c) return operator(c);
  if ("returnValueTest" in c) {
    const rvt = field(c, "returnValueTest");
    const returnValueTest = { key: rvt.key, comparator: rvt.comparator, value: rvt.value };
    if ("pdaParams" in c || requireV2) {
      const pi = c.pdaInterface;
      if (
        !("pdaInterface" in c) ||
        !("pdaKey" in c) ||
        pi === null ||
        typeof pi !== "object" ||
        !("offset" in pi) ||
        !("fields" in pi)
      )
        throw new InvalidConditionsError(
          "solRpc conditions need pdaParams, pdaInterface{offset, fields} and pdaKey",
        );
      const pdaInterface = pi as Obj;
      return {
        method: c.method,
        params: c.params,
        pdaParams: c.pdaParams,
        pdaInterface: { offset: pdaInterface.offset, fields: pdaInterface.fields },
        pdaKey: c.pdaKey,
        chain: c.chain,
        returnValueTest,
      };
    }
    return { method: c.method, params: c.params, chain: c.chain, returnValueTest };
  }
  throw new InvalidConditionsError("invalid access control condition");
}

/** cosmos: path, chain, method, parameters, returnValueTest{key, comparator, value}. */
function formatCosmos(cond: Json): Json {
  if (Array.isArray(cond)) return cond.map(formatCosmos);
  const c = asObject(cond);
  if ("operator" in c) return operator(c);
  if ("returnValueTest" in c) {
    const rvt = field(c, "returnValueTest");
    return {
      path: c.path,
      chain: c.chain,
      method: c.method,
      parameters: c.parameters,
      returnValueTest: { key: rvt.key, comparator: rvt.comparator, value: rvt.value },
    };
  }
  throw new InvalidConditionsError("invalid access control condition");
}

/** unified: by `conditionType` (the type itself is not part of the canonical form). */
function formatUnified(cond: Json): Json {
  if (Array.isArray(cond)) return cond.map(formatUnified);
  const c = asObject(cond);
  if ("operator" in c) return operator(c);
  if ("returnValueTest" in c) {
    switch (c.conditionType) {
      case "solRpc":
        return formatSolRpc(c, true);
      case "evmBasic":
        return formatEvmBasic(c);
      case "evmContract":
        return formatEvmContract(c);
      case "cosmos":
        return formatCosmos(c);
      default:
        throw new InvalidConditionsError('condition has a missing or unknown "conditionType"');
    }
  }
  throw new InvalidConditionsError("invalid access control condition");
}

/** The canonical form (a JSON value) of a list of conditions of the given kind. */
export function canonicalConditions(kind: ConditionKind, conditions: readonly Json[]): Json[] {
  if (!Array.isArray(conditions)) throw new InvalidConditionsError(`${kind} must be an array`);
  switch (kind) {
    case "accessControlConditions":
      return conditions.map(formatEvmBasic);
    case "evmContractConditions":
      return conditions.map(formatEvmContract);
    case "solRpcConditions":
      return conditions.map((c) => formatSolRpc(c, false));
    case "unifiedAccessControlConditions": {
      const out = conditions.map(formatUnified);
      if (out.length === 0) throw new InvalidConditionsError("no conditions provided");
      return out;
    }
    default:
      throw new InvalidConditionsError(`unknown condition kind ${String(kind)}`);
  }
}

/** The exact string Lit's client hashes. */
export function canonicalConditionsJson(kind: ConditionKind, conditions: readonly Json[]): string {
  return JSON.stringify(canonicalConditions(kind, conditions));
}

export function hashConditions(kind: ConditionKind, conditions: readonly Json[]): Uint8Array {
  return sha256(new TextEncoder().encode(canonicalConditionsJson(kind, conditions)));
}

export function hashConditionsHex(kind: ConditionKind, conditions: readonly Json[]): string {
  return bytesToHex(hashConditions(kind, conditions));
}

/** `dataToEncryptHash`: lowercase hex SHA-256 of the plaintext. */
export function dataToEncryptHash(plaintext: Uint8Array): string {
  return bytesToHex(sha256(plaintext));
}

const HEX64 = /^[0-9a-f]{64}$/;

/** `lit-accesscontrolcondition://<conditions hash>/<data hash>` from the two lowercase hex hashes. */
export function identityFromHashes(conditionsHashHex: string, dataHashHex: string): string {
  if (!HEX64.test(conditionsHashHex))
    throw new InvalidConditionsError("conditions hash must be 64 lowercase hex digits");
  if (!HEX64.test(dataHashHex))
    throw new InvalidConditionsError("dataToEncryptHash must be 64 lowercase hex digits");
  return `${IDENTITY_PREFIX}${conditionsHashHex}/${dataHashHex}`;
}

export interface ConditionSet {
  readonly kind: ConditionKind;
  readonly conditions: readonly Json[];
}

/** The identity for conditions and either the plaintext or its `dataToEncryptHash`. */
export function encryptionIdentity(set: ConditionSet, data: Uint8Array | string): string {
  const dataHash = typeof data === "string" ? data : dataToEncryptHash(data);
  return identityFromHashes(hashConditionsHex(set.kind, set.conditions), dataHash);
}

/**
 * The one condition field of a request (`encryption/sign` and friends carry exactly one of the four);
 * refuses none, several, a non-array or an empty list.
 */
export function conditionsFromRequest(request: Partial<Record<ConditionKind, unknown>>): ConditionSet {
  const present = CONDITION_KINDS.filter((k) => request[k] !== undefined && request[k] !== null);
  if (present.length !== 1)
    throw new InvalidConditionsError(
      present.length === 0
        ? "request has no access control conditions"
        : `request has several kinds of conditions: ${present.join(", ")}`,
    );
  const kind = present[0];
  const conditions = request[kind];
  if (!Array.isArray(conditions)) throw new InvalidConditionsError(`${kind} must be an array`);
  if (conditions.length === 0) throw new InvalidConditionsError(`${kind} is empty`);
  return { kind, conditions };
}
