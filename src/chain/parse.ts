/**
 * Validation of user input at the edge (task arguments, library parameters), with zod. Each parser
 * returns the typed value or throws InvalidArgumentError naming the argument.
 */
import { getAddress, isAddress, isHexString } from "ethers";
import { z } from "zod";

import { InvalidArgumentError } from "./errors";

const UINT256_MAX = (1n << 256n) - 1n;

/** Auth method types known to Lit (any uint256 is stored; these have names). */
export const AUTH_METHOD_TYPES: Readonly<Record<string, number>> = {
  ADDRESS: 1,
  ACTION: 2,
  WEBAUTHN: 3,
  DISCORD: 4,
  GOOGLE: 5,
  GOOGLE_JWT: 6,
  OTP: 7,
  APPLE_JWT: 8,
  STYTCH_JWT: 9,
  STYTCH_EMAIL_FACTOR_OTP: 10,
  STYTCH_SMS_FACTOR_OTP: 11,
  STYTCH_WHATSAPP_FACTOR_OTP: 12,
  STYTCH_TOTP_FACTOR_OTP: 13,
};

/** Scope ids (bit indices per auth method): 1 = SignAnything, 2 = PersonalSign. */
export const SCOPES: Readonly<Record<string, number>> = {
  "no-permissions": 0,
  "sign-anything": 1,
  "personal-sign": 2,
};

export function authMethodTypeName(type: bigint): string {
  for (const [name, value] of Object.entries(AUTH_METHOD_TYPES)) if (BigInt(value) === type) return name;
  return `TYPE_${type.toString()}`;
}

export function scopeName(scope: bigint): string {
  for (const [name, value] of Object.entries(SCOPES)) if (BigInt(value) === scope) return name;
  return `scope-${scope.toString()}`;
}

function check<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, argument: string, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(argument, parsed.error.issues[0]?.message ?? "invalid");
  return parsed.data;
}

const uint256 = z.union([z.string(), z.bigint(), z.number()]).transform((value, ctx) => {
  let result: bigint;
  if (typeof value === "string") {
    const text = value.trim();
    if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `${JSON.stringify(value)} is not a decimal or 0x-hex integer`,
      });
      return z.NEVER;
    }
    result = BigInt(text);
  } else if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${value} is not an integer` });
      return z.NEVER;
    }
    result = BigInt(value);
  } else {
    result = value;
  }
  if (result < 0n || result > UINT256_MAX) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${result.toString()} is outside uint256` });
    return z.NEVER;
  }
  return result;
});

/** A uint256 given as decimal or 0x-hex (token ids, auth method types, scope ids). */
export function parseUint256(argument: string, value: unknown): bigint {
  return check(uint256, argument, value);
}

/** A PKP token id (decimal or 0x-hex uint256). */
export function parseTokenId(value: unknown): bigint {
  return parseUint256("token id", value);
}

/** An Ethereum address (any case; returned checksummed). */
export function parseAddress(argument: string, value: unknown): string {
  return check(
    z
      .string()
      .refine((text) => isAddress(text.trim()), {
        message: `${JSON.stringify(value)} is not an Ethereum address`,
      })
      .transform((text) => getAddress(text.trim())),
    argument,
    value,
  );
}

/** 0x-prefixed hex bytes ("0x" is the empty byte string). */
export function parseHexBytes(argument: string, value: unknown): string {
  return check(
    z
      .string()
      .refine((text) => isHexString(text) && text.length % 2 === 0, {
        message: `${JSON.stringify(value)} is not 0x-prefixed hex bytes`,
      })
      .transform((text) => text.toLowerCase()),
    argument,
    value,
  );
}

/** An auth method type: a number or a name from AUTH_METHOD_TYPES (case-insensitive). */
export function parseAuthMethodType(value: unknown): bigint {
  if (typeof value === "string") {
    const named = AUTH_METHOD_TYPES[value.trim().toUpperCase()];
    if (named !== undefined) return BigInt(named);
  }
  return parseUint256("auth method type", value);
}

/** One scope: a number or a name from SCOPES ("sign-anything", "personal-sign"). */
export function parseScope(value: unknown): bigint {
  if (typeof value === "string") {
    const named = SCOPES[value.trim().toLowerCase()];
    if (named !== undefined) return BigInt(named);
  }
  return parseUint256("scope", value);
}

/** A comma-separated list of scopes ("1,2", "sign-anything"); "" is the empty list. */
export function parseScopes(value: string): bigint[] {
  const text = value.trim();
  if (text === "") return [];
  const scopes = text.split(",").map((part) => parseScope(part.trim()));
  if (new Set(scopes).size !== scopes.length)
    throw new InvalidArgumentError("scopes", `${JSON.stringify(value)} repeats a scope`);
  return scopes;
}

/** A positive integer count within [1, max]. */
export function parseCount(argument: string, value: unknown, max: number): number {
  return check(
    z.coerce
      .number({ invalid_type_error: `${JSON.stringify(value)} is not a number` })
      .int(`${JSON.stringify(value)} is not an integer`)
      .min(1, `must be at least 1, got ${JSON.stringify(value)}`)
      .max(max, `must be at most ${max}, got ${JSON.stringify(value)}`),
    argument,
    value,
  );
}
