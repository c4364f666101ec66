import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createFetchCapability, type FetchReply } from "../../src/node/sandbox/fetchCapability";
import {
  FetchPolicyError,
  checkFetchUrl,
  forbiddenRange,
  type FetchPolicy,
} from "../../src/node/sandbox/fetchPolicy";

/** An injected resolver: no DNS query and no packet ever leaves the test. */
function table(entries: Record<string, string[]>): FetchPolicy["resolve"] {
  return async (hostname) => {
    const found = entries[hostname];
    if (found === undefined) throw new Error(`ENOTFOUND ${hostname}`);
    return found;
  };
}

const resolve = table({
  "api.example.com": ["93.184.216.34"],
  "metadata.internal": ["169.254.169.254"],
  "mixed.example.com": ["93.184.216.34", "10.0.0.7"],
  "v6-local.example.com": ["fe80::1"],
  "mapped.example.com": ["::ffff:192.168.1.1"],
  "empty.example.com": [],
  "dev.local": ["127.0.0.1"],
});

async function refusal(url: string, policy: FetchPolicy = { resolve }): Promise<FetchPolicyError> {
  try {
    await checkFetchUrl(url, policy);
  } catch (error) {
    expect(error).to.be.instanceOf(FetchPolicyError);
    return error as FetchPolicyError;
  }
  expect.fail(`checkFetchUrl accepted ${url}`);
}

describe("checkFetchUrl", () => {
  describe("when the URL is public http(s)", () => {
    it("returns the parsed URL, the port and the checked addresses", async () => {
      const checked = await checkFetchUrl("https://api.example.com/price?x=1", { resolve });
      expect(checked.url.pathname).to.equal("/price");
      expect(checked.port).to.equal(443);
      expect(checked.addresses).to.deep.equal(["93.184.216.34"]);
    });

    it("accepts a public IP literal without resolving it", async () => {
      const checked = await checkFetchUrl("http://8.8.8.8:8080/", { resolve: table({}) });
      expect(checked.port).to.equal(8080);
      expect(checked.addresses).to.deep.equal(["8.8.8.8"]);
    });
  });

  describe("when the URL is malformed or not http(s)", () => {
    it("refuses a string that is not a URL with InvalidUrl", async () => {
      expect((await refusal("not a url")).reason).to.equal("InvalidUrl");
    });

    for (const url of [
      "file:///etc/passwd",
      "ftp://api.example.com/",
      "data:text/plain,hi",
      "ws://api.example.com",
    ]) {
      it(`refuses ${url.split(":")[0]}: with UnsupportedProtocol`, async () => {
        expect((await refusal(url)).reason).to.equal("UnsupportedProtocol");
      });
    }
  });

  describe("when the host cannot be resolved", () => {
    it("refuses an unknown name with Unresolvable", async () => {
      expect((await refusal("http://nowhere.example.com/")).reason).to.equal("Unresolvable");
    });

    it("refuses a name with no address with Unresolvable", async () => {
      expect((await refusal("http://empty.example.com/")).reason).to.equal("Unresolvable");
    });
  });

  describe("when the host is not public", () => {
    const cases: [string, RegExp][] = [
      ["http://127.0.0.1/", /loopback/],
      ["http://127.8.9.10:3000/", /loopback/],
      ["http://localhost.dev.local/", /ENOTFOUND|cannot resolve/],
      ["http://dev.local/", /loopback/],
      ["http://10.1.2.3/", /private \(10/],
      ["http://172.16.0.1/", /private \(172\.16/],
      ["http://172.31.255.255/", /private \(172\.16/],
      ["http://192.168.0.10/", /private \(192\.168/],
      ["http://169.254.169.254/latest/meta-data", /link-local/],
      ["http://metadata.internal/", /link-local/],
      ["http://100.64.0.1/", /carrier-grade NAT/],
      ["http://224.0.0.251/", /multicast/],
      ["http://0.0.0.0/", /unspecified/],
      ["http://255.255.255.255/", /reserved or broadcast/],
      ["http://[::1]/", /loopback/],
      ["http://[::]/", /unspecified/],
      ["http://[fe80::1]/", /link-local/],
      ["http://[fd00::1]/", /unique local/],
      ["http://[ff02::1]/", /multicast/],
      ["http://[::ffff:127.0.0.1]/", /IPv4-mapped loopback/],
      ["http://[::ffff:a9fe:a9fe]/", /IPv4-mapped link-local/],
      ["http://mapped.example.com/", /IPv4-mapped private/],
      ["http://v6-local.example.com/", /link-local/],
      ["http://mixed.example.com/", /10\.0\.0\.7.*private/],
    ];
    for (const [url, range] of cases) {
      it(`refuses ${url}`, async () => {
        const error = await refusal(url);
        expect(error.message).to.match(range);
        if (!/ENOTFOUND/.test(range.source)) expect(error.reason).to.equal("ForbiddenAddress");
      });
    }
  });

  describe("when the policy allows an address", () => {
    it("accepts an allowed ip:port", async () => {
      const checked = await checkFetchUrl("http://127.0.0.1:8545/", { resolve, allow: ["127.0.0.1:8545"] });
      expect(checked.addresses).to.deep.equal(["127.0.0.1"]);
    });

    it("still refuses the same address on another port", async () => {
      const error = await refusal("http://127.0.0.1:22/", { resolve, allow: ["127.0.0.1:8545"] });
      expect(error.reason).to.equal("ForbiddenAddress");
    });

    it("accepts an allowed bare IP on any port and an allowed [v6]:port", async () => {
      await checkFetchUrl("http://10.0.0.7:9/", { resolve, allow: ["10.0.0.7"] });
      await checkFetchUrl("http://[::1]:8080/", { resolve, allow: ["[::1]:8080"] });
    });

    it("accepts an allowed hostname and hostname:port", async () => {
      await checkFetchUrl("http://dev.local/", { resolve, allow: ["dev.local"] });
      await checkFetchUrl("http://dev.local:7000/", { resolve, allow: ["dev.local:7000"] });
      const error = await refusal("http://dev.local:7001/", { resolve, allow: ["dev.local:7000"] });
      expect(error.reason).to.equal("ForbiddenAddress");
    });
  });

  describe("forbiddenRange", () => {
    it("returns null for public addresses", () => {
      for (const a of [
        "1.1.1.1",
        "93.184.216.34",
        "172.32.0.1",
        "100.128.0.1",
        "2606:4700::1111",
        "::ffff:8.8.8.8",
      ]) {
        expect(forbiddenRange(a), a).to.equal(null);
      }
    });

    it("names the range of NAT64-embedded and site-local addresses", () => {
      expect(forbiddenRange("64:ff9b::7f00:1")).to.match(/NAT64 loopback/);
      expect(forbiddenRange("fec0::1")).to.match(/site-local/);
      expect(forbiddenRange("nonsense")).to.equal("not an IP address");
    });
  });
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  expect.fail("expected a rejection");
}

describe("createFetchCapability", () => {
  let server: Server;
  let origin: string;
  let allow: string[];
  const connections: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      connections.push(req.url ?? "");
      if (req.url === "/redirect-public") {
        res.writeHead(302, { location: "/data" }).end();
      } else if (req.url === "/redirect-private") {
        res.writeHead(302, { location: "http://10.0.0.1/secret" }).end();
      } else if (req.url === "/big") {
        res.end("b".repeat(2048));
      } else {
        res.setHeader("x-test", "yes");
        res.end(JSON.stringify({ method: req.method, path: req.url }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    origin = `http://127.0.0.1:${port}`;
    allow = [`127.0.0.1:${port}`];
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("fetches from an allowed address and returns status, headers and body", async () => {
    const fetchCap = createFetchCapability({ allow, resolve });
    const reply = (await fetchCap({ url: `${origin}/data`, method: "POST", body: "x" })) as FetchReply;
    expect(reply.status).to.equal(200);
    expect(reply.headers["x-test"]).to.equal("yes");
    expect(JSON.parse(Buffer.from(reply.body).toString())).to.deep.equal({ method: "POST", path: "/data" });
  });

  it("follows a redirect to an allowed address", async () => {
    const fetchCap = createFetchCapability({ allow, resolve });
    const reply = (await fetchCap({ url: `${origin}/redirect-public` })) as FetchReply;
    expect(JSON.parse(Buffer.from(reply.body).toString())).to.deep.equal({ method: "GET", path: "/data" });
  });

  it("refuses a redirect to a private address before connecting to it", async () => {
    const fetchCap = createFetchCapability({ allow, resolve });
    expect(await rejection(fetchCap({ url: `${origin}/redirect-private` })))
      .to.be.instanceOf(FetchPolicyError)
      .and.to.have.property("message")
      .that.matches(/10\.0\.0\.1 \(private/);
  });

  it("refuses a private address without connecting", async () => {
    const before = connections.length;
    const fetchCap = createFetchCapability({ allow, resolve });
    expect(await rejection(fetchCap({ url: "http://metadata.internal/latest" })))
      .to.be.instanceOf(FetchPolicyError)
      .and.to.have.property("message")
      .that.matches(/link-local/);
    expect(connections.length).to.equal(before);
  });

  it("refuses a response body over the limit", async () => {
    const fetchCap = createFetchCapability({ allow, resolve }, { maxResponseBytes: 1024 });
    expect((await rejection(fetchCap({ url: `${origin}/big` }))).message).to.match(/exceeds 1024 bytes/);
  });

  it("refuses a request without a string url", async () => {
    const fetchCap = createFetchCapability({ allow, resolve });
    expect((await rejection(fetchCap({ url: 42 }))).message).to.match(/url must be a string/);
  });
});
