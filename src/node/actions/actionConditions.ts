/**
 * Lit Action conditions (`contractAddress: "ipfs://<CID>"`, `standardContractType: "LitAction"`): the
 * node fetches the action by CID from its IPFS gateway (refusing bytes that do not hash to the CID),
 * runs it in its own sandbox pool, calls the action's function `method(...parameters)` and returns
 * the function's value, which the condition's `returnValueTest` then tests (Lit's semantics: e.g.
 * `method: "go"`, `returnValueTest: {comparator: "=", value: "true"}`).
 *
 * The action gets `fetch` under the node's fetch policy and `Lit.Auth` naming the requester; nothing
 * that signs. It has 10 s.
 */
import { lookup } from "node:dns/promises";
import { codeByCid } from "./code";
import type { PkpNode } from "../node";
import { SandboxPool, createFetchCapability, DEFAULT_LIMITS } from "../sandbox";
import type { ActionConditionRequest, RunActionCondition } from "../conditions";
import { CapabilityError } from "./args";

export const ACTION_CONDITION_TIMEOUT_MS = 10_000;

export interface ActionConditionRunner {
  run: RunActionCondition;
  close(): Promise<void>;
}

export function createActionConditionRunner(node: Pick<PkpNode, "config">): ActionConditionRunner {
  let pool: SandboxPool | undefined;
  let closed = false;
  const fetch = createFetchCapability({
    resolve: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
    allow: node.config.fetchAllow,
  });
  const run = async (req: ActionConditionRequest): Promise<unknown> => {
    if (closed) throw new CapabilityError("the node is stopping");
    const action = await codeByCid(req.cid, {
      gatewayUrl: node.config.ipfsGatewayUrl,
      maxCodeBytes: DEFAULT_LIMITS.maxCodeBytes,
    });
    // `method` is an identifier (checked when the condition was parsed); the arguments are JSON.
    const code =
      `${action.code}\n;Lit.Actions.setResponse({ response: JSON.stringify({ value: ` +
      `await ${req.method}(...${JSON.stringify(req.parameters)}) }) });\n`;
    pool ??= new SandboxPool({ size: 1 });
    const result = await pool.runAction({
      code,
      globals: {
        jsParams: {},
        auth: {
          actionIpfsIdStack: [req.cid],
          authSigAddress: req.userAddress,
          authMethodContexts: [],
          resources: [],
        },
      },
      capabilities: { fetch },
      limits: { timeoutMs: ACTION_CONDITION_TIMEOUT_MS },
    });
    if (!result.success)
      throw new CapabilityError(
        result.error ? `${result.error.kind}: ${result.error.message}` : "the action failed",
      );
    try {
      return (JSON.parse(result.response) as { value: unknown }).value;
    } catch {
      throw new CapabilityError("the action's function returned nothing usable");
    }
  };
  return {
    run,
    close: async () => {
      closed = true;
      const p = pool;
      pool = undefined;
      await p?.close();
    },
  };
}
