/**
 * PKP sessions on a node: `registerSessionKeyRoute(app, node, {execute})` serves
 * `/web/sign_session_key/v1` (see service.ts); custom-auth Lit Actions run on the node's Lit Action
 * executor (its sandbox pool and host capabilities).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ExecuteService } from "../execute";
import type { PkpNode } from "../node";
import { DEFAULT_WIRE_LIMITS, ROUTES, parseRequest, parseRequestId } from "../wire";
import { SandboxCustomAuthRunner, executorCustomAuthRunner, type CustomAuthRunner } from "./customAuth";
import { SessionKeyService } from "./service";

export { SessionKeyService, MAX_PKP_SESSION_MS, type SignSessionKeyNodeResponse } from "./service";
export * from "./customAuth";
export * from "./authMethods";

export interface SessionKeyRouteOptions {
  /** The node's Lit Action executor: custom auth runs on it. */
  execute?: ExecuteService;
  /** Or another runner (without either, a sandbox pool of the route's own). */
  runCustomAuth?: CustomAuthRunner;
}

export function registerSessionKeyRoute(
  app: FastifyInstance,
  node: PkpNode,
  options: SessionKeyRouteOptions = {},
): SessionKeyService {
  let runner = options.runCustomAuth;
  let own: SandboxCustomAuthRunner | undefined;
  if (runner === undefined && options.execute !== undefined)
    runner = executorCustomAuthRunner(node, options.execute);
  if (runner === undefined) {
    own = new SandboxCustomAuthRunner();
    runner = own.run;
  }
  const service = new SessionKeyService(node, runner);
  const raw = (req: FastifyRequest): string => (typeof req.body === "string" ? req.body : "");
  app.post(ROUTES.signSessionKey, async (req) => {
    const requestId = parseRequestId(req.headers["x-request-id"]);
    const body = parseRequest("signSessionKey", raw(req), DEFAULT_WIRE_LIMITS);
    return service.signSessionKey(body, requestId);
  });
  if (own !== undefined) {
    const pool = own;
    app.addHook("onClose", async () => {
      await pool.close();
    });
  }
  return service;
}
