import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parseRequest, parseRequestId, readBody, writeError, writeJson } from "../../src/node/wire";

const LIMIT = 2048;

describe("wire (HTTP edge)", () => {
  let server: http.Server;
  let port: number;
  let bytesSeen = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      let id = "none";
      (async () => {
        id = parseRequestId(req.headers["x-request-id"]);
        const body = await readBody(req, LIMIT);
        bytesSeen = body.length;
        const parsed = parseRequest("handshake", body);
        writeJson(res, 200, { challenge: parsed.challenge });
      })().catch((e) => writeError(res, e, id));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(() => server.close());

  function post(
    body: string | string[],
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/web/handshake/",
          headers: { "content-type": "application/json", "x-request-id": "lit_0a1b", ...headers },
        },
        (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode as number, json: JSON.parse(text) }));
        },
      );
      req.on("error", reject);
      for (const part of Array.isArray(body) ? body : [body]) req.write(part);
      req.end();
    });
  }

  const ok = JSON.stringify({ clientPublicKey: "test", challenge: "0abc", epoch: 1 });

  it("answers a valid request", async () => {
    expect(await post(ok)).to.deep.equal({ status: 200, json: { challenge: "0abc" } });
  });

  it("refuses a declared oversized body with 413 in Lit's error shape", async () => {
    const { status, json } = await post("x".repeat(LIMIT + 1));
    expect(status).to.equal(413);
    expect(json).to.deep.include({
      errorKind: "Validation",
      errorCode: "PayloadTooLarge",
      status: 413,
      correlationId: "lit_0a1b",
    });
  });

  it("stops reading a chunked body as soon as it passes the limit", async () => {
    const chunks = Array.from({ length: 64 }, () => "y".repeat(512));
    const { status } = await post(chunks, { "transfer-encoding": "chunked" });
    expect(status).to.equal(413);
    expect(await post(ok)).to.have.property("status", 200);
  });

  it("refuses a body that is not JSON, or not declared as JSON", async () => {
    const bad = await post("{oops");
    expect([bad.status, bad.json.errorCode]).to.deep.equal([400, "InvalidRequest"]);
    expect(bad.json.details).to.deep.equal(["reason: MalformedJson"]);
    const text = await post(ok, { "content-type": "text/plain" });
    expect([text.status, text.json.details]).to.deep.equal([400, ["reason: UnsupportedMediaType"]]);
  });

  it("refuses a request without an X-Request-Id", async () => {
    const { status, json } = await post(ok, { "x-request-id": "" });
    expect([status, json.message]).to.deep.equal([400, "missing X-Request-Id header"]);
  });

  it("keeps serving after every refusal", async () => {
    await post("x".repeat(LIMIT * 4));
    await post("{");
    expect(await post(ok)).to.deep.equal({ status: 200, json: { challenge: "0abc" } });
    expect(bytesSeen).to.equal(Buffer.byteLength(ok));
  });
});
