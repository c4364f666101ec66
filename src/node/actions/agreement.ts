/**
 * `runOnce` and `broadcastAndCollect` inside an action: what the nodes running one action agree on,
 * through the node's ActionCoordinator (coordination.ts), within the run's round (round.ts).
 */
import type { Capabilities, Capability } from "../sandbox";
import { CapabilityError, params } from "./args";
import type { RunContext } from "./context";

/** `runOnce` and `broadcastAndCollect` for one action run. */
export function coordinationCapabilities(ctx: RunContext): Capabilities {
  const waitLeft = () => Math.max(0, ctx.deadline() - Date.now());
  const runOnce: Capability = async (args) => {
    const p = params(args, "runOnce") as {
      stage?: string;
      name?: unknown;
      waitForResponse?: unknown;
      response?: unknown;
    };
    const name = typeof p.name === "string" && p.name.length <= 256 ? p.name : "default";
    const at = { requestId: ctx.requestId, round: ctx.round };
    const leader = ctx.coordinator.runOnceLeader(ctx.requestId, name);
    const isLeader = ctx.coordinator.isMe(leader);
    if (p.stage === "elect") {
      if (isLeader) {
        ctx.coordinator.startRunOnce(at, name);
        return { leader: true };
      }
      if (p.waitForResponse === false) return { leader: false, response: null };
      return { leader: false, response: await ctx.coordinator.fetchRunOnce(at, name, waitLeft()) };
    }
    if (p.stage === "result" && isLeader) {
      ctx.coordinator.recordRunOnce(at, name, p.response);
      return null;
    }
    throw new CapabilityError("runOnce: unexpected call");
  };
  const broadcastAndCollect: Capability = async (args) => {
    const p = params(args, "broadcastAndCollect");
    if (typeof p.name !== "string" || p.name.length === 0 || p.name.length > 256 || p.name.startsWith("\0"))
      throw new CapabilityError("broadcastAndCollect: name must be a string of 1..256 characters");
    return ctx.coordinator.broadcastAndCollect(ctx.round, `user/${p.name}`, p.value ?? null, waitLeft());
  };

  return { runOnce, broadcastAndCollect };
}
