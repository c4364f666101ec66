/**
 * The requests Lit's published client (`@lit-protocol/lit-node-client-nodejs@7.4.0`) really sends,
 * captured by a server on 127.0.0.1 that answers every request with our JSON error: each body passes
 * our schema, each path and header is what the node serves, and the client surfaces our error code.
 */
import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Wallet, hexlify, randomBytes } from "ethers";
import { LitNodeClientNodeJs } from "@lit-protocol/lit-node-client-nodejs";
import { LitPKPResource } from "@lit-protocol/auth-helpers";
import { LIT_ABILITY } from "@lit-protocol/constants";
import { ROUTES, parseRequest, parseRequestId, type RouteName } from "../../src/node/wire";
import { NotPermittedError, errorBody } from "../../src/node/errors";
import { getSessionSigs, pkpResource, requestAbility, type SessionSigs } from "../../src/sdk/session";

interface Captured {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe("wire (against Lit's client)", function () {
  this.timeout(60_000);
  const captured: Captured[] = [];
  let server: http.Server;
  let url: string;
  let client: LitNodeClientNodeJs;
  let sessionSigs: SessionSigs;
  let quiet: [typeof console.warn, typeof console.error];

  before(async () => {
    quiet = [console.warn, console.error];
    console.warn = () => undefined;
    console.error = () => undefined;
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        captured.push({ path: req.url as string, headers: req.headers, body });
        const e = new NotPermittedError("refused by the capture server", { reason: "CaptureOnly" });
        res.writeHead(e.status, { "content-type": "application/json" });
        res.end(JSON.stringify(errorBody(e, String(req.headers["x-request-id"]))));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // The state connect() would set from the chain and the handshakes.
    client = new LitNodeClientNodeJs({ litNetwork: "custom", checkNodeAttestation: false, debug: false });
    const state = client as unknown as Record<string, unknown> & { config: Record<string, unknown> };
    const blockhash = hexlify(randomBytes(32));
    state.ready = true;
    state.connectedNodes = new Set([url]);
    state.latestBlockhash = blockhash;
    state.subnetPubKey = "a".repeat(96);
    state.networkPubKey = "a".repeat(96);
    state._epochCache = { currentNumber: 5, startTime: Math.floor(Date.now() / 1000) - 3600 };
    state.config.minNodeCount = 1;

    ({ sessionSigs } = await getSessionSigs({
      signer: new Wallet(hexlify(randomBytes(32))),
      nodeUrls: [url],
      latestBlockhash: blockhash,
      resourceAbilityRequests: [requestAbility(pkpResource(), "pkp-signing")],
    }));
  });

  after(() => {
    server.close();
    [console.warn, console.error] = quiet;
  });

  async function send(
    route: RouteName,
    call: () => Promise<unknown>,
  ): Promise<{ sent: Captured; error: unknown }> {
    const before = captured.length;
    let error: unknown;
    try {
      await call();
    } catch (e) {
      error = e;
    }
    expect(captured.length).to.equal(before + 1, `the client sent nothing for ${route}: ${String(error)}`);
    const sent = captured[captured.length - 1];
    expect(sent.path).to.equal(ROUTES[route]);
    expect(parseRequestId(sent.headers["x-request-id"])).to.match(/^lit_[0-9a-f]+$/);
    expect(sent.headers["content-type"]).to.equal("application/json");
    return { sent, error };
  }

  it("sends a handshake our schema accepts", async () => {
    const { sent } = await send("handshake", () =>
      client.handshakeWithNode({ url, challenge: hexlify(randomBytes(32)).slice(2) }, "abc123"),
    );
    const body = parseRequest("handshake", sent.body);
    expect(body.clientPublicKey).to.equal("test");
    expect(body.epoch).to.equal(5);
  });

  it("sends a pkp/sign our schema accepts, and surfaces our error code", async () => {
    const pubKey = "04" + hexlify(randomBytes(64)).slice(2);
    const { sent, error } = await send("pkpSign", () =>
      client.pkpSign({ toSign: randomBytes(32), pubKey, sessionSigs }),
    );
    const body = parseRequest("pkpSign", sent.body);
    expect(body.pubkey).to.equal("0x" + pubKey);
    expect(body.authSig).to.deep.equal(sessionSigs[url]);
    expect(body.epoch).to.equal(5);
    expect((error as { info?: { errorCode?: string } }).info?.errorCode).to.equal("NotPermitted");
  });

  it("sends an execute our schema accepts", async () => {
    const code = "(async () => { Lit.Actions.setResponse({ response: 'ok' }); })();";
    const { sent } = await send("execute", () =>
      client.executeJs({ code, jsParams: { bytes: new Uint8Array([1, 2, 3]) }, sessionSigs }),
    );
    const body = parseRequest("execute", sent.body);
    expect(Buffer.from(body.code as string, "base64").toString()).to.equal(code);
    expect(body.jsParams).to.deep.equal({ bytes: [1, 2, 3] });
  });

  it("sends an encryption/sign our schema accepts, conditions intact", async () => {
    const accessControlConditions = [
      {
        contractAddress: "",
        standardContractType: "",
        chain: "ethereum",
        method: "eth_getBalance",
        parameters: [":userAddress", "latest"],
        returnValueTest: { comparator: ">=", value: "0" },
      },
    ];
    const { sent, error } = await send("encryptionSign", () =>
      client.decrypt({
        accessControlConditions,
        ciphertext: "AAAA",
        dataToEncryptHash: "cd".repeat(32),
        chain: "ethereum",
        sessionSigs,
      } as never),
    );
    const body = parseRequest("encryptionSign", sent.body);
    expect(body.accessControlConditions).to.deep.equal(accessControlConditions);
    expect(body.dataToEncryptHash).to.equal("cd".repeat(32));
    expect((error as { info?: { errorCode?: string } }).info?.errorCode).to.equal("NotPermitted");
  });

  it("sends a sign_session_key our schema accepts", async () => {
    const pkpPublicKey = "04" + hexlify(randomBytes(64)).slice(2);
    const { sent } = await send("signSessionKey", () =>
      client.signSessionKey({
        sessionKey: { publicKey: "ab".repeat(32), secretKey: "ab".repeat(64) },
        authMethods: [{ authMethodType: 1, accessToken: "{}" }],
        pkpPublicKey,
        expiration: new Date(Date.now() + 3600_000).toISOString(),
        resourceAbilityRequests: [{ resource: new LitPKPResource("*"), ability: LIT_ABILITY.PKPSigning }],
      } as never),
    );
    const body = parseRequest("signSessionKey", sent.body);
    expect(body.sessionKey).to.equal("lit:session:" + "ab".repeat(32));
    expect(body.pkpPublicKey).to.equal("0x" + pkpPublicKey);
    expect(body.siweMessage).to.contain("URI: lit:session:" + "ab".repeat(32));
  });
});
