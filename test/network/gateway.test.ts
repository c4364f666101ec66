/**
 * The local IPFS gateway: kubo's `POST /api/v0/add` (raw and multipart bodies) and `GET /ipfs/<cid>`,
 * on 127.0.0.1 with a free port and a temporary store, started and stopped by the tests.
 */
import { expect } from "chai";
import hre from "hardhat";
import http from "node:http";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";

import { cidOf } from "../../src/protocol/cid";
import { NetworkError } from "../../src/network/errors";
import { readNetworkFile } from "../../src/network/networkFile";
import {
  GatewayError,
  publishToGateway,
  startGateway,
  type AddResult,
  type IpfsGateway,
} from "../../src/network/gateway";
import { request } from "../../src/transport";

const HELLO = "hello world\n";
/** `echo "hello world" | ipfs add` (kubo, default profile). */
const HELLO_CID = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";
const UNKNOWN_CID = "QmNLei78zWmzUdbeRB3CiUfAizWUrbeeZh5K1rhAQKCh51";

async function add(
  url: string,
  body: string | Uint8Array,
  query = "",
  contentType = "application/octet-stream",
): Promise<{ status: number; json: unknown; text: string }> {
  const res = await request(`${url}/api/v0/add${query}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  const text = res.body.toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

function multipart(files: { name: string; bytes: string | Uint8Array }[]): {
  body: Buffer;
  contentType: string;
} {
  const boundary = "----test-boundary-1234";
  const parts = files.map((f) =>
    Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${f.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      Buffer.from(f.bytes),
      Buffer.from("\r\n"),
    ]),
  );
  return {
    body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

async function get(
  url: string,
  cid: string,
): Promise<{ status: number; body: Buffer; headers: Record<string, string> }> {
  const res = await request(`${url}/ipfs/${cid}`, { method: "GET" });
  return { status: res.status, body: res.body, headers: res.headers };
}

describe("IPFS gateway", function () {
  this.timeout(60_000);
  let dir: string;
  let gateway: IpfsGateway;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "pkp-gateway-"));
    gateway = await startGateway({
      dir: path.join(dir, "ipfs"),
      maxFileBytes: 512 * 1024,
      maxFilesPerRequest: 3,
    });
  });

  afterEach(async () => {
    await gateway.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("POST /api/v0/add", () => {
    it("adds a raw body as `ipfs add` does (kubo's Hash and Size for hello world)", async () => {
      const r = await add(gateway.url, HELLO);
      expect(r.status).to.equal(200);
      expect(r.json).to.deep.equal({ Name: HELLO_CID, Hash: HELLO_CID, Size: "20" });
    });

    it("adds a multipart file under its name, with the CID action:cid prints", async () => {
      const code = 'Lit.Actions.setResponse({ response: "hi" });\n';
      const file = path.join(dir, "action.js");
      writeFileSync(file, code);
      const { body, contentType } = multipart([{ name: "action.js", bytes: code }]);
      const r = await add(gateway.url, body, "", contentType);
      expect(r.status).to.equal(200);
      const added = r.json as AddResult;
      expect(added.Name).to.equal("action.js");
      const printed = (await hre.run("action:cid", { file, json: true })) as { cid: string };
      expect(added.Hash).to.equal(printed.cid);
      expect(added.Hash).to.equal(await cidOf(code));
    });

    it("adds several multipart files, one JSON line each", async () => {
      const { body, contentType } = multipart([
        { name: "a.js", bytes: "a" },
        { name: "b.js", bytes: "b" },
      ]);
      const r = await add(gateway.url, body, "", contentType);
      expect(r.status).to.equal(200);
      const lines = r.text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as AddResult);
      expect(lines.map((l) => l.Name)).to.deep.equal(["a.js", "b.js"]);
      expect(lines[0].Hash).to.equal(await cidOf("a"));
      expect(lines[1].Hash).to.equal(await cidOf("b"));
    });

    it("adds a file of several 256 KiB chunks with the balanced-DAG CID", async () => {
      const bytes = new Uint8Array(300 * 1024).map((_, i) => (i * 7) & 255);
      const r = await add(gateway.url, bytes);
      expect(r.status).to.equal(200);
      expect((r.json as AddResult).Hash).to.equal(await cidOf(bytes));
      const back = await get(gateway.url, (r.json as AddResult).Hash);
      expect(back.status).to.equal(200);
      expect(Buffer.compare(back.body, Buffer.from(bytes))).to.equal(0);
    });

    it("only hashes with ?only-hash=true (nothing stored)", async () => {
      const r = await add(gateway.url, HELLO, "?only-hash=true");
      expect((r.json as AddResult).Hash).to.equal(HELLO_CID);
      expect((await get(gateway.url, HELLO_CID)).status).to.equal(404);
    });

    describe("when the file is over the size limit", () => {
      it("refuses a raw body with 413 and stores nothing", async () => {
        const r = await add(gateway.url, new Uint8Array(512 * 1024 + 1));
        expect(r.status).to.equal(413);
        expect(r.json).to.deep.include({ Type: "error" });
        expect((r.json as { Message: string }).Message).to.contain("524288 bytes");
        expect(readdirSync(path.join(dir, "ipfs"))).to.deep.equal([]);
      });

      it("refuses a multipart file with 413 and stores nothing", async () => {
        const { body, contentType } = multipart([{ name: "big.js", bytes: new Uint8Array(512 * 1024 + 1) }]);
        const r = await add(gateway.url, body, "", contentType);
        expect(r.status).to.equal(413);
        expect((r.json as { Message: string }).Message).to.contain("over the limit");
        expect(readdirSync(path.join(dir, "ipfs"))).to.deep.equal([]);
      });
    });

    describe("when the request is malformed", () => {
      it("refuses an empty body with 400", async () => {
        const r = await add(gateway.url, "");
        expect(r.status).to.equal(400);
        expect((r.json as { Message: string }).Message).to.contain("empty body");
      });

      it("refuses a multipart body without a file with 400", async () => {
        const boundary = "b0";
        const body = `--${boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\ny\r\n--${boundary}--\r\n`;
        const r = await add(gateway.url, body, "", `multipart/form-data; boundary=${boundary}`);
        expect(r.status).to.equal(400);
        expect((r.json as { Message: string }).Message).to.equal("no file in the multipart body");
      });

      it("refuses more files than the per-request limit with 413", async () => {
        const { body, contentType } = multipart(
          ["a", "b", "c", "d"].map((n) => ({ name: `${n}.js`, bytes: n })),
        );
        const r = await add(gateway.url, body, "", contentType);
        expect(r.status).to.equal(413);
        expect((r.json as { Message: string }).Message).to.equal("more than 3 files in one request");
      });

      for (const [query, reason] of [
        ["?cid-version=1", "only cid-version=0 is supported"],
        ["?raw-leaves=true", "raw-leaves is not supported"],
        ["?chunker=size-1024", "only the default chunker"],
        ["?wrap-with-directory=true", "wrap-with-directory is not supported"],
      ] as const) {
        it(`refuses ${query} (it would change the CID) with 400`, async () => {
          const r = await add(gateway.url, HELLO, query);
          expect(r.status).to.equal(400);
          expect((r.json as { Message: string }).Message).to.contain(reason);
        });
      }

      it("answers 405 to a GET", async () => {
        const res = await request(`${gateway.url}/api/v0/add`, { method: "GET" });
        expect(res.status).to.equal(405);
      });
    });
  });

  describe("GET /ipfs/<cid>", () => {
    it("returns the added bytes unchanged, with the CID as ETag", async () => {
      const bytes = Uint8Array.from([0, 1, 2, 255, 10, 13]);
      const { Hash } = (await add(gateway.url, bytes)).json as AddResult;
      const r = await get(gateway.url, Hash);
      expect(r.status).to.equal(200);
      expect([...r.body]).to.deep.equal([...bytes]);
      expect(r.headers.etag).to.equal(`"${Hash}"`);
      expect(r.headers["content-type"]).to.equal("application/octet-stream");
    });

    it("answers 404 for a CID it does not hold", async () => {
      const r = await get(gateway.url, UNKNOWN_CID);
      expect(r.status).to.equal(404);
      expect(r.body.toString()).to.contain(`no file with CID ${UNKNOWN_CID}`);
    });

    for (const bad of [
      "QmNotACid",
      "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
      "..%2F..%2Fetc%2Fpasswd",
    ]) {
      it(`refuses the malformed CID ${bad} with 400`, async () => {
        const r = await get(gateway.url, bad);
        expect(r.status).to.equal(400);
      });
    }

    it("refuses a path inside a CID with 400", async () => {
      await add(gateway.url, HELLO);
      expect((await get(gateway.url, `${HELLO_CID}/index.js`)).status).to.equal(400);
    });

    it("refuses (500) a stored file whose bytes no longer hash to its CID", async () => {
      await add(gateway.url, HELLO);
      writeFileSync(path.join(dir, "ipfs", HELLO_CID), "tampered\n");
      const r = await get(gateway.url, HELLO_CID);
      expect(r.status).to.equal(500);
      expect(r.body.toString()).to.contain("corrupt");
    });

    it("serves what an earlier gateway stored in the same directory", async () => {
      await add(gateway.url, HELLO);
      await gateway.close();
      gateway = await startGateway({ dir: path.join(dir, "ipfs") });
      expect((await get(gateway.url, HELLO_CID)).body.toString()).to.equal(HELLO);
    });
  });

  describe("publishToGateway", () => {
    it("adds the code through kubo's multipart RPC and returns its CID", async () => {
      const code = "const x = 1;\n";
      const r = await publishToGateway(gateway.url, code);
      expect(r.cid).to.equal(await cidOf(code));
      expect((await get(gateway.url, r.cid)).body.toString()).to.equal(code);
    });

    it("throws GatewayError with the API's message when it refuses the file", async () => {
      const err = await publishToGateway(gateway.url, new Uint8Array(512 * 1024 + 1)).then(
        () => expect.fail("expected a refusal"),
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(GatewayError);
      expect((err as GatewayError).status).to.equal(413);
      expect((err as Error).message).to.contain("over the limit");
    });

    it("throws GatewayError when the API is unreachable", async () => {
      const closed = http.createServer();
      await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((r) => closed.close(() => r()));
      const err = await publishToGateway(`http://127.0.0.1:${port}`, "x").then(
        () => expect.fail("expected a failure"),
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(GatewayError);
      expect((err as Error).message).to.contain("cannot reach the IPFS API");
    });

    it("throws GatewayError when the API names the file with another CID", async () => {
      const liar = http.createServer((req, res) => {
        req.resume();
        req.on("end", () => res.end(JSON.stringify({ Name: "a", Hash: UNKNOWN_CID, Size: "9" })));
      });
      await new Promise<void>((r) => liar.listen(0, "127.0.0.1", r));
      try {
        const err = await publishToGateway(
          `http://127.0.0.1:${(liar.address() as AddressInfo).port}`,
          "x",
        ).then(
          () => expect.fail("expected a failure"),
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(GatewayError);
        expect((err as Error).message).to.contain(`named the file ${UNKNOWN_CID}`);
      } finally {
        await new Promise<void>((r) => liar.close(() => r()));
      }
    });
  });

  describe("network.json's ipfsGatewayUrl", () => {
    const info = (extra: Record<string, unknown>) => ({
      rpcUrl: "http://127.0.0.1:8545",
      chainId: 31337,
      contracts: Object.fromEntries(
        ["staking", "pubkeyRouter", "pkpNft", "pkpPermissions", "pkpHelper", "pkpNftMetadata"].map((k, i) => [
          k,
          "0x" + String(i + 1).repeat(40),
        ]),
      ),
      nodes: [
        { url: "http://127.0.0.1:7470", nodeAddress: "0x" + "a".repeat(40), pid: 1, dataDir: "/tmp/x" },
      ],
      n: 4,
      t: 1,
      quorum: 3,
      chainPid: null,
      startedAt: new Date(0).toISOString(),
      ...extra,
    });

    it("is read back when present", () => {
      writeFileSync(path.join(dir, "network.json"), JSON.stringify(info({ ipfsGatewayUrl: gateway.url })));
      expect(readNetworkFile(dir).ipfsGatewayUrl).to.equal(gateway.url);
    });

    it("is optional (network.json files written before the gateway existed)", () => {
      writeFileSync(path.join(dir, "network.json"), JSON.stringify(info({})));
      expect(readNetworkFile(dir).ipfsGatewayUrl).to.equal(undefined);
    });

    it("refuses a value that is not a URL", () => {
      writeFileSync(path.join(dir, "network.json"), JSON.stringify(info({ ipfsGatewayUrl: "not a url" })));
      expect(() => readNetworkFile(dir)).to.throw(NetworkError, /ipfsGatewayUrl/);
    });
  });
});
