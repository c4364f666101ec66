import { expect } from "chai";
import { Signature, Wallet, hexlify, randomBytes } from "ethers";
import { SiweMessage } from "siwe";
import { getEthAuthMethodId } from "@lit-protocol/contracts-sdk/src/lib/auth-utils";
import { verifyAuthMethod, type AuthContext } from "../../src/node/auth";
import {
  attenuationsFor,
  encodeRecap,
  getSessionSigs,
  pkpResource,
  recapStatement,
  requestAbility,
} from "../../src/sdk/session";
import {
  InvalidRequestError,
  NodeError,
  SessionExpiredError,
  UnauthorizedError,
} from "../../src/node/errors";

const BLOCKHASH = hexlify(randomBytes(32));
const T0 = new Date("2026-01-01T00:00:00.000Z");
const HOUR = 3600_000;
const ctx: AuthContext = {
  nodeUrl: "http://127.0.0.1:7470",
  now: () => new Date(T0.getTime() + HOUR),
  isKnownBlockhash: (n) => n === BLOCKHASH,
};

async function walletAuthSig(wallet: Wallet, fields: Record<string, unknown> = {}) {
  const message = new SiweMessage({
    domain: "localhost",
    address: wallet.address,
    uri: "https://localhost/login",
    version: "1",
    chainId: 1,
    nonce: BLOCKHASH,
    issuedAt: T0.toISOString(),
    expirationTime: new Date(T0.getTime() + 24 * HOUR).toISOString(),
    ...fields,
  }).prepareMessage();
  return {
    sig: await wallet.signMessage(message),
    derivedVia: "web3.eth.personal.sign",
    signedMessage: message,
    address: wallet.address,
  };
}

async function refusal(
  accessToken: string,
  reason: string,
  klass: new (...a: never[]) => NodeError,
  type = 1,
) {
  let caught: unknown;
  try {
    await verifyAuthMethod({ authMethodType: type, accessToken }, ctx);
  } catch (e) {
    caught = e;
  }
  expect(caught).to.be.instanceOf(klass);
  expect((caught as NodeError).reason).to.equal(reason);
}

describe("verifyAuthMethod", () => {
  describe("EthWallet (type 1)", () => {
    it("returns the auth method id Lit's contracts-sdk computes for it", async () => {
      const wallet = new Wallet(hexlify(randomBytes(32)));
      const authMethod = { authMethodType: 1, accessToken: JSON.stringify(await walletAuthSig(wallet)) };
      const verified = await verifyAuthMethod(authMethod, ctx);
      expect(verified).to.deep.include({
        authMethodType: 1,
        authMethodId: getEthAuthMethodId(authMethod),
        address: wallet.address,
        expiresAt: new Date(T0.getTime() + 24 * HOUR),
      });
      expect(verified.singleUse.until).to.deep.equal(new Date(T0.getTime() + 24 * HOUR));
    });

    it("names the signed SIWE as what is spent, whatever the encoding of its signature", async () => {
      const wallet = new Wallet(hexlify(randomBytes(32)));
      const token = await walletAuthSig(wallet);
      const a = await verifyAuthMethod({ authMethodType: 1, accessToken: JSON.stringify(token) }, ctx);
      // The same signature as a compact (EIP-2098) one recovers the same signer.
      const compact = { ...token, sig: Signature.from(token.sig).compactSerialized };
      const b = await verifyAuthMethod({ authMethodType: 1, accessToken: JSON.stringify(compact) }, ctx);
      expect(b.singleUse.key).to.equal(a.singleUse.key);
      const other = await walletAuthSig(wallet, { statement: "another sign-in" });
      const c = await verifyAuthMethod({ authMethodType: 1, accessToken: JSON.stringify(other) }, ctx);
      expect(c.singleUse.key).to.not.equal(a.singleUse.key);
    });

    it("refuses an EthWallet auth method lifted from another session's capabilities", async () => {
      const wallet = new Wallet(hexlify(randomBytes(32)));
      const { sessionSigs } = await getSessionSigs({
        signer: wallet,
        nodeUrls: [ctx.nodeUrl],
        latestBlockhash: BLOCKHASH,
        resourceAbilityRequests: [requestAbility(pkpResource("*"), "pkp-signing")],
        expiration: new Date(T0.getTime() + 24 * HOUR),
        now: () => T0,
      });
      const capability = JSON.parse(sessionSigs[ctx.nodeUrl].signedMessage).capabilities[0];
      await refusal(JSON.stringify(capability), "SessionCapabilityAsAuthMethod", UnauthorizedError);
      // Without its ReCap, a SIWE for a session key is still not a sign-in.
      const bare = await walletAuthSig(wallet, { uri: `lit:session:${"ab".repeat(32)}` });
      await refusal(JSON.stringify(bare), "SessionCapabilityAsAuthMethod", UnauthorizedError);
    });

    it("refuses a SIWE whose ReCap delegates to a key, and accepts one delegating to a web origin", async () => {
      const wallet = new Wallet(hexlify(randomBytes(32)));
      const att = attenuationsFor([requestAbility(pkpResource("*"), "pkp-signing")]);
      const recap = { statement: recapStatement(att), resources: [encodeRecap(att)] };
      const toKey = await walletAuthSig(wallet, { ...recap, uri: "lit:capability:delegation" });
      await refusal(JSON.stringify(toKey), "SessionCapabilityAsAuthMethod", UnauthorizedError);
      const toApp = await walletAuthSig(wallet, recap);
      const v = await verifyAuthMethod({ authMethodType: 1, accessToken: JSON.stringify(toApp) }, ctx);
      expect(v.address).to.equal(wallet.address);
    });

    it("refuses a token signed by another wallet", async () => {
      const wallet = new Wallet(hexlify(randomBytes(32)));
      const token = await walletAuthSig(wallet);
      token.sig = await new Wallet(hexlify(randomBytes(32))).signMessage(token.signedMessage);
      await refusal(JSON.stringify(token), "SiweSignatureInvalid", UnauthorizedError);
    });

    it("refuses an expired token and one whose nonce is not a block hash", async () => {
      const wallet = new Wallet(hexlify(randomBytes(32)));
      await refusal(
        JSON.stringify(await walletAuthSig(wallet, { expirationTime: T0.toISOString() })),
        "CapabilityExpired",
        SessionExpiredError,
      );
      await refusal(
        JSON.stringify(await walletAuthSig(wallet, { nonce: hexlify(randomBytes(32)) })),
        "NonceNotBlockhash",
        UnauthorizedError,
      );
    });

    it("refuses a token that is not a JSON wallet AuthSig", async () => {
      await refusal("not json", "MalformedAuthMethod", InvalidRequestError);
      await refusal(JSON.stringify({ sig: 1 }), "MalformedAuthMethod", InvalidRequestError);
      const wallet = new Wallet(hexlify(randomBytes(32)));
      const session = {
        ...(await walletAuthSig(wallet)),
        derivedVia: "litSessionSignViaNacl",
        algo: "ed25519",
      };
      await refusal(JSON.stringify(session), "UnsupportedCapability", UnauthorizedError);
    });
  });

  it("refuses auth method types that need an identity provider", async () => {
    for (const type of [2, 3, 6, 9]) await refusal("{}", "UnsupportedAuthMethod", UnauthorizedError, type);
  });
});
