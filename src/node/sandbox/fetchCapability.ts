/**
 * The `fetch` capability a node gives its actions: every URL passes `checkFetchUrl` first, and the
 * connection goes to an address the policy checked (the name is not resolved a second time, so DNS
 * rebinding cannot swap in a private address). Redirects are not followed automatically: each hop is
 * checked again, at most `maxRedirects` of them. The body is read up to `maxResponseBytes`.
 */
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { checkFetchUrl, type FetchPolicy } from "./fetchPolicy";
import type { Capability } from "./types";

export interface FetchCapabilityOptions {
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
  readonly maxRedirects?: number;
}

/** What the in-isolate `fetch` sends to the capability. */
export interface FetchRequest {
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array | null;
}

/** What the capability returns (the in-isolate `Response` is built from it). */
export interface FetchReply {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

export function createFetchCapability(policy: FetchPolicy, options: FetchCapabilityOptions = {}): Capability {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxResponseBytes = options.maxResponseBytes ?? 5 * 1024 * 1024;
  const maxRedirects = options.maxRedirects ?? 5;
  return async (args) => {
    const request = args as FetchRequest;
    if (typeof request?.url !== "string") throw new Error("fetch: url must be a string");
    let url = request.url;
    let method = (request.method ?? "GET").toUpperCase();
    let body = request.body ?? undefined;
    for (let hop = 0; ; hop++) {
      const checked = await checkFetchUrl(url, policy);
      const reply = await send(checked.url, checked.addresses[0], method, request.headers ?? {}, body, {
        timeoutMs,
        maxResponseBytes,
      });
      const location = reply.headers["location"];
      if (reply.status >= 300 && reply.status < 400 && location !== undefined) {
        if (hop >= maxRedirects) throw new Error(`fetch: more than ${maxRedirects} redirects`);
        url = new URL(location, checked.url).toString();
        if (reply.status === 303 || ((reply.status === 301 || reply.status === 302) && method === "POST")) {
          method = "GET";
          body = undefined;
        }
        continue;
      }
      return reply;
    }
  };
}

function send(
  url: URL,
  address: string,
  method: string,
  headers: Readonly<Record<string, string>>,
  body: string | Uint8Array | undefined,
  limits: { timeoutMs: number; maxResponseBytes: number },
): Promise<FetchReply> {
  const family = address.includes(":") ? 6 : 4;
  // Connect to the checked address only; TLS still verifies the certificate for the URL's hostname.
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all === true) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address, family },
      ]);
    } else {
      callback(null, address, family);
    }
  };
  const client = url.protocol === "https:" ? https : http;
  return new Promise<FetchReply>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      reject(error);
      req.destroy();
    };
    const req = client.request(
      url,
      { method, headers: { ...headers }, lookup, timeout: limits.timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > limits.maxResponseBytes) {
            fail(new Error(`fetch: response body exceeds ${limits.maxResponseBytes} bytes`));
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => {
          if (settled) return;
          settled = true;
          const out: Record<string, string> = {};
          for (const [key, value] of Object.entries(res.headers)) {
            if (value !== undefined) out[key] = Array.isArray(value) ? value.join(", ") : value;
          }
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? "",
            headers: out,
            body: new Uint8Array(Buffer.concat(chunks)),
          });
        });
        res.on("error", fail);
      },
    );
    req.on("timeout", () => fail(new Error(`fetch: no answer within ${limits.timeoutMs} ms`)));
    req.on("error", fail);
    req.end(body === undefined ? undefined : typeof body === "string" ? body : Buffer.from(body));
  });
}
