import { expect } from "chai";
import { p256 } from "@noble/curves/p256";
import { sha256 } from "@noble/hashes/sha2";
import { concatBytes, randomBytes } from "@noble/hashes/utils";
import { encode } from "cbor";
import { hexlify } from "ethers";
import { getAuthIdByAuthMethod } from "@lit-protocol/contracts-sdk/src/lib/auth-utils";
import {
  parseWebAuthnAssertion,
  verifyWebAuthnSignature,
  webAuthnAuthMethodId,
  webAuthnPublicKey,
} from "../../src/node/auth";
import { InvalidRequestError, NodeError, UnauthorizedError } from "../../src/node/errors";
import { coseP256PublicKey, webAuthnChallenge } from "../../src/sdk";

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64url");

function credential() {
  const secret = p256.utils.randomPrivateKey();
  return { secret, publicKey: p256.getPublicKey(secret, false), rawId: b64(randomBytes(16)) };
}

function assertion(
  c: ReturnType<typeof credential>,
  options: {
    challenge?: string;
    type?: string;
    flags?: number;
    highS?: boolean;
    signer?: Uint8Array;
  } = {},
) {
  const blockhash = hexlify(randomBytes(32));
  const authenticatorData = concatBytes(
    sha256(new TextEncoder().encode("localhost")),
    Uint8Array.of(options.flags ?? 0x05),
    Uint8Array.of(0, 0, 0, 7),
  );
  const clientDataJSON = new TextEncoder().encode(
    JSON.stringify({
      type: options.type ?? "webauthn.get",
      challenge: options.challenge ?? webAuthnChallenge(blockhash),
      origin: "http://localhost",
    }),
  );
  const digest = sha256(concatBytes(authenticatorData, sha256(clientDataJSON)));
  const low = p256.sign(digest, options.signer ?? c.secret, { lowS: true });
  const sig = options.highS ? new p256.Signature(low.r, p256.CURVE.n - low.s) : low;
  const token = {
    id: c.rawId,
    rawId: c.rawId,
    type: "public-key",
    response: {
      authenticatorData: b64(authenticatorData),
      clientDataJSON: b64(clientDataJSON),
      signature: b64(sig.toDERRawBytes()),
      userHandle: null,
    },
  };
  return { token, blockhash };
}

function refusal(f: () => unknown, klass: new (...a: never[]) => NodeError, reason: string) {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).to.be.instanceOf(klass);
  expect((caught as NodeError).reason).to.equal(reason);
}

describe("WebAuthn auth method (type 3)", () => {
  describe("parseWebAuthnAssertion", () => {
    it("returns the challenge as a block hash and Lit's auth method id", async () => {
      const c = credential();
      const { token, blockhash } = assertion(c);
      const parsed = parseWebAuthnAssertion(JSON.stringify(token));
      expect(parsed.challenge).to.equal(blockhash);
      expect(parsed.rawId).to.equal(c.rawId);
      expect(parsed.authMethodId).to.equal(webAuthnAuthMethodId(c.rawId));
      const lit = await getAuthIdByAuthMethod({ authMethodType: 3, accessToken: JSON.stringify(token) });
      expect(parsed.authMethodId).to.equal(lit);
    });

    it("refuses a token that is not JSON, misses fields, or whose id and rawId differ", () => {
      const { token } = assertion(credential());
      refusal(() => parseWebAuthnAssertion("{nope"), InvalidRequestError, "MalformedAuthMethod");
      refusal(
        () => parseWebAuthnAssertion(JSON.stringify({ ...token, response: { signature: "AA" } })),
        InvalidRequestError,
        "MalformedAuthMethod",
      );
      refusal(
        () => parseWebAuthnAssertion(JSON.stringify({ ...token, type: "password" })),
        InvalidRequestError,
        "MalformedAuthMethod",
      );
      refusal(
        () => parseWebAuthnAssertion(JSON.stringify({ ...token, id: "other" })),
        InvalidRequestError,
        "MalformedAuthMethod",
      );
      refusal(
        () =>
          parseWebAuthnAssertion(
            JSON.stringify({
              ...token,
              response: { ...token.response, clientDataJSON: b64(Uint8Array.of(1)) },
            }),
          ),
        InvalidRequestError,
        "MalformedAuthMethod",
      );
    });

    it("refuses a registration (webauthn.create) and a challenge that is not 32 bytes", () => {
      const c = credential();
      refusal(
        () => parseWebAuthnAssertion(JSON.stringify(assertion(c, { type: "webauthn.create" }).token)),
        UnauthorizedError,
        "WebAuthnWrongType",
      );
      refusal(
        () => parseWebAuthnAssertion(JSON.stringify(assertion(c, { challenge: b64(randomBytes(31)) }).token)),
        InvalidRequestError,
        "MalformedAuthMethod",
      );
    });
  });

  describe("verifyWebAuthnSignature", () => {
    it("accepts the credential's assertion against its COSE key and its SEC1 key, low or high s", () => {
      const c = credential();
      for (const highS of [false, true]) {
        const parsed = parseWebAuthnAssertion(JSON.stringify(assertion(c, { highS }).token));
        verifyWebAuthnSignature(parsed, coseP256PublicKey(c.publicKey));
        verifyWebAuthnSignature(parsed, c.publicKey);
        verifyWebAuthnSignature(parsed, p256.getPublicKey(c.secret, true));
      }
    });

    it("refuses an assertion signed by another key", () => {
      const c = credential();
      const parsed = parseWebAuthnAssertion(
        JSON.stringify(assertion(c, { signer: p256.utils.randomPrivateKey() }).token),
      );
      refusal(
        () => verifyWebAuthnSignature(parsed, coseP256PublicKey(c.publicKey)),
        UnauthorizedError,
        "WebAuthnBadSignature",
      );
    });

    it("refuses an assertion whose authenticator data or client data changed after signing", () => {
      const c = credential();
      const parsed = parseWebAuthnAssertion(JSON.stringify(assertion(c).token));
      const data = Uint8Array.from(parsed.authenticatorData);
      data[36] ^= 1;
      refusal(
        () => verifyWebAuthnSignature({ ...parsed, authenticatorData: data }, c.publicKey),
        UnauthorizedError,
        "WebAuthnBadSignature",
      );
      const client = new TextEncoder().encode(
        new TextDecoder().decode(parsed.clientDataJSON).replace("localhost", "evil.example"),
      );
      refusal(
        () => verifyWebAuthnSignature({ ...parsed, clientDataJSON: client }, c.publicKey),
        UnauthorizedError,
        "WebAuthnBadSignature",
      );
    });

    it("refuses an assertion made without user presence", () => {
      const c = credential();
      const parsed = parseWebAuthnAssertion(JSON.stringify(assertion(c, { flags: 0x04 }).token));
      refusal(
        () => verifyWebAuthnSignature(parsed, c.publicKey),
        UnauthorizedError,
        "WebAuthnUserNotPresent",
      );
    });

    it("refuses a signature that is not DER", () => {
      const c = credential();
      const parsed = parseWebAuthnAssertion(JSON.stringify(assertion(c).token));
      refusal(
        () => verifyWebAuthnSignature({ ...parsed, signature: randomBytes(64) }, c.publicKey),
        UnauthorizedError,
        "WebAuthnBadSignature",
      );
    });
  });

  describe("webAuthnPublicKey", () => {
    it("reads a COSE EC2 ES256 key as the SDK encodes it", () => {
      const c = credential();
      expect(webAuthnPublicKey(coseP256PublicKey(c.publicKey))).to.deep.equal(c.publicKey);
    });

    it("refuses keys that are not P-256 ES256", () => {
      const c = credential();
      const x = c.publicKey.subarray(1, 33);
      const y = c.publicKey.subarray(33);
      const cose = (entries: [number, unknown][]) => new Uint8Array(encode(new Map(entries)));
      const bad = [
        cose([
          [1, 1],
          [3, -8],
          [-1, 6],
          [-2, x],
        ]), // OKP / EdDSA
        cose([
          [1, 2],
          [3, -7],
          [-1, 2],
          [-2, x],
          [-3, y],
        ]), // P-384 curve id
        cose([
          [1, 2],
          [3, -7],
          [-1, 1],
          [-2, x],
          [-3, x],
        ]), // not on the curve
        cose([
          [1, 2],
          [3, -257],
          [-1, 1],
          [-2, x],
          [-3, y],
        ]), // RS256
        Uint8Array.of(0xff, 0x00),
        new Uint8Array(65).fill(4),
      ];
      for (const key of bad) refusal(() => webAuthnPublicKey(key), UnauthorizedError, "WebAuthnBadPublicKey");
    });
  });
});
