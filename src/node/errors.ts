/**
 * Errors a node returns to a client. Every refusal is a `NodeError` with a code (which fixes the HTTP
 * status), a machine-readable `reason` (what exactly was wrong, for logs and tests) and a short
 * human message. On the wire it becomes Lit's v7 error body
 * `{errorKind, errorCode, status, message, correlationId, details[]}` (see `errorBody`). It is a
 * `DetailedError` (src/errors.ts) like every error of the project: `shortMessage` is what the wire
 * calls `message`, and `message` adds the details for logs.
 */
import { DetailedError, type DetailedErrorOptions } from "../errors";

/** The error codes a node uses; each maps to one HTTP status. */
export type NodeErrorCode =
  | "InvalidRequest"
  | "PayloadTooLarge"
  | "Unauthorized"
  | "SessionExpired"
  | "NotPermitted"
  | "NotFound"
  | "Conflict"
  | "Internal";

/** Lit's `errorKind`: the broad family of an error. */
export type NodeErrorKind = "Validation" | "Unauthorized" | "NotFound" | "Conflict" | "Unexpected";

export const STATUS_OF: Readonly<Record<NodeErrorCode, number>> = {
  InvalidRequest: 400,
  PayloadTooLarge: 413,
  Unauthorized: 401,
  SessionExpired: 401,
  NotPermitted: 403,
  NotFound: 404,
  Conflict: 409,
  Internal: 500,
};

const KIND_OF: Readonly<Record<NodeErrorCode, NodeErrorKind>> = {
  InvalidRequest: "Validation",
  PayloadTooLarge: "Validation",
  Unauthorized: "Unauthorized",
  SessionExpired: "Unauthorized",
  NotPermitted: "Unauthorized",
  NotFound: "NotFound",
  Conflict: "Conflict",
  Internal: "Unexpected",
};

export interface NodeErrorOptions extends DetailedErrorOptions {
  /** What exactly was wrong, machine-readable (e.g. `WrongNode`, `NonceNotBlockhash`). */
  reason?: string;
}

/** Base class of every error a node turns into a JSON error response. */
export class NodeError extends DetailedError {
  override name = "NodeError";
  readonly code: NodeErrorCode;
  readonly status: number;
  readonly kind: NodeErrorKind;
  readonly reason: string;

  constructor(code: NodeErrorCode, message: string, options: NodeErrorOptions = {}) {
    super(message, { details: options.details, cause: options.cause });
    this.code = code;
    this.status = STATUS_OF[code];
    this.kind = KIND_OF[code];
    this.reason = options.reason ?? code;
  }
}

/** 400: the body or a header is malformed or breaks a limit. */
export class InvalidRequestError extends NodeError {
  override name = "InvalidRequestError";
  constructor(message: string, options?: NodeErrorOptions) {
    super("InvalidRequest", message, options);
  }
}

/** 413: the body is larger than the node accepts. */
export class PayloadTooLargeError extends NodeError {
  override name = "PayloadTooLargeError";
  constructor(
    readonly limit: number,
    readonly size: number,
  ) {
    super("PayloadTooLarge", `request body is ${size} bytes, the limit is ${limit}`, {
      reason: "BodyTooLarge",
    });
  }
}

/** 401: the requester's proof of identity does not hold. */
export class UnauthorizedError extends NodeError {
  override name = "UnauthorizedError";
  constructor(message: string, options?: NodeErrorOptions) {
    super("Unauthorized", message, options);
  }
}

/** 401: a session or capability is expired or not yet valid. */
export class SessionExpiredError extends NodeError {
  override name = "SessionExpiredError";
  constructor(message: string, options?: NodeErrorOptions) {
    super("SessionExpired", message, options);
  }
}

/** 403: the requester is who it says, but may not do this. */
export class NotPermittedError extends NodeError {
  override name = "NotPermittedError";
  constructor(message: string, options?: NodeErrorOptions) {
    super("NotPermitted", message, options);
  }
}

/** 404: the key, presignature or resource named does not exist. */
export class NotFoundError extends NodeError {
  override name = "NotFoundError";
  constructor(message: string, options?: NodeErrorOptions) {
    super("NotFound", message, options);
  }
}

/** 409: the request conflicts with durable state (e.g. a presignature already used). */
export class ConflictError extends NodeError {
  override name = "ConflictError";
  constructor(message: string, options?: NodeErrorOptions) {
    super("Conflict", message, options);
  }
}

/** 500: the node failed; the message never carries internals. */
export class InternalError extends NodeError {
  override name = "InternalError";
  constructor(message = "internal error", options?: NodeErrorOptions) {
    super("Internal", message, options);
  }
}

/** Lit's v7 JSON error body. */
export interface NodeErrorBody {
  errorKind: NodeErrorKind;
  errorCode: NodeErrorCode;
  status: number;
  message: string;
  correlationId: string;
  details: string[];
}

/** Any thrown value as a NodeError; unknown errors become an opaque `Internal` (cause kept for logs). */
export function toNodeError(error: unknown): NodeError {
  if (error instanceof NodeError) return error;
  return new InternalError("internal error", { cause: error });
}

/** The JSON body for an error; `correlationId` is the request's `X-Request-Id`. */
export function errorBody(error: unknown, correlationId: string): NodeErrorBody {
  const e = toNodeError(error);
  const details = e.reason === e.code ? [...e.details] : [`reason: ${e.reason}`, ...e.details];
  return {
    errorKind: e.kind,
    errorCode: e.code,
    status: e.status,
    message: e.shortMessage,
    correlationId,
    details,
  };
}
