import { expect } from "chai";
import { bls12_381 } from "@noble/curves/bls12-381";
import { ed25519 } from "@noble/curves/ed25519";
import { bytesToHex } from "@noble/hashes/utils";
import { Wallet, hexlify, randomBytes } from "ethers";
import { SiweMessage } from "siwe";
import {
  AuthCache,
  authenticate,
  RecapError,
  decodeRecap,
  pkpAuthResource,
  decryptionCapability,
  litActionExecutionCapability,
  pkpSigningCapability,
  type AuthContext,
  type RequiredCapability,
} from "../../src/node/auth";
import {
  InvalidRequestError,
  NodeError,
  NotPermittedError,
  SessionExpiredError,
  UnauthorizedError,
} from "../../src/node/errors";
import {
  accessControlConditionResource,
  attenuationsFor,
  encodeRecap,
  generateSessionKeyPair,
  getSessionSigs,
  litActionResource,
  pkpResource,
  recapStatement,
  requestAbility,
  signSessionMessages,
  createWalletAuthSig,
  type AuthSig,
  type ResourceAbilityRequest,
  type SessionKeyPair,
} from "../../src/sdk/session";

const NODE = "http://127.0.0.1:7470";
const OTHER_NODE = "http://127.0.0.1:7471";
const BLOCKHASH = hexlify(randomBytes(32));
const T0 = new Date("2026-01-01T00:00:00.000Z");
const HOUR = 3600_000;
const TOKEN = 0xabcdefn;
const randomWallet = () => new Wallet(hexlify(randomBytes(32)));
const signing = (tokenId: bigint | string = "*") => requestAbility(pkpResource(tokenId), "pkp-signing");

function context(overrides: Partial<AuthContext> = {}): AuthContext {
  return {
    nodeUrl: NODE,
    now: () => new Date(T0.getTime() + HOUR),
    isKnownBlockhash: (nonce) => nonce === BLOCKHASH,
    ...overrides,
  };
}

async function session(
  opts: {
    wallet?: Wallet;
    requests?: ResourceAbilityRequest[];
    nonce?: string;
    expiration?: Date;
    sessionKeyPair?: SessionKeyPair;
    walletAuthSig?: AuthSig;
  } = {},
) {
  return getSessionSigs({
    signer: opts.wallet ?? randomWallet(),
    nodeUrls: [NODE, OTHER_NODE],
    latestBlockhash: opts.nonce ?? BLOCKHASH,
    resourceAbilityRequests: opts.requests ?? [signing()],
    expiration: opts.expiration ?? new Date(T0.getTime() + 24 * HOUR),
    sessionKeyPair: opts.sessionKeyPair,
    walletAuthSig: opts.walletAuthSig,
    now: () => T0,
  });
}

/** The NodeError `authenticate` throws, checked for class and reason. */
async function refusal(
  authSig: unknown,
  required: RequiredCapability | RequiredCapability[],
  ctx: AuthContext,
  klass: new (...args: never[]) => NodeError,
  reason: string,
  options?: { allowWalletAuthSig?: boolean },
): Promise<NodeError> {
  let caught: unknown;
  try {
    await authenticate(authSig, required, ctx, options);
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a refusal with ${reason}`).to.be.instanceOf(klass);
  expect((caught as NodeError).reason).to.equal(reason, (caught as Error).message);
  return caught as NodeError;
}

/** The refusal of a signing request for TOKEN, what most cases below ask for (`context()` by default). */
function refusesSigning(
  authSig: unknown,
  klass: new (...args: never[]) => NodeError,
  reason: string,
  ctx: AuthContext = context(),
): Promise<NodeError> {
  return refusal(authSig, pkpSigningCapability(TOKEN), ctx, klass, reason);
}

/**
 * A fresh wallet's capability (our SDK's `createWalletAuthSig`) for a fresh session key: `requests`
 * granted from T0 until `expiration` (default T0 + 24 h). Spread it into `session()`.
 */
async function walletCapability(opts: { requests?: ResourceAbilityRequest[]; expiration?: Date } = {}) {
  const wallet = randomWallet();
  const sessionKeyPair = generateSessionKeyPair();
  const walletAuthSig = await createWalletAuthSig({
    signer: wallet,
    sessionPublicKey: sessionKeyPair.publicKey,
    resourceAbilityRequests: opts.requests ?? [signing()],
    nonce: BLOCKHASH,
    issuedAt: T0,
    expiration: opts.expiration ?? new Date(T0.getTime() + 24 * HOUR),
  });
  return { wallet, sessionKeyPair, walletAuthSig };
}

/** The SIWE fields that make a custom capability delegate `att` to `sessionKeyPair` with a ReCap. */
function recapFields(sessionKeyPair: SessionKeyPair, att: ReturnType<typeof attenuationsFor>) {
  return {
    uri: `lit:session:${sessionKeyPair.publicKey}`,
    statement: recapStatement(att),
    resources: [encodeRecap(att)],
  };
}

/** A SIWE AuthSig signed by `wallet` with any fields (for capabilities our SDK would never make). */
async function customWalletAuthSig(
  wallet: Wallet,
  fields: Partial<ConstructorParameters<typeof SiweMessage>[0] & object>,
): Promise<AuthSig> {
  const message = new SiweMessage({
    domain: "localhost",
    address: wallet.address,
    uri: "lit:session:" + "00".repeat(32),
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

describe("authenticate", () => {
  describe("with a valid wallet session", () => {
    it("returns the wallet address and what its ReCap grants", async () => {
      const wallet = randomWallet();
      const { sessionSigs, sessionKeyPair } = await session({ wallet });
      const auth = await authenticate(sessionSigs[NODE], pkpSigningCapability(TOKEN), context());
      expect(auth).to.deep.equal({
        via: "session",
        address: wallet.address,
        sessionKey: sessionKeyPair.publicKey,
        expiresAt: new Date(T0.getTime() + 24 * HOUR),
        capabilities: [{ resource: "lit-pkp://*", ability: "Threshold/Signing" }],
      });
    });

    it("accepts a grant for exactly this PKP, whatever the token id's hex spelling", async () => {
      const { sessionSigs } = await session({ requests: [signing("0x0000ABCDEF")] });
      const auth = await authenticate(sessionSigs[NODE], pkpSigningCapability(TOKEN), context());
      expect(auth.capabilities).to.deep.equal([
        { resource: `lit-pkp://${"ABCDEF".padStart(64, "0")}`, ability: "Threshold/Signing" },
      ]);
    });

    it("accepts execution and decryption grants for their resources", async () => {
      const cid = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";
      const acc = `${"ab".repeat(32)}/${"cd".repeat(32)}`;
      const { sessionSigs } = await session({
        requests: [
          requestAbility(litActionResource(cid), "lit-action-execution"),
          requestAbility(accessControlConditionResource(acc), "access-control-condition-decryption"),
        ],
      });
      const auth = await authenticate(
        sessionSigs[NODE],
        [litActionExecutionCapability(cid), decryptionCapability("ab".repeat(32), "cd".repeat(32))],
        context(),
      );
      expect(auth.capabilities.map((c) => c.ability)).to.deep.equal([
        "Threshold/Decryption",
        "Threshold/Execution",
      ]);
    });

    it("accepts a nonce that is an older block hash of this chain", async () => {
      const older = hexlify(randomBytes(32));
      const { sessionSigs } = await session({ nonce: older });
      const known = new Set([BLOCKHASH, older]);
      const auth = await authenticate(
        sessionSigs[NODE],
        pkpSigningCapability(TOKEN),
        context({ isKnownBlockhash: (n) => known.has(n) }),
      );
      expect(auth.via).to.equal("session");
    });

    it("hands the SIWE validity window to the block hash check", async () => {
      const { sessionSigs } = await session();
      const seen: unknown[] = [];
      await authenticate(
        sessionSigs[NODE],
        pkpSigningCapability(TOKEN),
        context({
          isKnownBlockhash: async (nonce, window) => {
            seen.push(nonce, window);
            return true;
          },
        }),
      );
      expect(seen).to.deep.equal([
        BLOCKHASH,
        { issuedAt: T0, expiration: new Date(T0.getTime() + 24 * HOUR) },
      ]);
    });
  });

  describe("when the session has expired", () => {
    it("refuses with SessionExpired", async () => {
      const { sessionSigs } = await session();
      const e = await refusal(
        sessionSigs[NODE],
        pkpSigningCapability(TOKEN),
        context({ now: () => new Date(T0.getTime() + 24 * HOUR) }),
        SessionExpiredError,
        "SessionExpired",
      );
      expect(e.status).to.equal(401);
    });
  });

  describe("when the session is issued in the future", () => {
    it("refuses with SessionNotYetValid beyond the clock skew", async () => {
      const { sessionSigs } = await session();
      await refusal(
        sessionSigs[NODE],
        pkpSigningCapability(TOKEN),
        context({ now: () => new Date(T0.getTime() - 2 * 60_000) }),
        SessionExpiredError,
        "SessionNotYetValid",
      );
      const within = context({ now: () => new Date(T0.getTime() - 30_000), isKnownBlockhash: () => true });
      // Within the skew the session passes and the SIWE (issued at T0) is also tolerated.
      expect((await authenticate(sessionSigs[NODE], pkpSigningCapability(TOKEN), within)).via).to.equal(
        "session",
      );
    });
  });

  describe("when the session is bound to another node", () => {
    it("refuses with WrongNode", async () => {
      const { sessionSigs } = await session();
      const e = await refusesSigning(sessionSigs[OTHER_NODE], UnauthorizedError, "WrongNode");
      expect(e.message).to.contain(OTHER_NODE);
    });
  });

  describe("when the capability is for another resource", () => {
    it("refuses a grant for another PKP", async () => {
      const { sessionSigs } = await session({ requests: [signing(0x1234n)] });
      const e = await refusesSigning(sessionSigs[NODE], NotPermittedError, "CapabilityForOtherResource");
      expect(e.status).to.equal(403);
    });

    it("refuses a grant of another ability", async () => {
      const { sessionSigs } = await session({
        requests: [requestAbility(litActionResource(), "lit-action-execution")],
      });
      await refusesSigning(sessionSigs[NODE], NotPermittedError, "CapabilityForOtherResource");
    });

    it("allows each ability only for the operation it names (signing, execution, decryption)", async () => {
      const cid = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";
      const otherCid = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR";
      const hashes = ["ab".repeat(32), "cd".repeat(32)] as const;
      const ops = {
        signing: pkpSigningCapability(TOKEN),
        execution: litActionExecutionCapability(cid),
        decryption: decryptionCapability(...hashes),
      };
      const grants = {
        signing: [signing(TOKEN)],
        execution: [requestAbility(litActionResource(cid), "lit-action-execution")],
        decryption: [
          requestAbility(
            accessControlConditionResource(hashes.join("/")),
            "access-control-condition-decryption",
          ),
        ],
        "decryption of everything": [
          requestAbility(accessControlConditionResource("*"), "access-control-condition-decryption"),
        ],
        "another action": [requestAbility(litActionResource(otherCid), "lit-action-execution")],
      };
      const allowed: Record<keyof typeof grants, (keyof typeof ops)[]> = {
        signing: ["signing"],
        execution: ["execution"],
        decryption: ["decryption"],
        "decryption of everything": ["decryption"],
        "another action": [],
      };
      for (const [grant, requests] of Object.entries(grants) as [
        keyof typeof grants,
        ResourceAbilityRequest[],
      ][]) {
        const { sessionSigs } = await session({ requests });
        for (const [op, needed] of Object.entries(ops) as [keyof typeof ops, RequiredCapability][]) {
          if (allowed[grant].includes(op)) {
            const auth = await authenticate(sessionSigs[NODE], needed, context());
            expect(auth.via, `${grant} allows ${op}`).to.equal("session");
          } else {
            await refusal(
              sessionSigs[NODE],
              needed,
              context(),
              NotPermittedError,
              "CapabilityForOtherResource",
            );
          }
        }
      }
    });

    it("refuses when the ReCap grants it but the session does not request it", async () => {
      const { wallet, sessionKeyPair, walletAuthSig } = await walletCapability();
      const { sessionSigs } = await session({
        wallet,
        sessionKeyPair,
        walletAuthSig,
        requests: [signing(0x99n)],
      });
      await refusesSigning(sessionSigs[NODE], NotPermittedError, "CapabilityForOtherResource");
    });
  });

  describe("when the session requests more than its ReCap grants", () => {
    it("refuses with RequestsExceedCapability", async () => {
      const { wallet, sessionKeyPair, walletAuthSig } = await walletCapability({
        requests: [signing(TOKEN)],
      });
      const { sessionSigs } = await session({ wallet, sessionKeyPair, walletAuthSig, requests: [signing()] });
      await refusesSigning(sessionSigs[NODE], NotPermittedError, "RequestsExceedCapability");
    });
  });

  describe("when the ReCap is tampered with", () => {
    it("refuses a ReCap the wallet was not shown (statement mismatch)", async () => {
      const wallet = randomWallet();
      const sessionKeyPair = generateSessionKeyPair();
      const shown = attenuationsFor([signing(0x1n)]);
      const granted = attenuationsFor([signing()]);
      const walletAuthSig = await customWalletAuthSig(wallet, {
        uri: `lit:session:${sessionKeyPair.publicKey}`,
        statement: recapStatement(shown),
        resources: [encodeRecap(granted)],
      });
      const { sessionSigs } = await session({ wallet, sessionKeyPair, walletAuthSig });
      await refusesSigning(sessionSigs[NODE], UnauthorizedError, "RecapStatementMismatch");
    });

    it("refuses a ReCap changed after the wallet signed (SIWE signature no longer valid)", async () => {
      const wallet = randomWallet();
      const { sessionSigs, sessionKeyPair, walletAuthSig } = await session({
        wallet,
        requests: [signing(0x1n)],
      });
      const widened = walletAuthSig.signedMessage
        .replace(/urn:recap:\S+/, encodeRecap(attenuationsFor([signing()])))
        .replace("lit-pkp://1", "lit-pkp://*");
      const forged = signSessionMessages({
        sessionKeyPair,
        capabilities: [{ ...walletAuthSig, signedMessage: widened }],
        resourceAbilityRequests: [signing()],
        nodeUrls: [NODE],
        issuedAt: T0,
        expiration: new Date(T0.getTime() + 24 * HOUR),
      });
      expect(sessionSigs[NODE].signedMessage).not.to.equal(forged[NODE].signedMessage);
      await refusesSigning(forged[NODE], UnauthorizedError, "SiweSignatureInvalid");
    });

    it("refuses a ReCap that is not canonical or not valid", async () => {
      const wallet = randomWallet();
      const sessionKeyPair = generateSessionKeyPair();
      const att = attenuationsFor([signing()]);
      const bad = [
        "urn:recap:" + Buffer.from(JSON.stringify({ prf: [], att })).toString("base64url"),
        "urn:recap:" + Buffer.from("{not json").toString("base64url"),
        "urn:recap:" +
          Buffer.from(JSON.stringify({ att: { "lit-pkp://*": { Signing: [{}] } }, prf: [] })).toString(
            "base64url",
          ),
        encodeRecap(att) + "=",
      ];
      for (const urn of bad) {
        const walletAuthSig = await customWalletAuthSig(wallet, {
          ...recapFields(sessionKeyPair, att),
          resources: [urn],
        });
        const { sessionSigs } = await session({ wallet, sessionKeyPair, walletAuthSig });
        await refusesSigning(sessionSigs[NODE], InvalidRequestError, "RecapMalformed");
      }
    });

    it("refuses a SIWE without a ReCap, or with two", async () => {
      const wallet = randomWallet();
      const sessionKeyPair = generateSessionKeyPair();
      const att = attenuationsFor([signing()]);
      const none = await customWalletAuthSig(wallet, {
        uri: `lit:session:${sessionKeyPair.publicKey}`,
        statement: "hi",
      });
      const { sessionSigs: s1 } = await session({ wallet, sessionKeyPair, walletAuthSig: none });
      await refusesSigning(s1[NODE], UnauthorizedError, "RecapMissing");
      const two = await customWalletAuthSig(wallet, {
        ...recapFields(sessionKeyPair, att),
        resources: [encodeRecap(att), encodeRecap(att)],
      });
      const { sessionSigs: s2 } = await session({ wallet, sessionKeyPair, walletAuthSig: two });
      await refusesSigning(s2[NODE], UnauthorizedError, "RecapAmbiguous");
    });
  });

  describe("when a signature is by another key", () => {
    it("refuses a session message signed by another session key", async () => {
      const { sessionSigs } = await session();
      const impostor = ed25519.utils.randomPrivateKey();
      const sig = bytesToHex(
        ed25519.sign(new TextEncoder().encode(sessionSigs[NODE].signedMessage), impostor),
      );
      await refusesSigning({ ...sessionSigs[NODE], sig }, UnauthorizedError, "BadSessionSignature");
    });

    it("refuses a session message altered after signing", async () => {
      const { sessionSigs } = await session();
      const signedMessage = sessionSigs[NODE].signedMessage.replace(NODE, OTHER_NODE);
      await refusesSigning({ ...sessionSigs[NODE], signedMessage }, UnauthorizedError, "BadSessionSignature");
    });

    it("refuses a session message for another session key, signed by this one", async () => {
      const { sessionSigs } = await session();
      const other = generateSessionKeyPair();
      const pair = generateSessionKeyPair();
      const message = JSON.parse(sessionSigs[NODE].signedMessage);
      message.sessionKey = other.publicKey;
      const signedMessage = JSON.stringify(message);
      const sig = bytesToHex(
        ed25519.sign(
          new TextEncoder().encode(signedMessage),
          Buffer.from(pair.secretKey.slice(0, 64), "hex"),
        ),
      );
      await refusesSigning(
        { ...sessionSigs[NODE], signedMessage, sig, address: pair.publicKey },
        UnauthorizedError,
        "SessionKeyMismatch",
      );
    });

    it("refuses a SIWE signed by another wallet than it names", async () => {
      const wallet = randomWallet();
      const { walletAuthSig, sessionKeyPair } = await session({ wallet });
      const forged = {
        ...walletAuthSig,
        sig: await randomWallet().signMessage(walletAuthSig.signedMessage),
      };
      const { sessionSigs } = await session({ wallet, sessionKeyPair, walletAuthSig: forged });
      await refusesSigning(sessionSigs[NODE], UnauthorizedError, "SiweSignatureInvalid");
    });

    it("refuses an AuthSig whose address is not the SIWE signer", async () => {
      const wallet = randomWallet();
      const { walletAuthSig, sessionKeyPair } = await session({ wallet });
      const forged = { ...walletAuthSig, address: randomWallet().address };
      const { sessionSigs } = await session({ wallet, sessionKeyPair, walletAuthSig: forged });
      await refusesSigning(sessionSigs[NODE], UnauthorizedError, "SiweAddressMismatch");
    });

    it("refuses a wallet capability delegating to another session key", async () => {
      const wallet = randomWallet();
      const { walletAuthSig } = await session({ wallet });
      const { sessionSigs } = await session({
        wallet,
        sessionKeyPair: generateSessionKeyPair(),
        walletAuthSig,
      });
      await refusesSigning(sessionSigs[NODE], UnauthorizedError, "SiweUriMismatch");
    });
  });

  describe("when the SIWE nonce is not a block hash of this chain", () => {
    it("refuses with NonceNotBlockhash", async () => {
      const { sessionSigs } = await session({ nonce: hexlify(randomBytes(32)) });
      await refusesSigning(sessionSigs[NODE], UnauthorizedError, "NonceNotBlockhash");
    });
  });

  describe("when the wallet capability is expired or shorter than the session", () => {
    it("refuses a session that outlives its capability", async () => {
      const { wallet, sessionKeyPair, walletAuthSig } = await walletCapability({
        expiration: new Date(T0.getTime() + 2 * HOUR),
      });
      const { sessionSigs } = await session({ wallet, sessionKeyPair, walletAuthSig });
      await refusesSigning(sessionSigs[NODE], UnauthorizedError, "SessionOutlivesCapability");
      const later = context({ now: () => new Date(T0.getTime() + 3 * HOUR) });
      await refusesSigning(sessionSigs[NODE], SessionExpiredError, "CapabilityExpired", later);
    });

    it("refuses a capability without an expiration, or not yet valid", async () => {
      const wallet = randomWallet();
      const sessionKeyPair = generateSessionKeyPair();
      const att = attenuationsFor([signing()]);
      const base = recapFields(sessionKeyPair, att);
      const noExpiry = await customWalletAuthSig(wallet, { ...base, expirationTime: undefined });
      const { sessionSigs: s1 } = await session({ wallet, sessionKeyPair, walletAuthSig: noExpiry });
      await refusesSigning(s1[NODE], UnauthorizedError, "CapabilityWithoutExpiration");
      const notBefore = await customWalletAuthSig(wallet, {
        ...base,
        notBefore: new Date(T0.getTime() + 2 * HOUR).toISOString(),
      });
      const { sessionSigs: s2 } = await session({ wallet, sessionKeyPair, walletAuthSig: notBefore });
      await refusesSigning(s2[NODE], SessionExpiredError, "CapabilityNotYetValid");
    });
  });

  describe("when the authSig is malformed", () => {
    it("refuses a non-object or incomplete authSig", async () => {
      for (const bad of [null, "x", 3, {}, { sig: "", derivedVia: "x" }]) {
        await refusesSigning(bad, InvalidRequestError, "MalformedAuthSig");
      }
    });

    it("refuses a session sig whose key or signature is not hex of the right size", async () => {
      const { sessionSigs } = await session();
      await refusesSigning(
        { ...sessionSigs[NODE], address: "abcd" },
        InvalidRequestError,
        "MalformedSessionSig",
      );
      await refusesSigning(
        { ...sessionSigs[NODE], sig: "zz".repeat(64) },
        InvalidRequestError,
        "MalformedSessionSig",
      );
    });

    it("refuses a signed message that is not JSON or misses fields", async () => {
      const pair = generateSessionKeyPair();
      const seed = Buffer.from(pair.secretKey.slice(0, 64), "hex");
      for (const signedMessage of [
        "not json",
        JSON.stringify({ sessionKey: pair.publicKey }),
        JSON.stringify({
          sessionKey: pair.publicKey,
          resourceAbilityRequests: [],
          capabilities: [],
          issuedAt: T0.toISOString(),
          expiration: T0.toISOString(),
          nodeAddress: NODE,
        }),
      ]) {
        const sig = bytesToHex(ed25519.sign(new TextEncoder().encode(signedMessage), seed));
        await refusesSigning(
          {
            sig,
            signedMessage,
            address: pair.publicKey,
            algo: "ed25519",
            derivedVia: "litSessionSignViaNacl",
          },
          InvalidRequestError,
          "MalformedSessionMessage",
        );
      }
    });

    it("refuses a SIWE capability that is not EIP-4361", async () => {
      const wallet = randomWallet();
      const text = "I am a wallet, trust me";
      const walletAuthSig = {
        sig: await wallet.signMessage(text),
        derivedVia: "web3.eth.personal.sign",
        signedMessage: text,
        address: wallet.address,
      };
      const { sessionSigs } = await session({ wallet, walletAuthSig });
      await refusesSigning(sessionSigs[NODE], InvalidRequestError, "MalformedSiwe");
    });

    it("refuses an unknown algo or derivation", async () => {
      const { sessionSigs } = await session();
      await refusesSigning(
        { ...sessionSigs[NODE], algo: "secp256k1" },
        UnauthorizedError,
        "UnsupportedAuthSig",
      );
      const { sessionSigs: s2, sessionKeyPair, walletAuthSig } = await session();
      void s2;
      const odd = signSessionMessages({
        sessionKeyPair,
        capabilities: [{ ...walletAuthSig, derivedVia: "cosmos.signArbitrary" }],
        resourceAbilityRequests: [signing()],
        nodeUrls: [NODE],
        issuedAt: T0,
        expiration: new Date(T0.getTime() + 24 * HOUR),
      });
      await refusesSigning(odd[NODE], UnauthorizedError, "UnsupportedCapability");
    });
  });

  describe("with a plain wallet AuthSig", () => {
    it("refuses it where the route needs a session", async () => {
      const { walletAuthSig } = await session();
      await refusesSigning(walletAuthSig, UnauthorizedError, "WalletAuthSigNotAccepted");
    });

    it("accepts it where allowed and returns the wallet", async () => {
      const wallet = randomWallet();
      const authSig = await customWalletAuthSig(wallet, { uri: "https://localhost/login" });
      const auth = await authenticate(
        authSig,
        decryptionCapability("ab".repeat(32), "cd".repeat(32)),
        context(),
        { allowWalletAuthSig: true },
      );
      expect(auth).to.deep.include({ via: "wallet", address: wallet.address, capabilities: [] });
    });

    it("still checks its signature, nonce, expiry and any ReCap it carries", async () => {
      const wallet = randomWallet();
      const allow = { allowWalletAuthSig: true };
      const login = { uri: "https://localhost/login" };
      const good = await customWalletAuthSig(wallet, login);
      await refusal(
        { ...good, sig: await randomWallet().signMessage(good.signedMessage) },
        pkpSigningCapability(TOKEN),
        context(),
        UnauthorizedError,
        "SiweSignatureInvalid",
        allow,
      );
      await refusal(
        { ...good, sig: "0x1234" },
        pkpSigningCapability(TOKEN),
        context(),
        UnauthorizedError,
        "SiweSignatureInvalid",
        allow,
      );
      await refusal(
        await customWalletAuthSig(wallet, { ...login, nonce: hexlify(randomBytes(32)) }),
        pkpSigningCapability(TOKEN),
        context(),
        UnauthorizedError,
        "NonceNotBlockhash",
        allow,
      );
      await refusal(
        good,
        pkpSigningCapability(TOKEN),
        context({ now: () => new Date(T0.getTime() + 25 * HOUR) }),
        SessionExpiredError,
        "CapabilityExpired",
        allow,
      );
      const att = attenuationsFor([signing(0x1n)]);
      const narrow = await customWalletAuthSig(wallet, {
        ...login,
        statement: recapStatement(att),
        resources: [encodeRecap(att)],
      });
      await refusal(
        narrow,
        pkpSigningCapability(TOKEN),
        context(),
        NotPermittedError,
        "CapabilityForOtherResource",
        allow,
      );
    });

    it("refuses a session capability offered as a wallet AuthSig (lifted from session signatures)", async () => {
      const decryption = decryptionCapability("ab".repeat(32), "cd".repeat(32));
      const allow = { allowWalletAuthSig: true };
      const { sessionSigs } = await session({
        requests: [
          requestAbility(accessControlConditionResource("*"), "access-control-condition-decryption"),
        ],
      });
      const lifted = JSON.parse(sessionSigs[NODE].signedMessage).capabilities[0];
      await refusal(
        lifted,
        decryption,
        context(),
        UnauthorizedError,
        "SessionCapabilityAsWalletAuthSig",
        allow,
      );
      // Without a ReCap, or with its scheme in capitals, it still delegates to a session key.
      const wallet = randomWallet();
      for (const uri of ["lit:session:" + "ab".repeat(32), "LIT:SESSION:" + "ab".repeat(32)]) {
        const bare = await customWalletAuthSig(wallet, { uri });
        await refusal(
          bare,
          decryption,
          context(),
          UnauthorizedError,
          "SessionCapabilityAsWalletAuthSig",
          allow,
        );
      }
      // A ReCap delegating to a key (not a web origin) is a delegation too.
      const att = attenuationsFor([
        requestAbility(accessControlConditionResource("*"), "access-control-condition-decryption"),
      ]);
      const toKey = await customWalletAuthSig(wallet, {
        uri: "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        statement: recapStatement(att),
        resources: [encodeRecap(att)],
      });
      await refusal(
        toKey,
        decryption,
        context(),
        UnauthorizedError,
        "SessionCapabilityAsWalletAuthSig",
        allow,
      );
    });

    it("refuses a SIWE for another chain as a wallet AuthSig where the route lists its chains", async () => {
      const decryption = decryptionCapability("ab".repeat(32), "cd".repeat(32));
      const wallet = randomWallet();
      const options = { allowWalletAuthSig: true, walletChainIds: [1, 31337] };
      const polygon = await customWalletAuthSig(wallet, { uri: "https://evil.example/", chainId: 137 });
      await refusal(polygon, decryption, context(), UnauthorizedError, "SiweChainNotAccepted", options);
      for (const chainId of [1, 31337]) {
        const ok = await customWalletAuthSig(wallet, { uri: "https://localhost/login", chainId });
        const auth = await authenticate(ok, decryption, context(), options);
        expect(auth).to.deep.include({ via: "wallet", address: wallet.address });
      }
    });
  });

  describe("with a PKP session (LIT_BLS) capability", () => {
    const DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
    const networkSecret = bls12_381.utils.randomPrivateKey();
    const networkPublic = bls12_381.getPublicKey(networkSecret);
    const verifyNetworkSignature = (message: Uint8Array, signature: Uint8Array) =>
      bls12_381.verify(signature, bls12_381.G2.hashToCurve(message, { DST }) as never, networkPublic);

    const AUTH_ID = hexlify(randomBytes(32));
    async function pkpCapability(
      secret: Uint8Array,
      sessionKeyPair: SessionKeyPair,
      authResources = [pkpAuthResource(TOKEN, { authMethodType: 3n, authMethodId: AUTH_ID })],
    ) {
      const pkpAddress = randomWallet().address;
      const att = attenuationsFor([signing()]);
      const message = new SiweMessage({
        domain: "localhost",
        address: pkpAddress,
        statement: recapStatement(att),
        uri: `lit:session:${sessionKeyPair.publicKey}`,
        version: "1",
        chainId: 1,
        nonce: BLOCKHASH,
        issuedAt: T0.toISOString(),
        expirationTime: new Date(T0.getTime() + 24 * HOUR).toISOString(),
        resources: [encodeRecap(att), ...authResources],
      }).prepareMessage();
      // What the network signs: sha256("lit_session:" + hex(EIP-191 hash of the SIWE)).
      const { hashMessage } = await import("ethers");
      const { sha256 } = await import("@noble/hashes/sha2");
      const digest = sha256(new TextEncoder().encode(`lit_session:${hashMessage(message).slice(2)}`));
      const point = bls12_381.G2.hashToCurve(digest, { DST }) as unknown as {
        multiply(k: bigint): { toRawBytes(c: boolean): Uint8Array };
      };
      const sig = point.multiply(bls12_381.G1.normPrivateKeyToScalar(secret)).toRawBytes(true);
      const authSig: AuthSig = {
        sig: JSON.stringify({ ProofOfPossession: bytesToHex(sig) }),
        derivedVia: "lit.bls",
        signedMessage: message,
        address: pkpAddress,
        algo: "LIT_BLS",
      };
      return { authSig, pkpAddress };
    }

    it("accepts it when the network's key signed it, naming the PKP's address", async () => {
      const sessionKeyPair = generateSessionKeyPair();
      const { authSig, pkpAddress } = await pkpCapability(networkSecret, sessionKeyPair);
      const { sessionSigs } = await session({ sessionKeyPair, walletAuthSig: authSig });
      const auth = await authenticate(
        sessionSigs[NODE],
        pkpSigningCapability(TOKEN),
        context({ verifyNetworkSignature }),
      );
      expect(auth).to.deep.include({ via: "pkp-session", address: pkpAddress });
      expect(auth.pkp).to.deep.equal({
        tokenId: TOKEN,
        authMethods: [{ authMethodType: 3n, authMethodId: AUTH_ID.toLowerCase() }],
      });
    });

    it("refuses a network-signed session that names no auth method, or two PKPs", async () => {
      const sessionKeyPair = generateSessionKeyPair();
      for (const resources of [
        [],
        [
          pkpAuthResource(TOKEN, { authMethodType: 1n, authMethodId: AUTH_ID }),
          pkpAuthResource(TOKEN + 1n, { authMethodType: 1n, authMethodId: AUTH_ID }),
        ],
      ]) {
        const { authSig } = await pkpCapability(networkSecret, sessionKeyPair, resources);
        const { sessionSigs } = await session({ sessionKeyPair, walletAuthSig: authSig });
        await refusesSigning(
          sessionSigs[NODE],
          UnauthorizedError,
          "MalformedPkpSession",
          context({ verifyNetworkSignature }),
        );
      }
    });

    it("refuses a session whose SIWE was changed after the network signed it (another PKP named)", async () => {
      const sessionKeyPair = generateSessionKeyPair();
      const { authSig } = await pkpCapability(networkSecret, sessionKeyPair);
      const tampered = {
        ...authSig,
        signedMessage: authSig.signedMessage.replace(
          `lit-pkpauth://${TOKEN.toString(16).padStart(64, "0")}`,
          `lit-pkpauth://${(TOKEN + 1n).toString(16).padStart(64, "0")}`,
        ),
      };
      expect(tampered.signedMessage).to.not.equal(authSig.signedMessage);
      const { sessionSigs } = await session({ sessionKeyPair, walletAuthSig: tampered });
      await refusesSigning(
        sessionSigs[NODE],
        UnauthorizedError,
        "BadNetworkSignature",
        context({ verifyNetworkSignature }),
      );
    });

    it("refuses it when another key signed it", async () => {
      const sessionKeyPair = generateSessionKeyPair();
      const { authSig } = await pkpCapability(bls12_381.utils.randomPrivateKey(), sessionKeyPair);
      const { sessionSigs } = await session({ sessionKeyPair, walletAuthSig: authSig });
      await refusesSigning(
        sessionSigs[NODE],
        UnauthorizedError,
        "BadNetworkSignature",
        context({ verifyNetworkSignature }),
      );
    });

    it("refuses it when the node has no BLS verifier, or the sig is malformed", async () => {
      const sessionKeyPair = generateSessionKeyPair();
      const { authSig } = await pkpCapability(networkSecret, sessionKeyPair);
      const { sessionSigs } = await session({ sessionKeyPair, walletAuthSig: authSig });
      await refusesSigning(sessionSigs[NODE], UnauthorizedError, "PkpSessionUnsupported");
      const { sessionSigs: s2 } = await session({
        sessionKeyPair,
        walletAuthSig: { ...authSig, sig: '{"ProofOfPossession":"12"}' },
      });
      await refusesSigning(
        s2[NODE],
        InvalidRequestError,
        "MalformedPkpSessionSig",
        context({ verifyNetworkSignature }),
      );
    });
  });

  describe("with a cache", () => {
    it("gives the same answer from remembered checks, and still checks time, node and nonce each time", async () => {
      const cache = new AuthCache();
      let nonceChecks = 0;
      const ctx = context({
        cache,
        isKnownBlockhash: (n) => {
          nonceChecks += 1;
          return n === BLOCKHASH;
        },
      });
      const { sessionSigs } = await session();
      const first = await authenticate(sessionSigs[NODE], pkpSigningCapability(TOKEN), ctx);
      const size = cache.size;
      expect(size).to.equal(3); // SIWE parse, EIP-191 recovery, ed25519 check
      expect(await authenticate(sessionSigs[NODE], pkpSigningCapability(TOKEN), ctx)).to.deep.equal(first);
      expect([cache.size, nonceChecks]).to.deep.equal([size, 2]);
      await refusal(
        sessionSigs[NODE],
        pkpSigningCapability(TOKEN),
        { ...ctx, now: () => new Date(T0.getTime() + 25 * HOUR) },
        SessionExpiredError,
        "SessionExpired",
      );
      await refusal(
        sessionSigs[NODE],
        pkpSigningCapability(TOKEN),
        { ...ctx, nodeUrl: OTHER_NODE },
        UnauthorizedError,
        "WrongNode",
      );
      await refusal(
        sessionSigs[NODE],
        pkpSigningCapability(TOKEN),
        { ...ctx, isKnownBlockhash: () => false },
        UnauthorizedError,
        "NonceNotBlockhash",
      );
    });

    it("does not remember failures, nor let a remembered success cover altered input", async () => {
      const cache = new AuthCache();
      const ctx = context({ cache });
      const wallet = randomWallet();
      const { sessionSigs, walletAuthSig, sessionKeyPair } = await session({ wallet });
      await authenticate(sessionSigs[NODE], pkpSigningCapability(TOKEN), ctx);
      const impostor = bytesToHex(
        ed25519.sign(
          new TextEncoder().encode(sessionSigs[NODE].signedMessage),
          ed25519.utils.randomPrivateKey(),
        ),
      );
      for (let i = 0; i < 2; i++) {
        await refusesSigning(
          { ...sessionSigs[NODE], sig: impostor },
          UnauthorizedError,
          "BadSessionSignature",
          ctx,
        );
      }
      const forged = { ...walletAuthSig, sig: await randomWallet().signMessage(walletAuthSig.signedMessage) };
      const { sessionSigs: s2 } = await session({ wallet, sessionKeyPair, walletAuthSig: forged });
      await refusesSigning(s2[NODE], UnauthorizedError, "SiweSignatureInvalid", ctx);
    });

    it("keeps at most maxEntries results", async () => {
      const cache = new AuthCache(2);
      const { sessionSigs } = await session();
      await authenticate(sessionSigs[NODE], pkpSigningCapability(TOKEN), context({ cache }));
      expect(cache.size).to.equal(2);
    });
  });

  describe("decodeRecap", () => {
    it("round-trips what the SDK encodes", () => {
      const att = attenuationsFor([
        signing(TOKEN),
        requestAbility(litActionResource(), "lit-action-execution"),
      ]);
      expect(decodeRecap(encodeRecap(att))).to.deep.equal({ att, prf: [] });
    });

    it("refuses a URN that is not a ReCap", () => {
      expect(() => decodeRecap("urn:other:abc")).to.throw(RecapError, "not a urn:recap:");
      expect(() => decodeRecap("urn:recap:ab+c")).to.throw(RecapError, "base64url");
    });
  });
});
