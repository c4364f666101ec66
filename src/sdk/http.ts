/**
 * JSON over HTTP to the nodes, as Lit's v7 client does it: POST, JSON body, the SDK headers and one
 * `X-Request-Id` per client operation. Every answer is checked against its route's schema
 * (src/protocol/wire.ts); every failure, a malformed answer included, becomes a `NodeFailure` naming
 * the node and why.
 */
import { randomBytes } from "node:crypto";

import { ANSWER_SCHEMAS, ROUTES, type AnswerOf, type RouteName } from "../protocol/wire";
import type { NodeFailure } from "./errors";
import type { SessionSig, SessionSigs } from "./session/sessionSigs";
import { TransportError, request, type RawResponse } from "../transport";

export const SDK_VERSION = "7.4.0";
export const SDK_TYPE = "pkp-network-sdk";

/** A request id as Lit's client makes them: `lit_` and random hex; the same at every node of one operation. */
export function newRequestId(): string {
  return `lit_${randomBytes(8).toString("hex")}`;
}

export type NodeAnswer<T> =
  | { ok: true; url: string; body: T }
  | { ok: false; url: string; failure: NodeFailure };

export interface PostOptions {
  requestId: string;
  timeoutMs?: number;
}

/** A v7 route's path (`ROUTES`). */
export type RoutePath = (typeof ROUTES)[RouteName];
/** The route name of each path. */
const ROUTE_OF = new Map(Object.entries(ROUTES).map(([name, path]) => [path, name as RouteName]));
/** What the SDK accepts on a route, by path. */
export type AnswerAt<P extends RoutePath> = AnswerOf<
  { [R in RouteName]: (typeof ROUTES)[R] extends P ? R : never }[RouteName]
>;

/**
 * POSTs `body` to `<url><path>`; a non-2xx status, a non-JSON body, an answer that does not match the
 * route's schema or a transport error is a failure.
 */
export async function postJson<P extends RoutePath>(
  url: string,
  path: P,
  body: unknown,
  options: PostOptions,
): Promise<NodeAnswer<AnswerAt<P>>> {
  let res: RawResponse;
  try {
    res = await request(`${url}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "X-Lit-SDK-Version": SDK_VERSION,
        "X-Lit-SDK-Type": SDK_TYPE,
        "X-Request-Id": options.requestId,
      },
      body: JSON.stringify(body),
      timeoutMs: options.timeoutMs ?? 30_000,
      keepAlive: true,
    });
  } catch (e) {
    return { ok: false, url, failure: transportFailure(url, e) };
  }
  const text = res.body.toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      ok: false,
      url,
      failure: { url, status: res.status, code: "BadResponse", reason: `not JSON: ${text.slice(0, 120)}` },
    };
  }
  if (res.status < 200 || res.status > 299) {
    const err = (json ?? {}) as {
      errorCode?: unknown;
      errorKind?: unknown;
      message?: unknown;
      details?: unknown;
    };
    const details = Array.isArray(err.details) ? `: ${err.details.map(String).join("; ")}` : "";
    return {
      ok: false,
      url,
      failure: {
        url,
        status: res.status,
        code: typeof err.errorCode === "string" ? err.errorCode : `HTTP${res.status}`,
        reason: `${typeof err.message === "string" ? err.message : text.slice(0, 200)}${details}`,
      },
    };
  }
  const route = ROUTE_OF.get(path)!;
  const parsed = ANSWER_SCHEMAS[route].safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.length ? issue.path.join(".") : "(body)"}: ${issue.message}`,
    );
    return {
      ok: false,
      url,
      failure: {
        url,
        status: res.status,
        code: "BadResponse",
        reason: `answer does not match the ${route} schema: ${issues.join("; ")}`,
      },
    };
  }
  return { ok: true, url, body: parsed.data as AnswerAt<P> };
}

/**
 * One request per node for one client operation: `<url><path>` POSTed to every node with the same
 * request id, the body made with that node's own session signature. A node without one fails as
 * `NoSessionSig` and gets no request. Answers come in the order of `nodes`.
 */
export function fanOut<P extends RoutePath>(
  nodes: readonly { url: string }[],
  sessionSigs: SessionSigs,
  path: P,
  body: (authSig: SessionSig) => unknown,
  options: PostOptions,
): Promise<NodeAnswer<AnswerAt<P>>[]> {
  return Promise.all(
    nodes.map(async ({ url }): Promise<NodeAnswer<AnswerAt<P>>> => {
      const authSig = sessionSigs[url];
      if (authSig === undefined)
        return {
          ok: false,
          url,
          failure: { url, code: "NoSessionSig", reason: "no session signature for this node" },
        };
      return postJson(url, path, body(authSig), options);
    }),
  );
}

function transportFailure(url: string, e: unknown): NodeFailure {
  if (e instanceof TransportError) return { url, code: e.code, reason: e.message };
  return { url, code: "Error", reason: e instanceof Error ? e.message : String(e) };
}
