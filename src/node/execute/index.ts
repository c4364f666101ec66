/**
 * Lit Actions on a node: `registerExecuteRoute(app, node)` serves `/web/execute/v1` (see service.ts),
 * registers the peer handlers `runOnce` and `broadcastAndCollect` use (coordination.ts), and stops the
 * node's sandbox pool when the server closes.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { PkpNode } from "../node";
import { DEFAULT_WIRE_LIMITS, ROUTES, parseRequest, parseRequestId } from "../wire";
import { ExecuteService, type ExecuteServiceOptions } from "./service";

export { ExecuteService, type ExecuteNodeResponse, type ExecuteServiceOptions } from "./service";
export { MAX_SIGNATURES_PER_REQUEST, type ShareVerificationData, type SignedDataEntry } from "../actions";

export function registerExecuteRoute(
  app: FastifyInstance,
  node: PkpNode,
  options: ExecuteServiceOptions = {},
): ExecuteService {
  const service = new ExecuteService(node, options);
  const raw = (req: FastifyRequest): string => (typeof req.body === "string" ? req.body : "");
  app.post(ROUTES.execute, async (req) => {
    const requestId = parseRequestId(req.headers["x-request-id"]);
    const body = parseRequest("execute", raw(req), DEFAULT_WIRE_LIMITS);
    return service.execute(body, requestId);
  });
  app.addHook("onClose", async () => {
    await service.close();
  });
  return service;
}
