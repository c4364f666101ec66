import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Wallet, getBytes, keccak256, toUtf8Bytes } from "ethers";
import {
  DEFAULT_LIMITS,
  SandboxPool,
  createFetchCapability,
  type Capabilities,
  type RunActionResult,
} from "../../src/node/sandbox";

const SIGNER = new Wallet("0x" + "42".repeat(32));

/** The node's fetch capability with a policy allowing only the test's own server. */
function fetchCapability(allow: string[]): Capabilities["fetch"] {
  return createFetchCapability({ allow, resolve: async () => [] });
}

describe("sandbox", function () {
  this.timeout(120_000);
  let pool: SandboxPool;
  let server: Server;
  let origin: string;
  let allow: string[];

  before(async () => {
    pool = new SandboxPool({ size: 2, limits: { timeoutMs: 10_000, memoryMb: 64 } });
    await pool.start();
    server = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      res.setHeader("x-test", "yes");
      res.end(JSON.stringify({ path: req.url, method: req.method, price: 1234 }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    origin = `http://127.0.0.1:${port}`;
    allow = [`127.0.0.1:${port}`];
  });

  after(async () => {
    await pool.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function expectHealthy(): Promise<void> {
    const result = await pool.runAction({ code: `Lit.Actions.setResponse({ response: "still fine" });` });
    expect(result.error, JSON.stringify(result.error)).to.equal(undefined);
    expect(result.response).to.equal("still fine");
  }

  function expectFailure(result: RunActionResult, kind: string, message?: RegExp): void {
    expect(result.success).to.equal(false);
    expect(result.error?.kind, JSON.stringify(result.error)).to.equal(kind);
    if (message !== undefined) expect(result.error?.message).to.match(message);
  }

  describe("limits", () => {
    it("defaults to Lit's limits", () => {
      expect(DEFAULT_LIMITS).to.deep.equal({
        timeoutMs: 30_000,
        memoryMb: 256,
        maxFetches: 50,
        maxSignatures: 10,
        maxContractCalls: 30,
        maxResponseBytes: 102_400,
        maxLogBytes: 102_400,
        maxCodeBytes: 16 * 1024 * 1024,
      });
    });
  });

  describe("when an action is written as Lit's documentation writes it", () => {
    it("runs a go() body with jsParams as globals, console.log and setResponse", async () => {
      const code = `
        const go = async () => {
          console.log("checking", number);
          const isPrime = (n) => { if (n < 2) return false; for (let i = 2; i * i <= n; i++) if (n % i === 0) return false; return true; };
          Lit.Actions.setResponse({ response: JSON.stringify({ number: jsParams.number, prime: isPrime(number) }) });
        };
        go();`;
      const result = await pool.runAction({ code, globals: { jsParams: { number: 7919 } } });
      expect(result.error).to.equal(undefined);
      expect(result.success).to.equal(true);
      expect(JSON.parse(result.response)).to.deep.equal({ number: 7919, prime: true });
      expect(result.logs).to.equal("checking 7919");
    });

    it("supports top-level await and a capability call that returns data", async () => {
      const seen: unknown[] = [];
      const capabilities: Capabilities = {
        isPermittedAction: async (args) => {
          seen.push(args);
          return true;
        },
        signEcdsa: async (args) => {
          const { toSign, publicKey, sigName } = args as {
            toSign: Uint8Array;
            publicKey: string;
            sigName: string;
          };
          seen.push({ toSign: Array.from(toSign), publicKey, sigName });
          return "success";
        },
      };
      const code = `
        const permitted = await Lit.Actions.isPermittedAction({ tokenId: "0x01", ipfsId: "QmAction" });
        const toSign = ethers.utils.arrayify(ethers.utils.keccak256(ethers.utils.toUtf8Bytes("hello")));
        const sig = await LitActions.signEcdsa({ toSign, publicKey: "0x04ab", sigName: "sig1" });
        LitActions.setResponse({ response: JSON.stringify({ permitted, sig }) });`;
      const result = await pool.runAction({ code, capabilities });
      expect(result.error).to.equal(undefined);
      expect(JSON.parse(result.response)).to.deep.equal({ permitted: true, sig: "success" });
      expect(seen[0]).to.deep.equal({ tokenId: "0x01", ipfsId: "QmAction" });
      expect(seen[1]).to.deep.equal({
        toSign: Array.from(getBytes(keccak256(toUtf8Bytes("hello")))),
        publicKey: "0x04ab",
        sigName: "sig1",
      });
      expect(result.usage.signatures).to.equal(1);
      expect(result.usage.contractCalls).to.equal(1);
    });

    it("waits for work an un-awaited go() still has in flight", async () => {
      const capabilities: Capabilities = {
        getLatestNonce: async () => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          return "0x5";
        },
      };
      const code = `
        const go = async () => {
          const nonce = await Lit.Actions.getLatestNonce({ address: "0x00", chain: "ethereum" });
          await new Promise((resolve) => setTimeout(resolve, 20));
          Lit.Actions.setResponse({ response: nonce });
        };
        go();`;
      const result = await pool.runAction({ code, capabilities });
      expect(result.error).to.equal(undefined);
      expect(result.response).to.equal("0x5");
    });

    it("fetches from an allow-listed HTTP server on 127.0.0.1 with a Response-like object", async () => {
      const code = `
        const res = await fetch(url + "/price?coin=eth", { method: "post", headers: { accept: "application/json" } });
        const data = await res.json();
        Lit.Actions.setResponse({ response: JSON.stringify({ status: res.status, ok: res.ok, header: res.headers.get("X-Test"), data }) });`;
      const result = await pool.runAction({
        code,
        globals: { jsParams: { url: origin } },
        capabilities: { fetch: fetchCapability(allow) },
      });
      expect(result.error).to.equal(undefined);
      expect(JSON.parse(result.response)).to.deep.equal({
        status: 200,
        ok: true,
        header: "yes",
        data: { path: "/price?coin=eth", method: "POST", price: 1234 },
      });
      expect(result.usage.fetches).to.equal(1);
    });

    it("lets the action catch a fetch the node's policy refuses", async () => {
      const code = `
        try { await fetch("http://169.254.169.254/latest/meta-data"); } catch (e) { Lit.Actions.setResponse({ response: e.message }); }`;
      const result = await pool.runAction({ code, capabilities: { fetch: fetchCapability(allow) } });
      expect(result.error).to.equal(undefined);
      expect(result.response).to.match(/fetch refused: .*link-local/);
    });

    it("exposes Lit.Auth and LitAuth frozen", async () => {
      const auth = {
        actionIpfsIdStack: ["QmParent"],
        authSigAddress: "0x1234",
        authMethodContexts: [{ authMethodType: 1 }],
        resources: [],
      };
      const code = `
        "use strict";
        let threw = false;
        try { Lit.Auth.actionIpfsIdStack.push("QmEvil"); } catch (e) { threw = true; }
        Lit.Actions.setResponse({ response: JSON.stringify({ same: Lit.Auth === LitAuth, frozen: Object.isFrozen(LitAuth), threw, stack: LitAuth.actionIpfsIdStack, addr: LitAuth.authSigAddress }) });`;
      const result = await pool.runAction({ code, globals: { auth } });
      expect(result.error).to.equal(undefined);
      expect(JSON.parse(result.response)).to.deep.equal({
        same: true,
        frozen: true,
        threw: true,
        stack: ["QmParent"],
        addr: "0x1234",
      });
    });

    it("says clearly when a Lit.Actions function is not available on this node yet", async () => {
      const code = `await Lit.Actions.claimKey({ keyId: "k" });`;
      const result = await pool.runAction({ code });
      expectFailure(result, "ActionError", /not available on this node yet: claimKey/);
    });

    it("passes a capability's error to the action as a catchable rejection", async () => {
      const capabilities: Capabilities = {
        signEcdsa: async () => {
          throw new Error("PKP 0x01 does not permit action QmX");
        },
      };
      const code = `
        try { await Lit.Actions.signEcdsa({ toSign: [1], publicKey: "0x04", sigName: "s" }); }
        catch (e) { Lit.Actions.setResponse({ response: "refused: " + e.message }); }`;
      const result = await pool.runAction({ code, capabilities });
      expect(result.response).to.equal("refused: PKP 0x01 does not permit action QmX");
    });

    it("runs runOnce's function only on the elected node and shares its response", async () => {
      const code = `
        const r = await Lit.Actions.runOnce({ waitForResponse: true, name: "tx" }, async () => "sent-by-leader");
        Lit.Actions.setResponse({ response: r });`;
      const results: unknown[] = [];
      const leader = await pool.runAction({
        code,
        capabilities: {
          runOnce: async (args) => {
            results.push(args);
            return { leader: true };
          },
        },
      });
      expect(leader.response).to.equal("sent-by-leader");
      expect(results).to.deep.equal([
        { stage: "elect", name: "tx", waitForResponse: true },
        { stage: "result", name: "tx", waitForResponse: true, response: "sent-by-leader" },
      ]);
      const follower = await pool.runAction({
        code,
        capabilities: { runOnce: async () => ({ leader: false, response: "from-the-leader" }) },
      });
      expect(follower.response).to.equal("from-the-leader");
    });
  });

  describe("when an un-awaited go() rejects", () => {
    it("reports the rejection as the action's error", async () => {
      const code = `const go = async () => { await Lit.Actions.getRpcUrl({ chain: "x" }); throw new Error("boom later"); }; go();`;
      const result = await pool.runAction({ code, capabilities: { getRpcUrl: async () => "u" } });
      expectFailure(result, "ActionError", /^boom later$/);
      expect(result.error?.stack).to.include("action.js:1");
    });
  });

  describe("globals", () => {
    it("does not let a jsParam replace a runtime global", async () => {
      const code = `Lit.Actions.setResponse({ response: JSON.stringify([typeof ethers.utils, jsParams.ethers, typeof fetch, jsParams.fetch, a]) });`;
      const result = await pool.runAction({ code, globals: { jsParams: { ethers: 1, fetch: "x", a: [1] } } });
      expect(JSON.parse(result.response)).to.deep.equal(["object", 1, "function", "x", [1]]);
    });

    it("runs top-level code with this as the isolate's own global", async () => {
      const code = `Lit.Actions.setResponse({ response: String(this === globalThis && typeof this.Lit === "object") });`;
      const result = await pool.runAction({ code });
      expect(result.response).to.equal("true");
    });

    it("has crypto.getRandomValues, so ethers can make a random wallet", async () => {
      const code = `const a = new ethers.Wallet(ethers.utils.randomBytes(32)).address; const b = new ethers.Wallet(ethers.utils.randomBytes(32)).address;
        Lit.Actions.setResponse({ response: JSON.stringify([ethers.utils.isAddress(a), a !== b]) });`;
      const result = await pool.runAction({ code });
      expect(result.error).to.equal(undefined);
      expect(JSON.parse(result.response)).to.deep.equal([true, true]);
    });

    it("has setTimeout and clearTimeout", async () => {
      const code = `const order = [];
        const t = setTimeout(() => order.push("cancelled"), 5);
        clearTimeout(t);
        setTimeout((x) => order.push(x), 10, "late");
        setTimeout(() => order.push("early"), 1);
        await new Promise((r) => setTimeout(r, 30));
        Lit.Actions.setResponse({ response: order.join(",") });`;
      const result = await pool.runAction({ code });
      expect(result.response).to.equal("early,late");
    });
  });

  describe("ethers v5 inside the isolate", () => {
    it("hashes, signs and recovers with ethers.utils as existing Lit Actions do", async () => {
      const message = "prime 7919";
      const signature = SIGNER.signMessageSync(message);
      const code = `
        const u = ethers.utils;
        const digest = u.hashMessage(message);
        const split = u.splitSignature(signature);
        const out = {
          digest,
          recovered: u.recoverAddress(digest, u.joinSignature(split)),
          verified: u.verifyMessage(message, signature),
          computed: u.computeAddress(publicKey),
          keccak: u.keccak256(u.toUtf8Bytes("hello")),
          ether: u.formatEther(u.parseEther("1.5")),
          sum: ethers.BigNumber.from(2).pow(70).add(1).toString(),
          hex: u.hexlify(u.arrayify("0x0102")),
          version: ethers.version,
        };
        Lit.Actions.setResponse({ response: JSON.stringify(out) });`;
      const result = await pool.runAction({
        code,
        globals: { jsParams: { message, signature, publicKey: SIGNER.signingKey.publicKey } },
      });
      expect(result.error).to.equal(undefined);
      const out = JSON.parse(result.response) as Record<string, string>;
      expect(out.recovered).to.equal(SIGNER.address);
      expect(out.verified).to.equal(SIGNER.address);
      expect(out.computed).to.equal(SIGNER.address);
      expect(out.keccak).to.equal(keccak256(toUtf8Bytes("hello")));
      expect(out.ether).to.equal("1.5");
      expect(out.sum).to.equal((2n ** 70n + 1n).toString());
      expect(out.hex).to.equal("0x0102");
      expect(out.version).to.equal("ethers/5.7.2");
    });

    it("converts with uint8arrayToString, uint8arrayFromString, TextEncoder and btoa", async () => {
      const code = `
        const bytes = Lit.Actions.uint8arrayFromString("héllo ✓", "utf8");
        Lit.Actions.setResponse({ response: JSON.stringify([
          uint8arrayToString(bytes, "base16"),
          uint8arrayToString(uint8arrayFromString("aGk=", "base64"), "utf8"),
          uint8arrayToString(bytes, "base64"),
          new TextDecoder().decode(new TextEncoder().encode("ok ✓")),
          btoa("hi"),
        ]) });`;
      const result = await pool.runAction({ code });
      expect(result.error).to.equal(undefined);
      expect(JSON.parse(result.response)).to.deep.equal([
        Buffer.from("héllo ✓").toString("hex"),
        "hi",
        Buffer.from("héllo ✓").toString("base64"),
        "ok ✓",
        "aGk=",
      ]);
    });
  });

  describe("when an action is hostile", () => {
    it("stops a synchronous infinite loop at the wall clock", async () => {
      const result = await pool.runAction({ code: `while (true) {}`, limits: { timeoutMs: 500 } });
      expectFailure(result, "Timeout", /500 ms/);
      await expectHealthy();
    });

    it("stops an infinite loop after an await", async () => {
      const code = `await Lit.Actions.getRpcUrl({ chain: "ethereum" }); for (;;) {}`;
      const result = await pool.runAction({
        code,
        limits: { timeoutMs: 500 },
        capabilities: { getRpcUrl: async () => "http://127.0.0.1:8545" },
      });
      expectFailure(result, "Timeout");
      await expectHealthy();
    });

    it("stops an un-awaited go() that loops forever after a timer", async () => {
      const code = `const go = async () => { await new Promise((r) => setTimeout(r, 10)); while (true) {} }; go();`;
      const result = await pool.runAction({ code, limits: { timeoutMs: 500 } });
      expectFailure(result, "Timeout");
      await expectHealthy();
    });

    it("stops a memory bomb at the heap limit", async () => {
      const code = `const hoard = []; for (;;) hoard.push("x".repeat(1 << 20) + hoard.length);`;
      const result = await pool.runAction({ code, limits: { memoryMb: 32 } });
      expectFailure(result, "MemoryLimit", /32 MB/);
      await expectHealthy();
    });

    it("stops a memory bomb of array buffers", async () => {
      const code = `const hoard = []; for (;;) hoard.push(new Uint8Array(8 << 20).fill(1));`;
      const result = await pool.runAction({ code, limits: { memoryMb: 32 } });
      expectFailure(result, "MemoryLimit");
      await expectHealthy();
    });

    it("stops the 51st fetch even if the action catches the error", async () => {
      const code = `for (let i = 0; i < 51; i++) { try { await fetch(url + "/" + i); } catch (e) {} }
        Lit.Actions.setResponse({ response: "escaped the limit" });`;
      const result = await pool.runAction({
        code,
        globals: { jsParams: { url: origin } },
        capabilities: { fetch: fetchCapability(allow) },
      });
      expectFailure(result, "TooManyFetches", /more than 50 fetches/);
      expect(result.response).to.equal("");
      await expectHealthy();
    });

    it("stops the 11th signature", async () => {
      let signed = 0;
      const code = `for (let i = 0; i < 11; i++) await Lit.Actions.signEcdsa({ toSign: [i], publicKey: "0x04", sigName: "s" + i });`;
      const result = await pool.runAction({
        code,
        capabilities: {
          signEcdsa: async () => {
            signed++;
            return "success";
          },
        },
      });
      expectFailure(result, "TooManySignatures", /more than 10 signatures/);
      expect(signed).to.equal(10);
      await expectHealthy();
    });

    it("stops the 31st contract call", async () => {
      const code = `for (let i = 0; i < 31; i++) await Lit.Actions.callContract({ chain: "ethereum", txn: "0x" });`;
      const result = await pool.runAction({ code, capabilities: { callContract: async () => "0x" } });
      expectFailure(result, "TooManyContractCalls", /more than 30 contract calls/);
      await expectHealthy();
    });

    it("refuses a 200 KB response", async () => {
      const result = await pool.runAction({
        code: `Lit.Actions.setResponse({ response: "r".repeat(200 * 1024) });`,
      });
      expectFailure(result, "ResponseTooLarge", /204800 bytes exceeds the limit of 102400/);
      await expectHealthy();
    });

    it("refuses 200 KB of logs even if the action catches the error", async () => {
      const code = `for (let i = 0; i < 200; i++) { try { console.log("l".repeat(1024)); } catch (e) {} }`;
      const result = await pool.runAction({ code });
      expectFailure(result, "LogsTooLarge", /102400 bytes/);
      await expectHealthy();
    });

    it("refuses 17 MB of code before starting it", async () => {
      const result = await pool.runAction({ code: "//" + "c".repeat(17 * 1024 * 1024) });
      expectFailure(result, "CodeTooLarge", /exceeds the limit of 16777216 bytes/);
      await expectHealthy();
    });

    it("reports a syntax error", async () => {
      const result = await pool.runAction({ code: `const = 1;` });
      expectFailure(result, "SyntaxError", /Unexpected token/);
      await expectHealthy();
    });

    it("reports a thrown error with a stack inside the action only", async () => {
      const code = `const f = () => { throw new TypeError("bad input"); };\nf();`;
      const result = await pool.runAction({ code });
      expectFailure(result, "ActionError", /^bad input$/);
      expect(result.error?.stack).to.match(/^TypeError: bad input\n/);
      expect(result.error?.stack).to.include("action.js:1");
      expect(result.error?.stack).to.not.match(/node:|worker\.ts|isolated-vm|lit-runtime/);
    });

    it("finds no process, require, module, Buffer or host objects", async () => {
      const code = `Lit.Actions.setResponse({ response: JSON.stringify([
        typeof process, typeof require, typeof module, typeof Buffer, typeof __lit_host, typeof __lit_sync,
        typeof __lit_begin, typeof this.process, typeof globalThis.global, typeof Deno]) });`;
      const result = await pool.runAction({ code });
      expect(result.error).to.equal(undefined);
      expect(JSON.parse(result.response)).to.deep.equal(new Array(10).fill("undefined"));
    });

    it("cannot reach the host through constructor.constructor", async () => {
      for (const code of [
        `globalThis.constructor.constructor("return process")()`,
        `(async () => {}).constructor("return process")()`,
        `Lit.Actions.signEcdsa.constructor("return this")()`,
      ]) {
        const result = await pool.runAction({ code });
        expectFailure(result, "ActionError", /Code generation from strings disallowed/);
      }
      await expectHealthy();
    });

    it("cannot generate code with eval or Function", async () => {
      for (const code of [`eval("1 + 1")`, `new Function("return 1")()`, `(0, eval)("this")`]) {
        const result = await pool.runAction({ code });
        expectFailure(result, "ActionError", /Code generation from strings disallowed/);
      }
    });

    it("does not leak prototype pollution into the next run", async () => {
      const polluted = await pool.runAction({
        code: `Object.prototype.polluted = "yes"; Array.prototype.includes = () => true; JSON.stringify = () => "hacked"; globalThis.leftover = 1;
          Lit.Actions.setResponse({ response: String({}.polluted) });`,
      });
      expect(polluted.response).to.equal("yes");
      for (let i = 0; i < 3; i++) {
        const clean = await pool.runAction({
          code: `Lit.Actions.setResponse({ response: JSON.stringify([({}).polluted, [1].includes(2), typeof leftover]) });`,
        });
        expect(clean.error).to.equal(undefined);
        expect(JSON.parse(clean.response)).to.deep.equal([null, false, "undefined"]);
      }
    });

    it("kills a worker that misses its own deadline (host watchdog) and serves the next run", async () => {
      const frozen = new SandboxPool({ size: 1, limits: { timeoutMs: 500 }, watchdogGraceMs: 300 });
      try {
        await frozen.start();
        const running = frozen.runAction({ code: `while (true) {}` });
        await new Promise((resolve) => setTimeout(resolve, 100));
        // A stopped worker cannot answer, not even with its own timeout: only the host's watchdog can end the run.
        for (const pid of frozen.workerPids()) process.kill(pid, "SIGSTOP");
        const result = await running;
        expectFailure(result, "Timeout", /500 ms \(worker killed\)/);
        const next = await frozen.runAction({ code: `Lit.Actions.setResponse({ response: "again" });` });
        expect(next.response).to.equal("again");
      } finally {
        await frozen.close();
      }
    });

    it("keeps concurrent runs apart", async () => {
      const runs = await Promise.all(
        [1, 2, 3, 4].map((n) =>
          pool.runAction({
            code: `globalThis.shared = (globalThis.shared || 0) + n; await new Promise((r) => setTimeout(r, 20));
              Lit.Actions.setResponse({ response: String(shared) });`,
            globals: { jsParams: { n } },
          }),
        ),
      );
      expect(runs.map((r) => r.response)).to.deep.equal(["1", "2", "3", "4"]);
    });

    it("runs a nested run (a child action) beside its parent on the busy worker, in its own isolate", async () => {
      const small = new SandboxPool({ size: 1, limits: { timeoutMs: 20_000 } });
      try {
        await small.start();
        const capabilities: Capabilities = {
          call: async (args) => {
            const { params } = args as { params: { x: number } };
            const child = await small.runAction({
              code: `Lit.Actions.setResponse({ response: String(x * 2) + (typeof fromParent) });`,
              globals: { jsParams: params },
              nested: true,
            });
            if (!child.success) throw new Error(child.error!.message);
            return child.response;
          },
        };
        const parent = await small.runAction({
          code: `globalThis.fromParent = 1;
            const out = await Lit.Actions.call({ ipfsId: "child", params: { x: 21 } });
            Lit.Actions.setResponse({ response: out });`,
          capabilities,
        });
        expect(parent.error, JSON.stringify(parent.error)).to.equal(undefined);
        expect(parent.response).to.equal("42undefined");
        expect(small.stats.started).to.equal(1);
        expect(small.workerPids()).to.have.length(1);
      } finally {
        await small.close();
      }
    });

    it("queues a plain run behind busy workers instead of starting more than its size", async () => {
      const small = new SandboxPool({ size: 1, limits: { timeoutMs: 20_000 } });
      try {
        await small.start();
        const runs = await Promise.all(
          [1, 2].map((n) =>
            small.runAction({
              code: `await new Promise((r) => setTimeout(r, 50)); Lit.Actions.setResponse({ response: String(n) });`,
              globals: { jsParams: { n } },
            }),
          ),
        );
        expect(runs.map((r) => r.response)).to.deep.equal(["1", "2"]);
        expect(small.stats.started).to.equal(1);
      } finally {
        await small.close();
      }
    });

    it("reports a worker that dies during a run and serves the next run", async () => {
      const pidsBefore = pool.workerPids();
      const running = pool.runAction({ code: `while (true) {}`, limits: { timeoutMs: 20_000 } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const busyPids = pool.workerPids();
      // Kill every worker this pool started (one of them is running the loop).
      for (const pid of busyPids) process.kill(pid, "SIGKILL");
      const result = await running;
      expectFailure(result, "WorkerCrashed", /SIGKILL.*replaced/);
      await expectHealthy();
      const pidsAfter = pool.workerPids();
      for (const pid of pidsBefore) expect(pidsAfter).to.not.include(pid);
    });
  });
});
