/**
 * The host functions' parameters, read the way Lit's actions pass them (one object of named
 * parameters; bytes as a Uint8Array, an array of numbers, an object of index→byte, or 0x hex). A bad
 * parameter is a CapabilityError: the action gets a rejection with its message.
 */
import { secp256k1 } from "@noble/curves/secp256k1";
import { getAddress, getBytes, hexlify, isAddress, isHexString, toUtf8Bytes } from "ethers";

import { DetailedError } from "../../errors";

/** A host function refused its arguments or could not do what was asked; the action sees the message. */
export class CapabilityError extends DetailedError {
  override name = "CapabilityError";
}

export function params(args: unknown, fn: string): Record<string, unknown> {
  if (typeof args !== "object" || args === null || Array.isArray(args))
    throw new CapabilityError(`${fn}: expects one object of named parameters`);
  return args as Record<string, unknown>;
}

/** Bytes from a Uint8Array, an array of numbers, an object of index→byte, or 0x hex. */
export function bytesArg(value: unknown, fn: string, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string" && isHexString(value)) return getBytes(value);
  const list = Array.isArray(value)
    ? value
    : typeof value === "object" && value !== null
      ? Object.keys(value)
          .sort((a, b) => Number(a) - Number(b))
          .map((k) => (value as Record<string, unknown>)[k])
      : null;
  if (list !== null && list.every((b) => Number.isInteger(b) && (b as number) >= 0 && (b as number) <= 255))
    return Uint8Array.from(list as number[]);
  throw new CapabilityError(`${fn}: ${what} must be bytes (a Uint8Array, an array of 0..255 or 0x hex)`);
}

export function tokenIdArg(value: unknown, fn: string): bigint {
  try {
    if (typeof value === "bigint") return value;
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
    if (typeof value === "string" && /^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$/.test(value)) return BigInt(value);
  } catch {
    /* fall through */
  }
  throw new CapabilityError(`${fn}: tokenId must be a decimal or 0x hex string`);
}

/** A secp256k1 public key (hex with or without 0x; compressed or uncompressed) as 0x04… lower case. */
export function publicKeyArg(value: unknown, fn: string): string {
  if (typeof value !== "string") throw new CapabilityError(`${fn}: publicKey must be a hex string`);
  const hex = value.startsWith("0x") ? value.slice(2) : value;
  try {
    return "0x" + secp256k1.ProjectivePoint.fromHex(hex).toHex(false);
  } catch {
    throw new CapabilityError(`${fn}: publicKey is not a secp256k1 public key`);
  }
}

export function sigNameArg(value: unknown, fn: string): string {
  const name = value === undefined ? "sig" : value;
  if (typeof name !== "string" || !/^[\w.:-]{1,128}$/.test(name))
    throw new CapabilityError(`${fn}: sigName must be 1..128 characters of letters, digits, _ . : -`);
  return name;
}

export function idBytesArg(value: unknown, fn: string): string {
  if (typeof value === "string" && !isHexString(value)) return hexlify(toUtf8Bytes(value));
  return hexlify(bytesArg(value, fn, "userId"));
}

export function addressArg(value: unknown, fn: string): string {
  if (typeof value !== "string" || !isAddress(value))
    throw new CapabilityError(`${fn}: address must be an Ethereum address`);
  return getAddress(value);
}
