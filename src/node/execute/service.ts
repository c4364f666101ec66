/**
 * `/web/execute/v1` on one node: resolve the code (inline or by CID), authenticate the session for
 * `Threshold/Execution` on `lit-litaction://<CID>` (or `*`), run the action in the node's sandbox pool
 * with the node's capabilities, and answer in Lit's v7 shape.
 *
 * Response: Lit's `{success, signedData, decryptedData: {}, claimData, response, logs}` (objects never
 * null), with `error` when the action failed (`"<Kind>: <message>"`, HTTP 200 as the node itself did
 * its job), plus one additive field Lit's client ignores:
 *   `pkpNetwork: { cid, signedData: { <sigName>: ShareVerificationData } }`
 * — per signature the data our SDK needs to verify this node's share and name a culprit (the same as
 * pkp/sign's `pkpNetwork`: membership, signing set, presignature, DLEQ-proved share, public share).
 */
import { getAddress } from "ethers";
import {
  authenticate,
  litActionExecutionCapability,
  nodeAuthContext,
  verifyAuthMethod,
  type AuthContext,
  type VerifiedAuthMethod,
} from "../auth";
import { InvalidRequestError, InternalError } from "../errors";
import type { PkpNode } from "../node";
import {
  SandboxPool,
  DEFAULT_LIMITS,
  type Capabilities,
  type LitAuthContext,
  type RunActionResult,
} from "../sandbox";
import type { ExecuteAnswer, ExecuteRequest, ExecuteResponse } from "../wire";
import { DEFAULT_WIRE_LIMITS } from "../wire";
import {
  ActionCoordinator,
  actionRound,
  buildCapabilities,
  codeByCid,
  destroyChainProviders,
  inlineCode,
  type ActionCode,
  type RunContext,
  type RunOutputs,
} from "../actions";

/** Lit's fields and, always, our `pkpNetwork` extras (src/protocol/wire.ts). */
export type ExecuteNodeResponse = ExecuteResponse & { pkpNetwork: NonNullable<ExecuteAnswer["pkpNetwork"]> };

export interface ExecuteServiceOptions {
  /** Sandbox worker processes kept warm (default 2). */
  readonly poolSize?: number;
}

function describe(result: RunActionResult): string {
  return result.error === undefined ? "the action failed" : `${result.error.kind}: ${result.error.message}`;
}

export interface ChildRunnerDeps {
  readonly pool: () => SandboxPool;
  /** The child's code by CID (checked against the CID). */
  readonly fetchCode: (cid: string) => Promise<ActionCode>;
  readonly authContext: (stack: readonly string[]) => LitAuthContext;
  readonly deadline: () => number;
  /** The capabilities of a run whose call stack is `stack` (its own CID last). */
  readonly capabilities: (stack: readonly string[]) => Capabilities;
}

/**
 * `Lit.Actions.call({ipfsId, params})`: the child runs in a fresh isolate (a nested run: it shares a
 * busy worker rather than waiting for one) with `params` as its jsParams, the call stack as
 * `Lit.Auth.actionIpfsIdStack`, the time left of the request, and the same outputs (its signatures
 * land in the request's signedData). Resolves to the child's response; rejects with its error.
 */
export function childRunner(deps: ChildRunnerDeps): RunContext["runChild"] {
  return async (ipfsId, params, stack) => {
    const child = await deps.fetchCode(ipfsId).catch((e: unknown) => {
      throw new Error(`call: ${(e as Error).message}`);
    });
    const left = deps.deadline() - Date.now();
    if (left <= 0) throw new Error("call: no time left for a child action");
    const result = await deps.pool().runAction({
      code: child.code,
      globals: { jsParams: params, auth: deps.authContext(stack) },
      capabilities: deps.capabilities(stack),
      limits: { timeoutMs: left },
      nested: true,
    });
    if (!result.success) throw new Error(`call ${ipfsId}: ${describe(result)}`);
    return result.response;
  };
}

export class ExecuteService {
  readonly coordinator: ActionCoordinator;
  #pool: SandboxPool | undefined;
  #closed = false;

  constructor(
    readonly node: PkpNode,
    private readonly options: ExecuteServiceOptions = {},
  ) {
    this.coordinator = new ActionCoordinator(node);
  }

  /**
   * The node's sandbox pool, made on first use and then kept warm: all its workers start at once, so
   * that a child action (`call`) finds an idle worker instead of forking one.
   */
  get pool(): SandboxPool {
    if (this.#closed) throw new InternalError("the node is stopping", { reason: "Stopping" });
    if (this.#pool === undefined) {
      const pool = new SandboxPool({ size: this.options.poolSize ?? 2 });
      this.#pool = pool;
      pool
        .start()
        .catch((e: unknown) =>
          this.node.log.warn({ err: (e as Error).message }, "sandbox pool did not start"),
        );
    }
    return this.#pool;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pool = this.#pool;
    this.#pool = undefined;
    destroyChainProviders();
    await pool?.close();
  }

  #authContext(): AuthContext {
    const me = this.node.me;
    if (me === undefined) throw new InternalError("this node is not a current validator");
    return nodeAuthContext(this.node, me.url);
  }

  async #resolveCode(body: ExecuteRequest): Promise<ActionCode> {
    const max = DEFAULT_WIRE_LIMITS.maxCodeBytes;
    if (body.code !== undefined) {
      const inline = await inlineCode(body.code, max);
      if (body.ipfsId !== undefined && body.ipfsId !== inline.cid)
        throw new InvalidRequestError(`the code hashes to ${inline.cid}, not to the ipfsId ${body.ipfsId}`, {
          reason: "IpfsCidMismatch",
        });
      return inline;
    }
    return codeByCid(body.ipfsId!, { gatewayUrl: this.node.config.ipfsGatewayUrl, maxCodeBytes: max });
  }

  async execute(body: ExecuteRequest, requestId: string): Promise<ExecuteNodeResponse> {
    const authCtx = this.#authContext();
    const action = await this.#resolveCode(body);
    const auth = await authenticate(body.authSig, litActionExecutionCapability(action.cid), authCtx);
    // The action sees the auth methods as `Lit.Auth.authMethodContexts`, and may grant on them: each
    // is verified (never a session capability), then spent on this node before the action runs.
    const authMethodContexts: Record<string, unknown>[] = [];
    const verified: VerifiedAuthMethod[] = [];
    for (const m of body.authMethods ?? []) verified.push(await verifyAuthMethod(m, authCtx));
    this.node.usedAuthMethods.consume(verified.map((v) => v.singleUse));
    for (const v of verified) {
      authMethodContexts.push({
        userId: getAddress(v.address),
        appId: "lit",
        authMethodType: v.authMethodType,
        authMethodId: v.authMethodId,
        lastRetrievedAt: new Date().toISOString(),
        expiration: Math.floor(v.expiresAt.getTime() / 1000),
        usedForSignSessionKeyRequest: false,
      });
    }
    const outputs: RunOutputs = {
      signedData: {},
      verification: {},
      claimData: {},
      sigNames: new Set(),
    };
    let startedAt: number | undefined;
    const deadline = () => (startedAt ??= Date.now()) + DEFAULT_LIMITS.timeoutMs;
    const authContext = (stack: readonly string[]): LitAuthContext => ({
      actionIpfsIdStack: [...stack],
      authSigAddress: auth.address,
      authMethodContexts,
      resources: [],
    });

    const runChild = childRunner({
      pool: () => this.pool,
      fetchCode: (cid) =>
        codeByCid(cid, {
          gatewayUrl: this.node.config.ipfsGatewayUrl,
          maxCodeBytes: DEFAULT_WIRE_LIMITS.maxCodeBytes,
        }),
      authContext,
      deadline,
      capabilities: (stack) => buildCapabilities({ ...ctx, stack }),
    });
    const jsParams = (body.jsParams ?? {}) as Record<string, unknown>;
    if (typeof jsParams !== "object" || jsParams === null || Array.isArray(jsParams))
      throw new InvalidRequestError("jsParams must be an object", { reason: "MalformedJsParams" });
    const ctx: RunContext = {
      node: this.node,
      coordinator: this.coordinator,
      requestId,
      // runOnce and broadcastAndCollect are shared only with nodes running this action on these
      // inputs for this caller (a client may send each node a different body under one request id).
      round: actionRound({ requestId, cid: action.cid, jsParams, auth: authContext([action.cid]) }),
      auth,
      stack: [action.cid],
      deadline,
      outputs,
      runChild,
    };
    const started = Date.now();
    const result = await this.pool.runAction({
      code: action.code,
      globals: { jsParams, auth: authContext(ctx.stack) },
      capabilities: buildCapabilities(ctx),
    });
    this.node.log.info(
      {
        requestId,
        cid: action.cid,
        success: result.success,
        ms: Date.now() - started,
        signatures: Object.keys(outputs.signedData).length,
        ...(result.error ? { error: result.error.kind } : {}),
      },
      "lit action run",
    );
    return {
      success: result.success,
      signedData: result.success ? outputs.signedData : {},
      decryptedData: {},
      claimData: result.success ? outputs.claimData : {},
      response: result.response,
      logs: result.logs,
      ...(result.success ? {} : { error: describe(result) }),
      pkpNetwork: { cid: action.cid, signedData: result.success ? outputs.verification : {} },
    };
  }
}
