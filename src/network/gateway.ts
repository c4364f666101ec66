/**
 * A local IPFS store and gateway for Lit Actions: files are added as `ipfs add` adds them (kubo's
 * `POST /api/v0/add`, multipart or a raw body; the CIDv0 computed by src/protocol/cid.ts, the default
 * "unixfs-v0-2015" profile) and served back byte for byte on `GET /ipfs/<cid>` (the path every IPFS
 * HTTP gateway serves), which is what the nodes fetch an action named by `ipfsId` from. Files are kept
 * whole, one file per CID, under a directory of the network's data dir, so they survive restarts.
 *
 * Only the default profile is supported: kubo options that would change the CID (`cid-version=1`,
 * `raw-leaves`, another `chunker`, `wrap-with-directory`, …) are refused rather than silently ignored.
 * Any real gateway (a local kubo's `http://127.0.0.1:8080`) can stand in for this one: the nodes only
 * use `GET /ipfs/<cid>`, and `publishToGateway` speaks kubo's RPC (`http://127.0.0.1:5001`).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import fastifyMultipart from "@fastify/multipart";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { importer } from "ipfs-unixfs-importer";

import { cidOf, discardBlocks, isCid, unixfsV0Options } from "../protocol/cid";
import { request } from "../transport";
import { NetworkError } from "./errors";

/** 16 MiB: the largest Lit Action code a node accepts (src/node/wire/limits.ts maxCodeBytes). */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;
/** Most files in one `add` request. */
export const DEFAULT_MAX_FILES = 16;

/** A gateway or store refusal; `status` is the HTTP status the gateway answers with. */
export class GatewayError extends NetworkError {
  override name = "GatewayError";
  constructor(
    readonly status: number,
    message: string,
    options?: { details?: readonly string[]; cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What `ipfs add` reports for one file (kubo's field names; `Size` is the DAG's cumulative size, as a string). */
export interface AddResult {
  Name: string;
  Hash: string;
  Size: string;
}

/** The cumulative DAG size kubo reports as `Size` for a file added with the default profile. */
async function dagSize(bytes: Uint8Array): Promise<{ cid: string; size: bigint }> {
  let last: { cid: string; size: bigint } | undefined;
  // Only the root CID and the cumulative size are wanted: the blocks are discarded.
  for await (const entry of importer([{ content: bytes }], discardBlocks, unixfsV0Options())) {
    last = { cid: entry.cid.toString(), size: entry.size };
  }
  if (last === undefined) throw new GatewayError(500, "the UnixFS importer produced no root");
  return last;
}

/**
 * Files by CIDv0 in one directory (`<dir>/<cid>`), written atomically (temporary file, then rename),
 * so that a file is either absent or complete. The name is the CID of the bytes, checked again on read.
 */
export class ContentStore {
  constructor(
    readonly dir: string,
    readonly maxFileBytes = DEFAULT_MAX_FILE_BYTES,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Hashes (and unless `onlyHash`, stores) the bytes; returns kubo's add result. */
  async add(bytes: Uint8Array, name = "", onlyHash = false): Promise<AddResult> {
    if (bytes.length > this.maxFileBytes) {
      throw new GatewayError(
        413,
        `file of ${bytes.length} bytes is over the limit of ${this.maxFileBytes} bytes`,
      );
    }
    const cid = await cidOf(bytes);
    const { cid: check, size } = await dagSize(bytes);
    if (check !== cid) throw new GatewayError(500, `the importer computed ${check}, cidOf ${cid}`);
    if (!onlyHash && !existsSync(this.#file(cid))) {
      const tmp = path.join(this.dir, `.${cid}.${randomBytes(6).toString("hex")}.tmp`);
      writeFileSync(tmp, bytes, { mode: 0o600 });
      renameSync(tmp, this.#file(cid));
    }
    return { Name: name || cid, Hash: cid, Size: size.toString() };
  }

  has(cid: string): boolean {
    return isCid(cid) && existsSync(this.#file(cid));
  }

  /** The bytes of `cid`, or undefined when absent; refuses a malformed CID and bytes that no longer hash to it. */
  async get(cid: string): Promise<Uint8Array | undefined> {
    if (!isCid(cid)) throw new GatewayError(400, `not a CIDv0: ${JSON.stringify(cid.slice(0, 80))}`);
    const file = this.#file(cid);
    if (!existsSync(file) || !statSync(file).isFile()) return undefined;
    const bytes = readFileSync(file);
    if ((await cidOf(bytes)) !== cid) {
      throw new GatewayError(500, `the stored file for ${cid} is corrupt (its bytes hash to another CID)`);
    }
    return bytes;
  }

  #file(cid: string): string {
    return path.join(this.dir, cid);
  }
}

export interface StartGatewayOptions {
  /** Where files are kept (created if missing). */
  dir: string;
  /** Default 127.0.0.1; the gateway is for this machine's nodes. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  maxFileBytes?: number;
  maxFilesPerRequest?: number;
}

export interface IpfsGateway {
  /** `http://127.0.0.1:<port>`: both the gateway (`/ipfs/<cid>`) and kubo's RPC (`/api/v0/add`). */
  readonly url: string;
  readonly port: number;
  readonly store: ContentStore;
  close(): Promise<void>;
}

/** kubo's RPC error body. */
function rpcError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type("application/json").send({ Message: message, Code: 0, Type: "error" });
}

/** `true`/`false` query flags as kubo reads them (`?only-hash`, `?only-hash=true`). */
function flag(value: unknown): boolean {
  return value === "" || value === "true" || value === "1";
}

/**
 * kubo add options that change the CID or the DAG: refused with the reason (we only build the
 * default CIDv0 DAG, which is what Lit Actions are named by).
 */
function unsupportedOption(q: Record<string, unknown>): string | undefined {
  if (q["cid-version"] !== undefined && q["cid-version"] !== "0")
    return "only cid-version=0 is supported (Lit Actions are named by CIDv0)";
  if (q["raw-leaves"] !== undefined && flag(q["raw-leaves"])) return "raw-leaves is not supported";
  if (q.chunker !== undefined && q.chunker !== "size-262144")
    return "only the default chunker size-262144 is supported";
  if (q.trickle !== undefined && flag(q.trickle)) return "the trickle layout is not supported";
  if (q.hash !== undefined && q.hash !== "sha2-256") return "only the sha2-256 hash is supported";
  if (q.inline !== undefined && flag(q.inline)) return "inline CIDs are not supported";
  if (q["wrap-with-directory"] !== undefined && flag(q["wrap-with-directory"]))
    return "wrap-with-directory is not supported: add files one by one";
  return undefined;
}

export async function startGateway(options: StartGatewayOptions): Promise<IpfsGateway> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxFiles = options.maxFilesPerRequest ?? DEFAULT_MAX_FILES;
  const store = new ContentStore(options.dir, maxFileBytes);
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: maxFileBytes });
  app.removeAllContentTypeParsers();
  await app.register(fastifyMultipart, {
    limits: { fileSize: maxFileBytes, files: maxFiles, fields: 8, fieldSize: 1024, parts: maxFiles + 8 },
  });
  // Any other content type (or none): the body is the file.
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: maxFileBytes }, (_req, body, done) =>
    done(null, body),
  );

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    if (error instanceof GatewayError) return rpcError(reply, error.status, error.message);
    const status = error.statusCode ?? 500;
    if (error.code === "FST_FILES_LIMIT")
      return rpcError(reply, 413, `more than ${maxFiles} files in one request`);
    if (error.code === "FST_PARTS_LIMIT" || error.code === "FST_FIELDS_LIMIT")
      return rpcError(reply, 413, "too many parts in one request");
    if (status === 413) return rpcError(reply, 413, `file over the limit of ${maxFileBytes} bytes`);
    return rpcError(reply, status >= 400 && status < 600 ? status : 500, error.message);
  });

  app.post("/api/v0/add", async (req, reply) => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    const unsupported = unsupportedOption(q);
    if (unsupported !== undefined) return rpcError(reply, 400, unsupported);
    const onlyHash = flag(q["only-hash"]) || flag(q.n);
    const results: AddResult[] = [];
    if (req.isMultipart()) {
      for await (const part of req.parts()) {
        if (part.type !== "file") continue;
        if (part.mimetype === "application/x-directory")
          return rpcError(reply, 400, "directories are not supported: add files one by one");
        const bytes = await part.toBuffer();
        results.push(await store.add(bytes, part.filename, onlyHash));
      }
      if (results.length === 0) return rpcError(reply, 400, "no file in the multipart body");
    } else {
      const body = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0)
        return rpcError(reply, 400, "empty body: send the file as the body or as a multipart part");
      results.push(await store.add(body, "", onlyHash));
    }
    // kubo streams one JSON object per line.
    return reply.type("application/json").send(results.map((r) => JSON.stringify(r)).join("\n") + "\n");
  });

  // kubo's RPC takes POST only; a GET is told so instead of a 404.
  app.get("/api/v0/add", async (_req, reply) => rpcError(reply, 405, "use POST for /api/v0/add"));

  app.get("/ipfs/*", async (req, reply) => {
    const rest = (req.params as { "*": string })["*"];
    const [cid, ...sub] = rest.split("/");
    if (sub.some((s) => s !== ""))
      return reply.code(400).type("text/plain").send("paths inside a CID are not supported: files only\n");
    if (!isCid(cid))
      return reply
        .code(400)
        .type("text/plain")
        .send(`not a CIDv0: ${cid.slice(0, 80)}\n`);
    const bytes = await store.get(cid);
    if (bytes === undefined) return reply.code(404).type("text/plain").send(`no file with CID ${cid}\n`);
    return reply
      .header("etag", `"${cid}"`)
      .header("x-ipfs-path", `/ipfs/${cid}`)
      .header("cache-control", "public, max-age=29030400, immutable")
      .type("application/octet-stream")
      .send(Buffer.from(bytes));
  });

  const host = options.host ?? "127.0.0.1";
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new GatewayError(500, "the gateway has no port");
  const url = `http://${host}:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    store,
    close() {
      closing ??= app.close();
      return closing;
    },
  };
}

/**
 * Adds a file through kubo's RPC (`POST <apiUrl>/api/v0/add`, multipart, as `ipfs add` does): our
 * gateway, or a real kubo's RPC endpoint. Checks that the returned CID is the one `cidOf` computes.
 */
export async function publishToGateway(
  apiUrl: string,
  content: Uint8Array | string,
  options: { name?: string; timeoutMs?: number } = {},
): Promise<{ cid: string; size: string }> {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  const expected = await cidOf(bytes);
  const boundary = `----pkp-network-${randomBytes(12).toString("hex")}`;
  const name = (options.name ?? "action.js").replace(/["\r\n]/g, "_");
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
        `Content-Type: application/octet-stream\r\n\r\n`,
    ),
    Buffer.from(bytes),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const target = `${apiUrl.replace(/\/+$/, "")}/api/v0/add?cid-version=0&pin=true`;
  let res;
  try {
    res = await request(target, {
      method: "POST",
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      body,
      timeoutMs: options.timeoutMs ?? 30_000,
    });
  } catch (cause) {
    throw new GatewayError(502, `cannot reach the IPFS API at ${apiUrl}`, { cause });
  }
  const text = res.body.toString("utf8");
  if (res.status !== 200) {
    let message = text.slice(0, 300);
    try {
      message = String((JSON.parse(text) as { Message?: unknown }).Message ?? message);
    } catch {
      // not JSON: keep the text
    }
    throw new GatewayError(res.status, `the IPFS API refused the file: ${message}`);
  }
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  let added: Partial<AddResult>;
  try {
    added = JSON.parse(lines[lines.length - 1] ?? "") as Partial<AddResult>;
  } catch (cause) {
    throw new GatewayError(502, `the IPFS API answered something else than JSON: ${text.slice(0, 120)}`, {
      cause,
    });
  }
  if (added.Hash !== expected) {
    throw new GatewayError(502, `the IPFS API named the file ${String(added.Hash)}, expected ${expected}`, {
      details: ["the API does not add with the default profile (CIDv0, 256 KiB chunks, no raw leaves)"],
    });
  }
  return { cid: expected, size: String(added.Size ?? "") };
}
