/**
 * The node's HTTP API (fastify): Lit's v7 routes (`/web/handshake/` here, `/web/pkp/sign/v1` in
 * signing/pkpSign.ts, the others in their feature folders), the peer route and `/status`. Bodies are read as raw text and validated by `src/node/wire` (size first,
 * then JSON, then the schema); every error is Lit's JSON error body with its status.
 */
import { randomBytes } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { bytesToHex } from "@noble/hashes/utils";
import { errorBody, PayloadTooLargeError, toNodeError, InvalidRequestError } from "./errors";
import { registerEncryptionRoutes } from "./encryption";
import type { PkpNode } from "./node";
import { registerExecuteRoute } from "./execute";
import { PEER_ROUTE } from "./peers/peers";
import { registerSessionKeyRoute } from "./sessionKey";
import { registerPkpSignRoute } from "./signing/pkpSign";
import { ROUTES, parseJsonBody, parseRequest } from "./wire";
import type { HandshakeResponse } from "./wire";

export const NODE_VERSION = "0.1.0";
const PEER_BODY_LIMIT = 32 * 1024 * 1024;

function correlationId(req: FastifyRequest): string {
  const h = req.headers["x-request-id"];
  const v = Array.isArray(h) ? h[0] : h;
  return typeof v === "string" && /^[A-Za-z0-9_-]{1,128}$/.test(v)
    ? v
    : `node_${randomBytes(8).toString("hex")}`;
}

function sendError(reply: FastifyReply, req: FastifyRequest, error: unknown, node: PkpNode): FastifyReply {
  const e = toNodeError(error);
  if (e.status >= 500)
    node.log.error({ err: (e.cause as Error)?.message ?? e.message, url: req.url }, "request failed");
  else node.log.info({ url: req.url, status: e.status, reason: e.reason }, "request refused");
  return reply.code(e.status).send(errorBody(e, correlationId(req)));
}

export async function buildServer(node: PkpNode): Promise<FastifyInstance> {
  // Clients (the SDK, other nodes) keep connections 2 s idle (src/transport.ts): far less than this.
  const app = Fastify({ logger: false, bodyLimit: PEER_BODY_LIMIT, keepAliveTimeout: 72_000 });
  // Bodies are kept as text; each route parses and validates with its own limit.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string", bodyLimit: PEER_BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((error, req, reply) => {
    const code = (error as { code?: string }).code;
    if (code === "FST_ERR_CTP_BODY_TOO_LARGE")
      return sendError(
        reply,
        req,
        new PayloadTooLargeError(PEER_BODY_LIMIT, Number(req.headers["content-length"] ?? 0)),
        node,
      );
    if (typeof code === "string" && code.startsWith("FST_ERR"))
      return sendError(
        reply,
        req,
        new InvalidRequestError((error as Error).message, { reason: "MalformedRequest" }),
        node,
      );
    return sendError(reply, req, error, node);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      errorKind: "NotFound",
      errorCode: "NotFound",
      status: 404,
      message: `no route ${req.method} ${req.url}`,
      correlationId: correlationId(req),
      details: [],
    }),
  );

  const raw = (req: FastifyRequest): string => (typeof req.body === "string" ? req.body : "");

  app.get("/status", async () => node.status());

  app.post(ROUTES.handshake, async (req) => {
    parseRequest("handshake", raw(req));
    const key = node.networkPublicKeyHex();
    const body: HandshakeResponse = {
      serverPublicKey: bytesToHex(node.comms.publicKey),
      subnetPublicKey: key,
      networkPublicKey: key,
      networkPublicKeySet: key,
      hdRootPubkeys: [],
      latestBlockhash: await node.chain.latestBlockhash(),
      attestation: null,
      nodeVersion: NODE_VERSION,
      clientSdkVersion: "7.4.0",
    };
    return body;
  });

  registerPkpSignRoute(app, node, raw);

  registerSessionKeyRoute(app, node, { execute: registerExecuteRoute(app, node) });

  registerEncryptionRoutes(app, node);

  app.post(PEER_ROUTE, async (req) => {
    const value = parseJsonBody(raw(req), PEER_BODY_LIMIT);
    return node.peers.receive(value);
  });

  return app;
}
