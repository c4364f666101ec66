/**
 * Where an action's code comes from (src/node/execute/code.ts), without nodes: inline base64 hashed
 * like `ipfs add`, and code by CID from an HTTP gateway on 127.0.0.1 that this test starts, including
 * one that returns other bytes than asked for.
 */
import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { cidOf } from "../../src/protocol/cid";
import { NodeError } from "../../src/node/errors";
import { codeByCid, inlineCode } from "../../src/node/actions/code";

async function refusal(promise: Promise<unknown>): Promise<NodeError> {
  try {
    await promise;
  } catch (e) {
    expect(e).to.be.instanceOf(NodeError);
    return e as NodeError;
  }
  expect.fail("expected a refusal");
}

describe("execute: action code", function () {
  this.timeout(30_000);
  const files = new Map<string, Buffer>();
  let server: http.Server;
  let gatewayUrl: string;
  const requests: string[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? "");
      const body = files.get((req.url ?? "").replace(/^\/ipfs\//, ""));
      if (body === undefined) res.writeHead(404).end("no such content");
      else if (body.toString() === "500") res.writeHead(500).end("broken");
      else res.writeHead(200).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => server.close());

  describe("inlineCode", () => {
    it("decodes base64 and computes the CIDv0 that ipfs add prints", async () => {
      const code = `Lit.Actions.setResponse({ response: "hi" });`;
      const a = await inlineCode(Buffer.from(code).toString("base64"), 1024);
      expect(a.code).to.equal(code);
      expect(a.cid).to.equal(await cidOf(code));
      expect(a.cid).to.match(/^Qm[1-9A-HJ-NP-Za-km-z]{44}$/);
    });

    it("refuses code over the limit with CodeTooLarge", async () => {
      const e = await refusal(inlineCode(Buffer.alloc(2048, 65).toString("base64"), 1024));
      expect(e.status).to.equal(400);
      expect(e.reason).to.equal("CodeTooLarge");
    });
  });

  describe("codeByCid", () => {
    it("fetches GET <gateway>/ipfs/<cid> and accepts bytes that hash to the CID", async () => {
      const code = `console.log("by cid");`;
      const cid = await cidOf(code);
      files.set(cid, Buffer.from(code));
      const a = await codeByCid(cid, { gatewayUrl, maxCodeBytes: 1024 });
      expect(a).to.deep.equal({ code, cid });
      expect(requests).to.include(`/ipfs/${cid}`);
    });

    it("refuses bytes that hash to another CID with 400 IpfsCidMismatch", async () => {
      const cid = await cidOf("the honest code");
      files.set(cid, Buffer.from("the swapped code"));
      const e = await refusal(codeByCid(cid, { gatewayUrl, maxCodeBytes: 1024 }));
      expect(e.status).to.equal(400);
      expect(e.reason).to.equal("IpfsCidMismatch");
      expect(e.message).to.include(await cidOf("the swapped code"));
    });

    it("answers 404 IpfsNotFound for content the gateway does not have", async () => {
      const e = await refusal(codeByCid(await cidOf("never added"), { gatewayUrl, maxCodeBytes: 1024 }));
      expect(e.status).to.equal(404);
      expect(e.reason).to.equal("IpfsNotFound");
    });

    it("refuses content over the limit while reading it (CodeTooLarge)", async () => {
      const big = Buffer.alloc(4096, 66);
      const cid = await cidOf(new Uint8Array(big));
      files.set(cid, big);
      const e = await refusal(codeByCid(cid, { gatewayUrl, maxCodeBytes: 1024 }));
      expect(e.reason).to.equal("CodeTooLarge");
    });

    it("reports a failing gateway (IpfsGatewayError) and an unreachable one (IpfsGatewayUnreachable)", async () => {
      const cid = await cidOf("gateway breaks");
      files.set(cid, Buffer.from("500"));
      const broken = await refusal(codeByCid(cid, { gatewayUrl, maxCodeBytes: 1024 }));
      expect(broken.reason).to.equal("IpfsGatewayError");
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const unreachable = await refusal(
        codeByCid(cid, { gatewayUrl: `http://127.0.0.1:${port}`, maxCodeBytes: 1024 }),
      );
      expect(unreachable.reason).to.equal("IpfsGatewayUnreachable");
    });

    it("refuses without a configured gateway (NoIpfsGateway) and a malformed CID, before any request", async () => {
      const before = requests.length;
      const none = await refusal(codeByCid(await cidOf("x"), { gatewayUrl: undefined, maxCodeBytes: 1024 }));
      expect(none.reason).to.equal("NoIpfsGateway");
      const bad = await refusal(codeByCid("Qm../../etc/passwd", { gatewayUrl, maxCodeBytes: 1024 }));
      expect(bad.reason).to.equal("MalformedIpfsId");
      expect(requests.length).to.equal(before);
    });
  });
});
