/**
 * `Lit.Actions.call` without nodes: the node's capabilities (buildCapabilities) and child runner
 * (childRunner) on a real sandbox pool, with code by CID from an in-memory store checked against its
 * CID. The node-level test (execute.test.ts) runs a child through the gateway; this one checks the
 * depth rule, which needs six isolates at once.
 */
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import { cidOf } from "../../src/protocol/cid";
import { actionRound, buildCapabilities, type RunContext, type RunOutputs } from "../../src/node/actions";
import { childRunner } from "../../src/node/execute/service";
import type { PkpNode } from "../../src/node/node";
import { SandboxPool, type LitAuthContext } from "../../src/node/sandbox";

describe("execute: child actions (Lit.Actions.call)", function () {
  this.timeout(180_000);
  let pool: SandboxPool;
  const store = new Map<string, string>();
  /** Only what buildCapabilities reads of a node; nothing here touches a chain or a peer. */
  const node = {
    config: {
      contracts: { pkpPermissions: ZeroAddress },
      fetchAllow: [],
      chains: {},
      chainId: 31337,
      rpcUrl: "",
    },
    chain: { provider: null },
  } as unknown as PkpNode;

  before(async () => {
    pool = new SandboxPool({ size: 1, limits: { timeoutMs: 60_000 } });
    await pool.start();
  });
  after(async () => {
    await pool.close();
  });

  async function publish(code: string): Promise<string> {
    const cid = await cidOf(code);
    store.set(cid, code);
    return cid;
  }

  async function run(rootCid: string, jsParams: Record<string, unknown>) {
    const stack = [rootCid];
    const deadline = Date.now() + 60_000;
    const outputs: RunOutputs = { signedData: {}, verification: {}, claimData: {}, sigNames: new Set() };
    const authContext = (s: readonly string[]): LitAuthContext => ({
      actionIpfsIdStack: [...s],
      authSigAddress: ZeroAddress,
      authMethodContexts: [],
      resources: [],
    });
    const ctx: RunContext = {
      node,
      coordinator: undefined as unknown as RunContext["coordinator"],
      requestId: "test",
      round: actionRound({ requestId: "test", cid: rootCid, jsParams, auth: authContext(stack) }),
      auth: { via: "session", address: ZeroAddress, expiresAt: new Date(deadline), capabilities: [] },
      stack,
      deadline: () => deadline,
      outputs,
      runChild: childRunner({
        pool: () => pool,
        fetchCode: async (cid) => {
          const code = store.get(cid);
          if (code === undefined) throw new Error(`no content for ${cid}`);
          return { code, cid };
        },
        authContext,
        deadline: () => deadline,
        capabilities: (s) => ({ call: buildCapabilities({ ...ctx, stack: s }).call }),
      }),
    };
    return pool.runAction({
      code: store.get(rootCid)!,
      globals: { jsParams, auth: authContext(stack) },
      capabilities: { call: buildCapabilities(ctx).call },
    });
  }

  it("runs a chain of child actions, each seeing its own call stack", async () => {
    const leaf = await publish(
      `Lit.Actions.setResponse({ response: JSON.stringify(Lit.Auth.actionIpfsIdStack) });`,
    );
    const middle = await publish(
      `Lit.Actions.setResponse({ response: await Lit.Actions.call({ ipfsId: leaf, params: {} }) });`,
    );
    const root = await publish(
      `Lit.Actions.setResponse({ response: await Lit.Actions.call({ ipfsId: middle, params: { leaf } }) });`,
    );
    const result = await run(root, { middle, leaf });
    expect(result.error, JSON.stringify(result.error)).to.equal(undefined);
    expect(JSON.parse(result.response)).to.deep.equal([root, middle, leaf]);
  });

  it("allows 5 nested child actions and refuses the 6th", async () => {
    const self = await publish(`
      const depth = Lit.Auth.actionIpfsIdStack.length;
      if (depth === stopAt) {
        Lit.Actions.setResponse({ response: "reached " + depth });
      } else {
        Lit.Actions.setResponse({ response: await Lit.Actions.call({ ipfsId: self, params: { self, stopAt } }) });
      }
    `);
    const ok = await run(self, { self, stopAt: 6 });
    expect(ok.error, JSON.stringify(ok.error)).to.equal(undefined);
    expect(ok.response).to.equal("reached 6");
    const refused = await run(self, { self, stopAt: 7 });
    expect(refused.success).to.equal(false);
    expect(refused.error?.kind).to.equal("ActionError");
    expect(refused.error?.message).to.include("child actions nest at most 5 deep");
  });

  it("reports a child whose code cannot be had, and a child that throws, as the parent's error", async () => {
    const missing = await cidOf("never stored");
    const root = await publish(`await Lit.Actions.call({ ipfsId: missing, params: {} });`);
    const a = await run(root, { missing });
    expect(a.error?.message).to.include(`call: no content for ${missing}`);
    const thrower = await publish(`throw new Error("child says no");`);
    const root2 = await publish(`await Lit.Actions.call({ ipfsId: thrower });`);
    const b = await run(root2, { thrower });
    expect(b.error?.message).to.include("child says no");
  });
});
