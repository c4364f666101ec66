/**
 * One HTTP request on its own connection (node:http, no keep-alive agent). A `hardhat node` (and any
 * Node.js server) closes idle keep-alive sockets after a few seconds; a client that reuses such a
 * socket at that moment gets "socket hang up" / "other side closed" for a request the server never
 * saw. On loopback a fresh connection costs far less than that failure.
 */
import http from "node:http";
import https from "node:https";

export interface RawResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: Buffer;
}

export class TransportError extends Error {
  override name = "TransportError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function request(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: Uint8Array | string;
    timeoutMs?: number;
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
        agent: false,
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
