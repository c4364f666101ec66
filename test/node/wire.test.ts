import { expect } from "chai";
import {
  DEFAULT_WIRE_LIMITS,
  parseRequest,
  parseRequestId,
  type RouteName,
  type WireLimits,
} from "../../src/node/wire";
import {
  errorBody,
  InvalidRequestError,
  NodeError,
  NotPermittedError,
  PayloadTooLargeError,
  SessionExpiredError,
  UnauthorizedError,
  NotFoundError,
  ConflictError,
  InternalError,
} from "../../src/node/errors";

const hex = (bytes: number, fill = "ab") => fill.repeat(bytes);
const authSig = {
  sig: hex(64),
  derivedVia: "litSessionSignViaNacl",
  signedMessage: JSON.stringify({ sessionKey: hex(32) }),
  address: hex(32),
  algo: "ed25519",
};
const pubkey = "0x04" + hex(64, "1f");

/** Bodies shaped as `@lit-protocol/lit-node-client-nodejs@7.4.0` sends them. */
const valid: Record<RouteName, Record<string, unknown>> = {
  handshake: { clientPublicKey: "test", challenge: hex(32, "0f"), epoch: 3 },
  pkpSign: { toSign: Array.from({ length: 32 }, (_, i) => i), pubkey, authSig, epoch: 1 },
  execute: {
    code: Buffer.from("(async () => { LitActions.setResponse({response: 'hi'}) })()").toString("base64"),
    jsParams: { toSign: [1, 2, 3], publicKey: pubkey },
    authSig,
    epoch: 1,
    responseStrategy: { strategy: "leastCommon" },
  },
  encryptionSign: {
    accessControlConditions: [
      {
        contractAddress: "",
        standardContractType: "",
        chain: "ethereum",
        method: "eth_getBalance",
        parameters: [":userAddress", "latest"],
        returnValueTest: { comparator: ">=", value: "0" },
      },
      { operator: "or" },
      [{ conditionType: "evmBasic", chain: "ethereum", method: "", parameters: [":userAddress"] }],
    ],
    dataToEncryptHash: hex(32, "cd"),
    chain: "ethereum",
    authSig,
    epoch: 2,
  },
  signSessionKey: {
    sessionKey: "lit:session:" + hex(32, "9e"),
    authMethods: [{ authMethodType: 1, accessToken: JSON.stringify(authSig) }],
    pkpPublicKey: pubkey,
    siweMessage: "localhost wants you to sign in with your Ethereum account:\n0x…",
    curveType: "BLS",
    epoch: 1,
  },
};

function body(route: RouteName, patch: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...valid[route], ...patch });
}

function refusal(route: RouteName, raw: string | Uint8Array, limits?: WireLimits): NodeError {
  try {
    parseRequest(route, raw, limits);
  } catch (e) {
    expect(e).to.be.instanceOf(NodeError);
    return e as NodeError;
  }
  throw new Error("expected a refusal");
}

describe("wire", () => {
  describe("parseRequest", () => {
    for (const route of Object.keys(valid) as RouteName[]) {
      it(`accepts a ${route} body as Lit's client sends it`, () => {
        expect(() => parseRequest(route, body(route))).not.to.throw();
      });
    }

    it("accepts the body as bytes as well as text", () => {
      const parsed = parseRequest("pkpSign", new TextEncoder().encode(body("pkpSign")));
      expect(parsed.pubkey).to.equal(pubkey);
    });

    it("drops unknown top-level fields and keeps conditions and jsParams exactly", () => {
      const parsed = parseRequest("execute", body("execute"));
      expect(parsed).not.to.have.property("responseStrategy");
      expect(parsed.jsParams).to.deep.equal(valid.execute.jsParams);
      const enc = parseRequest("encryptionSign", body("encryptionSign"));
      expect(enc.accessControlConditions).to.deep.equal(valid.encryptionSign.accessControlConditions);
    });

    it("accepts a handshake without an epoch (before the client knows it)", () => {
      const { epoch: _e, ...rest } = valid.handshake;
      expect(parseRequest("handshake", JSON.stringify(rest)).epoch).to.equal(undefined);
      expect(parseRequest("handshake", JSON.stringify({ ...rest, epoch: null })).epoch).to.equal(null);
    });

    describe("when the body is not JSON", () => {
      it("refuses it with InvalidRequest (MalformedJson)", () => {
        const e = refusal("pkpSign", "{not json");
        expect(e).to.be.instanceOf(InvalidRequestError);
        expect([e.status, e.reason]).to.deep.equal([400, "MalformedJson"]);
      });

      it("refuses a JSON array or scalar body", () => {
        for (const raw of ["[]", "3", "null", '"x"'])
          expect(refusal("pkpSign", raw).reason).to.equal("MalformedJson");
      });
    });

    describe("when the body is over the limit", () => {
      it("refuses it with 413 before parsing", () => {
        const raw = "x".repeat(DEFAULT_WIRE_LIMITS.maxBodyBytes + 1);
        const e = refusal("pkpSign", raw);
        expect(e).to.be.instanceOf(PayloadTooLargeError);
        expect(e.status).to.equal(413);
        expect(e.message).to.contain(String(DEFAULT_WIRE_LIMITS.maxBodyBytes));
      });

      it("applies the larger execute limit to execute only", () => {
        const limits = { ...DEFAULT_WIRE_LIMITS, maxBodyBytes: 100, maxExecuteBodyBytes: 10_000 };
        expect(refusal("pkpSign", body("pkpSign"), limits).status).to.equal(413);
        expect(() => parseRequest("execute", body("execute"), limits)).not.to.throw();
      });
    });

    describe("pkpSign", () => {
      const cases: [string, Record<string, unknown>, string][] = [
        ["toSign of 31 bytes", { toSign: new Array(31).fill(1) }, "toSign"],
        ["toSign of 33 bytes", { toSign: new Array(33).fill(1) }, "toSign"],
        ["a toSign byte over 255", { toSign: [...new Array(31).fill(1), 256] }, "toSign.31"],
        ["a fractional toSign byte", { toSign: [...new Array(31).fill(1), 1.5] }, "toSign.31"],
        ["toSign as hex text", { toSign: hex(32) }, "toSign"],
        ["a compressed pubkey", { pubkey: "0x02" + hex(32) }, "pubkey"],
        ["a pubkey without 0x", { pubkey: "04" + hex(64) }, "pubkey"],
        ["a pubkey with a non-hex character", { pubkey: "0x04" + hex(63) + "zz" }, "pubkey"],
        ["no authSig", { authSig: undefined }, "authSig"],
        ["an authSig without sig", { authSig: { ...authSig, sig: undefined } }, "authSig.sig"],
        [
          "an oversized signedMessage",
          {
            authSig: { ...authSig, signedMessage: "x".repeat(DEFAULT_WIRE_LIMITS.maxSignedMessageChars + 1) },
          },
          "authSig.signedMessage",
        ],
        ["a negative epoch", { epoch: -1 }, "epoch"],
        ["a string epoch", { epoch: "1" }, "epoch"],
        [
          "too many authMethods",
          {
            authMethods: new Array(DEFAULT_WIRE_LIMITS.maxAuthMethods + 1).fill({
              authMethodType: 1,
              accessToken: "",
            }),
          },
          "authMethods",
        ],
      ];
      for (const [what, patch, path] of cases) {
        it(`refuses ${what}, naming ${path}`, () => {
          const e = refusal("pkpSign", body("pkpSign", patch));
          expect(e).to.be.instanceOf(InvalidRequestError);
          expect(e.reason).to.equal("SchemaViolation");
          expect(e.details.some((d) => d.startsWith(`${path}:`))).to.equal(true, e.details.join("; "));
        });
      }
    });

    describe("execute", () => {
      it("refuses a body with neither code nor ipfsId", () => {
        const e = refusal("execute", body("execute", { code: undefined }));
        expect(e.details.join()).to.contain("one of code or ipfsId");
      });

      it("accepts an ipfsId that is a CIDv0 and refuses one that is not", () => {
        const ipfsId = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";
        expect(parseRequest("execute", body("execute", { code: undefined, ipfsId })).ipfsId).to.equal(ipfsId);
        expect(refusal("execute", body("execute", { ipfsId: "bafy" + "a".repeat(55) })).details[0]).to.match(
          /^ipfsId:/,
        );
      });

      it("refuses code that is not base64", () => {
        expect(refusal("execute", body("execute", { code: "not base64!" })).details[0]).to.match(/^code:/);
      });

      it("refuses code over the code limit", () => {
        const limits = { ...DEFAULT_WIRE_LIMITS, maxCodeBytes: 30 };
        const code = Buffer.alloc(60).toString("base64");
        expect(refusal("execute", body("execute", { code }), limits).details[0]).to.contain("over 30 bytes");
      });

      it("refuses jsParams over the jsParams limit", () => {
        const limits = { ...DEFAULT_WIRE_LIMITS, maxJsParamsBytes: 16 };
        expect(refusal("execute", body("execute"), limits).details[0]).to.match(/^jsParams:.*over 16 bytes/);
      });
    });

    describe("encryptionSign", () => {
      it("refuses a body with two kinds of conditions", () => {
        const e = refusal(
          "encryptionSign",
          body("encryptionSign", { evmContractConditions: valid.encryptionSign.accessControlConditions }),
        );
        expect(e.details.join()).to.contain("exactly one of");
      });

      it("refuses a body with no conditions", () => {
        expect(
          refusal(
            "encryptionSign",
            body("encryptionSign", { accessControlConditions: undefined }),
          ).details.join(),
        ).to.contain("(got 0)");
      });

      it("refuses an empty or oversized condition list", () => {
        expect(
          refusal("encryptionSign", body("encryptionSign", { accessControlConditions: [] })).reason,
        ).to.equal("SchemaViolation");
        const many = new Array(DEFAULT_WIRE_LIMITS.maxConditions + 1).fill({ operator: "and" });
        expect(
          refusal("encryptionSign", body("encryptionSign", { accessControlConditions: many })).reason,
        ).to.equal("SchemaViolation");
      });

      it("refuses a dataToEncryptHash that is not 32 bytes of hex", () => {
        for (const h of [hex(31), "0x" + hex(31), hex(31) + "zz"]) {
          expect(
            refusal("encryptionSign", body("encryptionSign", { dataToEncryptHash: h })).details[0],
          ).to.match(/^dataToEncryptHash:/);
        }
      });

      it("refuses a chain name with odd characters", () => {
        expect(refusal("encryptionSign", body("encryptionSign", { chain: "eth/../x" })).details[0]).to.match(
          /^chain:/,
        );
      });
    });

    describe("signSessionKey", () => {
      it("refuses a curve other than BLS", () => {
        expect(refusal("signSessionKey", body("signSessionKey", { curveType: "K256" })).details[0]).to.match(
          /^curveType:/,
        );
      });

      it("refuses a session key that is not lit:session:<64 hex>", () => {
        expect(
          refusal("signSessionKey", body("signSessionKey", { sessionKey: hex(32) })).details[0],
        ).to.match(/^sessionKey:/);
      });

      it("refuses code and litActionIpfsId together", () => {
        const patch = { code: "YQ==", litActionIpfsId: "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG" };
        expect(refusal("signSessionKey", body("signSessionKey", patch)).details.join()).to.contain(
          "not both",
        );
      });
    });

    describe("handshake", () => {
      it("refuses a challenge that is not hex or too long", () => {
        expect(refusal("handshake", body("handshake", { challenge: "zz" })).details[0]).to.match(
          /^challenge:/,
        );
        expect(refusal("handshake", body("handshake", { challenge: "a".repeat(257) })).details[0]).to.match(
          /^challenge:/,
        );
      });
    });
  });

  describe("parseRequestId", () => {
    it("accepts Lit's lit_<hex> request ids", () => {
      expect(parseRequestId("lit_0123abcdef")).to.equal("lit_0123abcdef");
      expect(parseRequestId(["lit_1", "lit_2"])).to.equal("lit_1");
    });

    it("refuses a missing, empty, oversized or odd id", () => {
      expect(() => parseRequestId(undefined)).to.throw(InvalidRequestError, "missing X-Request-Id");
      expect(() => parseRequestId("")).to.throw(InvalidRequestError, "missing X-Request-Id");
      expect(() => parseRequestId("a".repeat(129))).to.throw(InvalidRequestError, "1..128");
      expect(() => parseRequestId("lit_../x")).to.throw(InvalidRequestError, "1..128");
    });
  });

  describe("errors", () => {
    it("map each code to its HTTP status", () => {
      const pairs: [NodeError, number][] = [
        [new InvalidRequestError("x"), 400],
        [new UnauthorizedError("x"), 401],
        [new SessionExpiredError("x"), 401],
        [new NotPermittedError("x"), 403],
        [new NotFoundError("x"), 404],
        [new ConflictError("x"), 409],
        [new PayloadTooLargeError(1, 2), 413],
        [new InternalError(), 500],
      ];
      for (const [e, status] of pairs) expect(e.status).to.equal(status, e.name);
    });

    it("serialise in Lit's error shape with the reason in details", () => {
      const e = new NotPermittedError("not the owner", { reason: "NotPkpOwner", details: ["tokenId 0x12"] });
      expect(errorBody(e, "lit_abc")).to.deep.equal({
        errorKind: "Unauthorized",
        errorCode: "NotPermitted",
        status: 403,
        message: "not the owner",
        correlationId: "lit_abc",
        details: ["reason: NotPkpOwner", "tokenId 0x12"],
      });
    });

    it("hide the message of an unexpected error", () => {
      const body = errorBody(new Error("secret path /data/keys"), "lit_1");
      expect(body).to.deep.include({
        errorKind: "Unexpected",
        errorCode: "Internal",
        status: 500,
        message: "internal error",
      });
      expect(JSON.stringify(body)).not.to.contain("secret");
    });
  });
});
