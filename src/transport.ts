/**
 * HTTP requests on node:http, shared by the SDK, the launcher and the nodes. By default each request
 * has its own connection: a `hardhat node` (and any Node.js server with default settings) closes idle
 * keep-alive sockets after 5 s, and a client that reuses such a socket at that moment gets "socket
 * hang up" / "other side closed" for a request the server never saw.
 *
 * `keepAlive: true` is for our own nodes, whose server keeps idle connections for 72 s (fastify's
 * default): the agent closes a socket after 2 s idle, long before the server would. A request on a
 * kept connection costs about half the CPU of one on a fresh connection, and a quarter of `fetch`
 * (docs/performance.md, "Unit costs behind design choices").
 */
import http from "node:http";
import https from "node:https";

import { DetailedError, type DetailedErrorOptions } from "./errors";

export interface RawResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** A request that got no HTTP answer; `code` is Node's error code (ECONNREFUSED…) or "Timeout". */
export class TransportError extends DetailedError {
  override name = "TransportError";
  constructor(
    readonly code: string,
    message: string,
    options?: DetailedErrorOptions,
  ) {
    super(message, options);
  }
}

/** Kept connections to our nodes: closed after 2 s idle (the nodes keep them 72 s). */
const keepAliveAgent = new http.Agent({ keepAlive: true, timeout: 2000, maxSockets: 64 });

export function request(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: Uint8Array | string;
    timeoutMs?: number;
    /** Reuse connections (only to servers that keep them longer than 2 s: our nodes). */
    keepAlive?: boolean;
  },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const lib = target.protocol === "https:" ? https : http;
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const req = lib.request(
      target,
      {
        method: options.method ?? (body ? "POST" : "GET"),
        headers: { ...options.headers, ...(body ? { "content-length": String(body.length) } : {}) },
        agent: options.keepAlive === true && target.protocol === "http:" ? keepAliveAgent : false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
          }
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? "",
            headers,
            body: Buffer.concat(chunks),
          });
        });
        res.on("error", (e: NodeJS.ErrnoException) =>
          reject(new TransportError(e.code ?? "Error", e.message)),
        );
      },
    );
    const timeout = options.timeoutMs ?? 30_000;
    req.setTimeout(timeout, () => req.destroy(new TransportError("Timeout", `no answer in ${timeout} ms`)));
    req.on("error", (e: NodeJS.ErrnoException) =>
      reject(e instanceof TransportError ? e : new TransportError(e.code ?? "Error", e.message)),
    );
    req.end(body);
  });
}
