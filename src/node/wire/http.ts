/**
 * HTTP edge helpers: read a body without ever buffering more than the limit, and write JSON and
 * Lit-shaped JSON errors.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { InvalidRequestError, PayloadTooLargeError, errorBody, toNodeError } from "../errors";

/**
 * Reads a request body. Refuses (413) at once when `Content-Length` is over `limit`, and stops
 * reading as soon as the bytes received pass it; refuses a content type other than JSON (400).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const type = req.headers["content-type"];
  if (type !== undefined && !/^application\/json\b/i.test(type)) {
    req.resume();
    return Promise.reject(
      new InvalidRequestError(`content-type must be application/json, got ${type}`, {
        reason: "UnsupportedMediaType",
      }),
    );
  }
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    return Promise.reject(new PayloadTooLargeError(limit, Number(declared)));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error: Error | undefined, body?: Buffer) => {
      if (done) return;
      done = true;
      req.removeListener("data", onData);
      if (error) {
        req.resume(); // drain the rest, so the connection can answer
        reject(error);
      } else resolve(body as Buffer);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        finish(new PayloadTooLargeError(limit, size));
      } else chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => finish(undefined, Buffer.concat(chunks)));
    req.on("error", (e) =>
      finish(new InvalidRequestError(`request aborted: ${e.message}`, { reason: "Aborted" })),
    );
  });
}

/** Writes a JSON body with a status. */
export function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Writes any error as Lit's JSON error body with its status. */
export function writeError(res: ServerResponse, error: unknown, correlationId: string): void {
  const e = toNodeError(error);
  writeJson(res, e.status, errorBody(e, correlationId));
}
