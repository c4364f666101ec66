/**
 * An HTTP proxy on 127.0.0.1 in front of one node: every request goes to the node unchanged (method,
 * path, headers, body), and every answer comes back unchanged except where `rewrite` says otherwise.
 * Used to make a real node look like a lying node without any hook in the node itself.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ProxiedExchange {
  method: string;
  path: string;
  status: number;
  /** The node's answer, parsed when it is JSON. */
  json: unknown;
}

/** Returns a replacement JSON body for the answer, or undefined to pass it through byte for byte. */
export type Rewrite = (exchange: ProxiedExchange) => unknown;

export interface RewritingProxy {
  readonly url: string;
  readonly port: number;
  /** Requests forwarded, by path. */
  readonly forwarded: Map<string, number>;
  /** How many answers `rewrite` replaced. */
  rewritten: number;
  rewrite: Rewrite | undefined;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "host"]);

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

function headersOf(raw: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(raw).filter(([k]) => !HOP_BY_HOP.has(k.toLowerCase())));
}

/** Starts a proxy on a free 127.0.0.1 port forwarding to `target` (`http://127.0.0.1:port`). */
export async function startRewritingProxy(target: string, rewrite?: Rewrite): Promise<RewritingProxy> {
  const to = new URL(target);
  const sockets = new Set<import("node:net").Socket>();
  const proxy: RewritingProxy = {
    url: "",
    port: 0,
    forwarded: new Map(),
    rewritten: 0,
    rewrite,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    // Every exchange is answered exactly once: a failure on either side becomes a 502, never a hang.
    const fail = (e: Error) => {
      if (res.headersSent) res.destroy(e);
      else {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: `proxy: ${e.message}` }));
      }
    };
    const forward = async () => {
      const body = await readAll(req);
      const path = req.url ?? "/";
      proxy.forwarded.set(path, (proxy.forwarded.get(path) ?? 0) + 1);
      const answer = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const upstream = http.request(
          {
            host: to.hostname,
            port: Number(to.port),
            method: req.method,
            path,
            headers: { ...headersOf(req.headers), "content-length": String(body.length) },
            agent: false,
          },
          resolve,
        );
        upstream.on("error", reject);
        upstream.end(body);
      });
      const raw = await readAll(answer);
      let out = raw;
      if (proxy.rewrite !== undefined && /json/.test(String(answer.headers["content-type"]))) {
        let json: unknown;
        try {
          json = JSON.parse(raw.toString("utf8"));
        } catch {
          json = undefined;
        }
        const replaced = proxy.rewrite({
          method: req.method ?? "GET",
          path,
          status: answer.statusCode ?? 0,
          json,
        });
        if (replaced !== undefined) {
          out = Buffer.from(JSON.stringify(replaced));
          proxy.rewritten++;
        }
      }
      res.writeHead(answer.statusCode ?? 502, {
        ...headersOf(answer.headers),
        "content-length": String(out.length),
      });
      res.end(out);
    };
    forward().catch(fail);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  Object.assign(proxy, { port, url: `http://127.0.0.1:${port}` });
  return proxy;
}
