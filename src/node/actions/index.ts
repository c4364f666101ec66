/**
 * The host functions one Lit Action run gets (`Lit.Actions.<name>` → the capability of the same
 * name; see src/node/sandbox/types.ts), by concern: signing (signing.ts), permission reads
 * (permissions.ts), chains by name (chains.ts), agreement among the nodes (agreement.ts, over coordination.ts),
 * decryption (decryption.ts), child actions by CID (`call`, here) and `fetch` under the node's policy.
 * Each takes the action's parameter object with Lit's parameter names; a thrown Error reaches the
 * action as a rejection with its message. `aesDecrypt` is not provided (the sandbox answers "not
 * available on this node yet").
 *
 * Every feature that runs actions (execute/, encryption/ for Lit Action conditions, sessionKey/ for
 * custom auth) builds on this folder; nothing here imports them.
 */
import { lookup } from "node:dns/promises";

import { createFetchCapability, type Capabilities, type Capability } from "../sandbox";
import { CapabilityError, params } from "./args";
import { chainCapabilities } from "./chains";
import type { RunContext } from "./context";
import { coordinationCapabilities } from "./agreement";
import { buildDecryptionCapabilities } from "./decryption";
import { permissionCapabilities } from "./permissions";
import { signingCapabilities } from "./signing";

export { CapabilityError } from "./args";
export { chainsOf, destroyChainProviders } from "./chains";
export { codeByCid, inlineCode, type ActionCode } from "./code";
export {
  MAX_SIGNATURES_PER_REQUEST,
  type ActionNode,
  type RunContext,
  type RunOutputs,
  type ShareVerificationData,
  type SignedDataEntry,
} from "./context";
export { ActionCoordinator } from "./coordination";
export { actionRound, type RoundId, type RoundInputs } from "./round";
export { checkActionSigning } from "./signing";

/** Child actions by CID: `call({ipfsId, params})`, at most 5 deep. */
function childCapabilities(ctx: RunContext): Capabilities {
  const call: Capability = async (args) => {
    const p = params(args, "call");
    if (typeof p.ipfsId !== "string") throw new CapabilityError("call: ipfsId must be a CID string");
    const childParams = p.params === undefined ? {} : p.params;
    if (typeof childParams !== "object" || childParams === null || Array.isArray(childParams))
      throw new CapabilityError("call: params must be an object");
    if (ctx.stack.length >= 6)
      throw new CapabilityError(`call: child actions nest at most 5 deep (stack: ${ctx.stack.join(" > ")})`);
    return ctx.runChild(p.ipfsId, childParams as Record<string, unknown>, [...ctx.stack, p.ipfsId]);
  };

  return { call };
}

export function buildCapabilities(ctx: RunContext): Capabilities {
  const fetch = createFetchCapability({
    resolve: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
    allow: ctx.node.config.fetchAllow,
  });

  return {
    fetch,
    ...signingCapabilities(ctx),
    ...permissionCapabilities(ctx),
    ...chainCapabilities(ctx),
    ...coordinationCapabilities(ctx),
    ...childCapabilities(ctx),
    ...buildDecryptionCapabilities(ctx),
  };
}
