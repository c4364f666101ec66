/**
 * Custom auth (auth method type 2, a Lit Action): the action, given the request's `jsParams` and the
 * verified auth methods as `Lit.Auth.authMethodContexts`, decides. It approves by
 * `Lit.Actions.setResponse({response: "true"})` (Lit's rule); anything else, an error or a limit
 * refuses. The action must be a permitted auth method of the PKP (type 2, id = its CID's multihash).
 *
 * The run happens in the node's sandbox (a separate V8 isolate in a child process) on the node's Lit
 * Action executor (`executorCustomAuthRunner`): its pool and its read-only host capabilities
 * (`fetch`, permission reads, chains, conditions). An auth action does not sign, claim keys, call
 * child actions or coordinate with peers: those capabilities are left out.
 */
import { ZeroAddress } from "ethers";
import { cidToBytes } from "../../protocol/cid";
import type { Chain } from "../chain";
import { InvalidRequestError, NotPermittedError, UnauthorizedError } from "../errors";
import { permittedAuthMethod, type PermittedAuthMethod } from "../permissions";
import type { ExecuteService } from "../execute";
import { codeByCid, inlineCode } from "../actions/code";
import { actionRound, buildCapabilities, type RunContext, type RunOutputs } from "../actions";
import type { PkpNode } from "../node";
import {
  DEFAULT_LIMITS,
  SIGNATURE_CAPABILITIES,
  SandboxPool,
  type Capabilities,
  type LitAuthContext,
} from "../sandbox";

export interface CustomAuthRun {
  code: string;
  cid: string;
  jsParams: Record<string, unknown>;
  auth: LitAuthContext;
  requestId: string;
}

export interface CustomAuthOutcome {
  success: boolean;
  response: string;
  /** Why a run failed (`<Kind>: <message>`). */
  error?: string;
}

export type CustomAuthRunner = (run: CustomAuthRun) => Promise<CustomAuthOutcome>;

/** Host capabilities a custom-auth action does not get. */
const NOT_FOR_AUTH = new Set([
  ...SIGNATURE_CAPABILITIES,
  "claimKey",
  "call",
  "runOnce",
  "broadcastAndCollect",
]);

/** Runs custom auth on the node's Lit Action executor. */
export function executorCustomAuthRunner(node: PkpNode, execute: ExecuteService): CustomAuthRunner {
  return async (r) => {
    const deadline = Date.now() + DEFAULT_LIMITS.timeoutMs;
    const outputs: RunOutputs = { signedData: {}, verification: {}, claimData: {}, sigNames: new Set() };
    const ctx: RunContext = {
      node,
      coordinator: execute.coordinator,
      requestId: r.requestId,
      round: actionRound({ requestId: r.requestId, cid: r.cid, jsParams: r.jsParams, auth: r.auth }),
      // No session signature comes with custom auth: the action acts for nobody.
      auth: { via: "session", address: ZeroAddress, expiresAt: new Date(deadline), capabilities: [] },
      stack: [r.cid],
      deadline: () => deadline,
      outputs,
      runChild: () => Promise.reject(new Error("call: child actions are not available to custom auth")),
    };
    const capabilities: Capabilities = Object.fromEntries(
      Object.entries(buildCapabilities(ctx)).filter(([name]) => !NOT_FOR_AUTH.has(name)),
    );
    const result = await execute.pool.runAction({
      code: r.code,
      globals: { jsParams: r.jsParams, auth: r.auth },
      capabilities,
    });
    return {
      success: result.success,
      response: result.response,
      ...(result.error ? { error: `${result.error.kind}: ${result.error.message}` } : {}),
    };
  };
}

/** A runner on its own sandbox pool (one worker, started on first use). */
export class SandboxCustomAuthRunner {
  #pool: SandboxPool | undefined;
  #closed = false;

  readonly run: CustomAuthRunner = async (r) => {
    if (this.#closed) throw new UnauthorizedError("the node is stopping", { reason: "Stopping" });
    this.#pool ??= new SandboxPool({ size: 1 });
    const result = await this.#pool.runAction({
      code: r.code,
      globals: { jsParams: r.jsParams, auth: r.auth },
    });
    return {
      success: result.success,
      response: result.response,
      ...(result.error ? { error: `${result.error.kind}: ${result.error.message}` } : {}),
    };
  };

  async close(): Promise<void> {
    this.#closed = true;
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.close();
  }
}

export interface CustomAuthRequest {
  code?: string;
  litActionIpfsId?: string;
  jsParams?: unknown;
}

/** The action's source and CID: inline (base64) code, hashed here, or by CID from the node's IPFS gateway. */
export async function resolveActionCode(
  req: CustomAuthRequest,
  options: { maxCodeBytes: number; gatewayUrl?: string },
): Promise<{ code: string; cid: string }> {
  if (req.code === undefined) {
    return codeByCid(req.litActionIpfsId!, {
      gatewayUrl: options.gatewayUrl,
      maxCodeBytes: options.maxCodeBytes,
    });
  }
  const action = await inlineCode(req.code, options.maxCodeBytes);
  if (req.litActionIpfsId !== undefined && req.litActionIpfsId !== action.cid) {
    throw new InvalidRequestError(
      `the code hashes to ${action.cid}, not to litActionIpfsId ${req.litActionIpfsId}`,
      { reason: "IpfsCidMismatch" },
    );
  }
  return action;
}

/**
 * Runs the custom-auth action for the PKP and returns the permitted auth method it stands for
 * (type 2, id = the CID's multihash) when it approves; refuses otherwise.
 */
export async function checkCustomAuth(
  chain: Chain,
  tokenId: bigint,
  req: CustomAuthRequest,
  run: CustomAuthRunner,
  context: {
    requestId: string;
    pkpPublicKey: string;
    authMethodContexts: unknown[];
    maxCodeBytes: number;
    gatewayUrl?: string;
  },
): Promise<PermittedAuthMethod & { cid: string }> {
  const action = await resolveActionCode(req, context);
  const id = cidToBytes(action.cid);
  const permitted = await permittedAuthMethod(chain, tokenId, 2n, id);
  if (permitted === undefined) {
    throw new NotPermittedError(`the Lit Action ${action.cid} is not a permitted auth method of this PKP`, {
      reason: "AuthMethodNotPermitted",
    });
  }
  const jsParams = req.jsParams ?? {};
  if (typeof jsParams !== "object" || jsParams === null || Array.isArray(jsParams)) {
    throw new InvalidRequestError("jsParams must be an object", { reason: "MalformedJsParams" });
  }
  const outcome = await run({
    code: action.code,
    cid: action.cid,
    jsParams: jsParams as Record<string, unknown>,
    requestId: context.requestId,
    auth: {
      actionIpfsIdStack: [action.cid],
      authSigAddress: null,
      authMethodContexts: context.authMethodContexts,
      resources: [],
      pkpPublicKey: context.pkpPublicKey,
    },
  });
  if (!outcome.success) {
    throw new NotPermittedError(
      `the custom auth action ${action.cid} failed: ${outcome.error ?? "no reason"}`,
      {
        reason: "CustomAuthFailed",
      },
    );
  }
  if (outcome.response !== "true") {
    throw new NotPermittedError(
      `the custom auth action ${action.cid} did not approve (response ${JSON.stringify(outcome.response.slice(0, 100))}, wanted "true")`,
      { reason: "CustomAuthDenied" },
    );
  }
  return { ...permitted, cid: action.cid };
}
