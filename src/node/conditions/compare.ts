/**
 * `returnValueTest` comparators, as Lit's nodes apply them to a condition's result:
 *
 * - `=`, `!=`: integers compare as numbers (`"010" = "10"`), addresses and other 0x-hex compare
 *   case-insensitively, anything else as exact strings; against a list result, `=` needs the same
 *   elements in order.
 * - `>`, `<`, `>=`, `<=`: both sides must be integers (decimal, or 0x-hex for results); anything
 *   else is a malformed condition, not a false one.
 * - `contains`, `!contains`: against a list result, membership (with `=`'s equality); against a
 *   string, substring.
 */
import { InvalidRequestError } from "../errors";

export const COMPARATORS = ["=", "!=", ">", "<", ">=", "<=", "contains", "!contains"] as const;
export type Comparator = (typeof COMPARATORS)[number];

/** A condition's result, normalised: integers as decimal strings, booleans as "true"/"false". */
export type ConditionValue = string | ConditionValue[];

export function isComparator(v: unknown): v is Comparator {
  return typeof v === "string" && (COMPARATORS as readonly string[]).includes(v);
}

const DECIMAL = /^-?\d+$/;
const HEX = /^0x[0-9a-fA-F]*$/;

function integer(v: string): bigint | undefined {
  if (DECIMAL.test(v)) return BigInt(v);
  return undefined;
}

/** Equality of two scalar values (see the module comment). */
export function valuesEqual(a: string, b: string): boolean {
  const x = integer(a);
  const y = integer(b);
  if (x !== undefined && y !== undefined) return x === y;
  if (HEX.test(a) && HEX.test(b)) return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

function ordered(result: ConditionValue, expected: string, comparator: Comparator): [bigint, bigint] {
  const x =
    typeof result !== "string"
      ? undefined
      : /^0x[0-9a-fA-F]{1,64}$/.test(result)
        ? BigInt(result)
        : integer(result);
  const y = integer(expected);
  if (y === undefined)
    throw new InvalidRequestError(
      `comparator ${comparator} needs an integer value, got ${JSON.stringify(expected)}`,
      { reason: "InvalidConditions" },
    );
  if (x === undefined)
    throw new InvalidRequestError(
      `comparator ${comparator} needs an integer result, the condition returned ${JSON.stringify(result)}`,
      { reason: "InvalidConditions" },
    );
  return [x, y];
}

/** Whether `result` passes `comparator expected`. */
export function compare(result: ConditionValue, comparator: Comparator, expected: string): boolean {
  switch (comparator) {
    case "=":
    case "!=": {
      const eq = Array.isArray(result) ? listEquals(result, expected) : valuesEqual(result, expected);
      return comparator === "=" ? eq : !eq;
    }
    case ">": {
      const [x, y] = ordered(result, expected, comparator);
      return x > y;
    }
    case "<": {
      const [x, y] = ordered(result, expected, comparator);
      return x < y;
    }
    case ">=": {
      const [x, y] = ordered(result, expected, comparator);
      return x >= y;
    }
    case "<=": {
      const [x, y] = ordered(result, expected, comparator);
      return x <= y;
    }
    case "contains":
    case "!contains": {
      const has = Array.isArray(result)
        ? result.some((r) => typeof r === "string" && valuesEqual(r, expected))
        : result.includes(expected);
      return comparator === "contains" ? has : !has;
    }
    default:
      throw new InvalidRequestError(`unknown comparator ${JSON.stringify(comparator)}`, {
        reason: "InvalidConditions",
      });
  }
}

function listEquals(result: ConditionValue[], expected: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(expected);
  } catch {
    return false;
  }
  if (!Array.isArray(parsed) || parsed.length !== result.length) return false;
  return parsed.every((p, k) => {
    const r = result[k];
    return (
      typeof r === "string" && (typeof p === "string" || typeof p === "number") && valuesEqual(r, String(p))
    );
  });
}
