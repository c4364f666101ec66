/**
 * The edge of the node API: raw bytes in, a typed request or a `NodeError` out. Size is checked
 * before anything is parsed; every schema failure lists each invalid field with its path. The routes,
 * limits and schemas are the protocol's (src/protocol/wire.ts).
 */
import type { z } from "zod";
import { InvalidRequestError, PayloadTooLargeError } from "../errors";
import {
  DEFAULT_WIRE_LIMITS,
  bodyLimit,
  makeSchemas,
  schemas as defaultSchemas,
  type RouteName,
  type WireLimits,
} from "../../protocol/wire";

/** One line per zod issue: `path: message`. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map(
    (issue) => `${issue.path.length ? issue.path.join(".") : "(body)"}: ${issue.message}`,
  );
}

/** Validates an already-decoded value against a schema, as a 400 with every issue listed. */
export function validate<T extends z.ZodTypeAny>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const details = describeIssues(result.error);
    throw new InvalidRequestError(`invalid ${what}: ${details[0]}`, { reason: "SchemaViolation", details });
  }
  return result.data;
}

/** Parses raw JSON text: size first, then syntax (a top-level object), nothing else. */
export function parseJsonBody(raw: string | Uint8Array, limit: number): unknown {
  const size = typeof raw === "string" ? Buffer.byteLength(raw, "utf8") : raw.byteLength;
  if (size > limit) throw new PayloadTooLargeError(limit, size);
  const text =
    typeof raw === "string" ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InvalidRequestError(`body is not JSON: ${(e as Error).message}`, { reason: "MalformedJson" });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidRequestError("body must be a JSON object", { reason: "MalformedJson" });
  }
  return value;
}

type Schemas = ReturnType<typeof makeSchemas>;
export type RequestOf<R extends RouteName> = z.output<Schemas[R]>;

/** Parses and validates the body of one route. */
export function parseRequest<R extends RouteName>(
  route: R,
  raw: string | Uint8Array,
  limits: WireLimits = DEFAULT_WIRE_LIMITS,
): RequestOf<R> {
  const schemas = limits === DEFAULT_WIRE_LIMITS ? defaultSchemas : makeSchemas(limits);
  const value = parseJsonBody(raw, bodyLimit(route, limits));
  return validate(schemas[route] as Schemas[R], value, `${route} request`) as RequestOf<R>;
}

/**
 * The `X-Request-Id` header: `lit_` followed by hex (Lit's client), at most 128 characters. The same
 * value reaches every node for one client operation, so it keys the nodes' signing session.
 */
export function parseRequestId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === "") {
    throw new InvalidRequestError("missing X-Request-Id header", { reason: "MissingRequestId" });
  }
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(value)) {
    throw new InvalidRequestError("X-Request-Id must be 1..128 characters of [A-Za-z0-9_-]", {
      reason: "MalformedRequestId",
    });
  }
  return value;
}
