/**
 * Session signatures against Lit's own published client (v7.4.0, run offline): what it makes, our
 * node accepts; what our SDK makes, its checks accept. Proves the format both ways.
 */
import { expect } from "chai";
import { Wallet, hexlify, randomBytes, type Signer } from "ethers";
import { LitNodeClientNodeJs } from "@lit-protocol/lit-node-client-nodejs";
import {
  LitPKPResource,
  LitActionResource,
  RecapSessionCapabilityObject,
  createSiweMessageWithRecaps,
  generateAuthSig,
} from "@lit-protocol/auth-helpers";
import { LIT_ABILITY } from "@lit-protocol/constants";
import { validateSessionSigs } from "@lit-protocol/misc";
import { nacl } from "@lit-protocol/nacl";
import { generateSessionKeyPair as litGenerateSessionKeyPair } from "@lit-protocol/crypto";
import { SiweMessage } from "siwe";
import { authenticate, pkpSigningCapability, litActionExecutionCapability } from "../../src/node/auth";
import { NodeError } from "../../src/node/errors";
import {
  attenuationsFor,
  createWalletAuthSig,
  encodeRecap,
  generateSessionKeyPair,
  getSessionSigs,
  litActionResource,
  pkpResource,
  recapStatement,
  requestAbility,
  sessionSeed,
  signSessionMessages,
} from "../../src/sdk/session";
import { InvalidArgumentError, SessionSigningError } from "../../src/sdk/errors";

const NODES = ["http://127.0.0.1:7470", "http://127.0.0.1:7471", "http://127.0.0.1:7472"];
const BLOCKHASH = hexlify(randomBytes(32));
const TOKEN = 0x5eedn;
const randomWallet = () => new Wallet(hexlify(randomBytes(32)));
const ctx = (nodeUrl: string) => ({
  nodeUrl,
  now: () => new Date(),
  isKnownBlockhash: (n: string) => n === BLOCKHASH,
});

/** Lit's client with the state `connect()` would set, so that its session signing runs without a network. */
function offlineLitClient(): LitNodeClientNodeJs {
  const client = new LitNodeClientNodeJs({ litNetwork: "custom", checkNodeAttestation: false, debug: false });
  const state = client as unknown as { ready: boolean; connectedNodes: Set<string>; latestBlockhash: string };
  state.ready = true;
  state.connectedNodes = new Set(NODES);
  state.latestBlockhash = BLOCKHASH;
  return client;
}

describe("session signatures", () => {
  let quiet: typeof console.warn;
  before(() => {
    quiet = console.warn;
    console.warn = () => undefined; // Lit's client warns that localStorage is missing
  });
  after(() => {
    console.warn = quiet;
  });

  describe("made by Lit's client (@lit-protocol/lit-node-client-nodejs 7.4.0)", () => {
    async function litSessionSigs(
      wallet: Wallet,
      resourceAbilityRequests: { resource: never; ability: never }[],
    ) {
      const client = offlineLitClient();
      return client.getSessionSigs({
        chain: "ethereum",
        resourceAbilityRequests,
        authNeededCallback: async (params) => {
          const toSign = await createSiweMessageWithRecaps({
            uri: params.uri as string,
            expiration: params.expiration as string,
            resources: params.resourceAbilityRequests as never,
            walletAddress: wallet.address,
            nonce: params.nonce,
            litNodeClient: client,
          });
          return generateAuthSig({ signer: wallet as never, toSign });
        },
      });
    }

    it("are accepted by our node, one per node URL, naming the wallet", async () => {
      const wallet = randomWallet();
      const sigs = await litSessionSigs(wallet, [
        { resource: new LitPKPResource("*") as never, ability: LIT_ABILITY.PKPSigning as never },
      ]);
      expect(Object.keys(sigs)).to.deep.equal(NODES);
      for (const url of NODES) {
        const auth = await authenticate(sigs[url], pkpSigningCapability(TOKEN), ctx(url));
        expect(auth).to.deep.include({ via: "session", address: wallet.address });
      }
    });

    it("are refused at another node and for an ability they do not grant", async () => {
      const wallet = randomWallet();
      const sigs = await litSessionSigs(wallet, [
        {
          resource: new LitPKPResource(TOKEN.toString(16)) as never,
          ability: LIT_ABILITY.PKPSigning as never,
        },
      ]);
      const reasons: string[] = [];
      for (const attempt of [
        () => authenticate(sigs[NODES[0]], pkpSigningCapability(TOKEN), ctx(NODES[1])),
        () => authenticate(sigs[NODES[0]], pkpSigningCapability(TOKEN + 1n), ctx(NODES[0])),
        () => authenticate(sigs[NODES[0]], litActionExecutionCapability("*"), ctx(NODES[0])),
      ]) {
        try {
          await attempt();
          reasons.push("accepted");
        } catch (e) {
          reasons.push((e as NodeError).reason);
        }
      }
      expect(reasons).to.deep.equal([
        "WrongNode",
        "CapabilityForOtherResource",
        "CapabilityForOtherResource",
      ]);
    });

    it("use a session key pair our SDK can sign with, and vice versa", () => {
      const litPair = litGenerateSessionKeyPair();
      expect(() => sessionSeed(litPair)).not.to.throw();
      const ours = generateSessionKeyPair();
      const message = new TextEncoder().encode("hello");
      const sig = nacl.sign.detached(message, Buffer.from(ours.secretKey, "hex"));
      expect(nacl.sign.detached.verify(message, sig, Buffer.from(ours.publicKey, "hex"))).to.equal(true);
    });
  });

  describe("made by our SDK", () => {
    async function ours(wallet: Signer = randomWallet()) {
      return getSessionSigs({
        signer: wallet,
        nodeUrls: NODES,
        latestBlockhash: BLOCKHASH,
        resourceAbilityRequests: [requestAbility(pkpResource(), "pkp-signing")],
      });
    }

    it("pass Lit's client's own checks (SIWE signature, session URI, ReCap coverage, format)", async () => {
      const { sessionSigs, walletAuthSig, sessionKeyPair } = await ours();
      expect(validateSessionSigs(sessionSigs as never)).to.deep.equal({ isValid: true, errors: [] });
      const client = offlineLitClient();
      const needToResign = await client.checkNeedToResignSessionKey({
        authSig: walletAuthSig as never,
        sessionKeyUri: client.getSessionKeyUri(sessionKeyPair.publicKey),
        resourceAbilityRequests: [
          { resource: new LitPKPResource("*"), ability: LIT_ABILITY.PKPSigning },
        ] as never,
      });
      expect(needToResign).to.equal(false);
    });

    it("are signed by the session key as Lit's nacl checks it, over the message Lit's layout gives", async () => {
      const { sessionSigs, sessionKeyPair, walletAuthSig } = await ours();
      for (const url of NODES) {
        const s = sessionSigs[url];
        const ok = nacl.sign.detached.verify(
          new TextEncoder().encode(s.signedMessage),
          Buffer.from(s.sig, "hex"),
          Buffer.from(sessionKeyPair.publicKey, "hex"),
        );
        expect(ok).to.equal(true);
        const message = JSON.parse(s.signedMessage);
        expect(Object.keys(message)).to.deep.equal([
          "sessionKey",
          "resourceAbilityRequests",
          "capabilities",
          "issuedAt",
          "expiration",
          "nodeAddress",
        ]);
        expect(message.nodeAddress).to.equal(url);
        expect(message.capabilities).to.deep.equal([walletAuthSig]);
        expect(message.resourceAbilityRequests).to.deep.equal([
          { resource: { resource: "*", resourcePrefix: "lit-pkp" }, ability: "pkp-signing" },
        ]);
      }
    });

    it("write the same ReCap and statement as Lit's helpers for the same request", async () => {
      const client = offlineLitClient();
      const wallet = randomWallet();
      const requests = [
        { resource: new LitPKPResource("ab12"), ability: LIT_ABILITY.PKPSigning },
        { resource: new LitActionResource("*"), ability: LIT_ABILITY.LitActionExecution },
      ];
      const litMessage = new SiweMessage(
        await createSiweMessageWithRecaps({
          uri: "lit:session:" + "00".repeat(32),
          expiration: new Date(Date.now() + 3600_000).toISOString(),
          resources: requests as never,
          walletAddress: wallet.address,
          nonce: BLOCKHASH,
          litNodeClient: client,
        }),
      );
      const att = attenuationsFor([
        requestAbility(pkpResource("ab12"), "pkp-signing"),
        requestAbility(litActionResource(), "lit-action-execution"),
      ]);
      expect(litMessage.resources).to.deep.equal([encodeRecap(att)]);
      expect(litMessage.statement?.endsWith(recapStatement(att))).to.equal(true);
      const decoded = RecapSessionCapabilityObject.decode(encodeRecap(att));
      expect(decoded.attenuations).to.deep.equal(att);
      expect(
        decoded.verifyCapabilitiesForResource(new LitPKPResource("ab12"), LIT_ABILITY.PKPSigning),
      ).to.equal(true);
    });

    it("are accepted by our node", async () => {
      const wallet = randomWallet();
      const { sessionSigs } = await ours(wallet);
      const auth = await authenticate(sessionSigs[NODES[2]], pkpSigningCapability(TOKEN), ctx(NODES[2]));
      expect(auth.address).to.equal(wallet.address);
    });
  });

  describe("parameters", () => {
    const now = new Date();
    const later = new Date(now.getTime() + 3600_000);
    const requests = [requestAbility(pkpResource(), "pkp-signing")];

    it("refuse an ability that does not apply to the resource, and a malformed id", () => {
      expect(() => requestAbility(pkpResource(), "lit-action-execution")).to.throw(
        InvalidArgumentError,
        "does not apply",
      );
      expect(() => pkpResource("12/34")).to.throw(InvalidArgumentError, "tokenId");
      expect(pkpResource(0xabcn).resource).to.equal("abc".padStart(64, "0"));
      expect(() => pkpResource("0x" + "f".repeat(65))).to.throw(InvalidArgumentError, "tokenId");
    });

    it("refuse a session key pair whose halves do not match", () => {
      const a = generateSessionKeyPair();
      const b = generateSessionKeyPair();
      expect(() => sessionSeed({ publicKey: b.publicKey, secretKey: a.secretKey })).to.throw(
        InvalidArgumentError,
        "does not belong",
      );
      expect(() => sessionSeed({ publicKey: a.publicKey, secretKey: "00" })).to.throw(
        InvalidArgumentError,
        "64 bytes",
      );
      expect(() => sessionSeed({ publicKey: "00", secretKey: a.secretKey })).to.throw(
        InvalidArgumentError,
        "32 bytes",
      );
    });

    it("refuse a wallet AuthSig without requests, with a nonce that is not a block hash, or already expired", async () => {
      const base = {
        signer: randomWallet(),
        sessionPublicKey: generateSessionKeyPair().publicKey,
        nonce: BLOCKHASH,
        issuedAt: now,
        expiration: later,
      };
      await expectRejection(
        createWalletAuthSig({ ...base, resourceAbilityRequests: [] }),
        InvalidArgumentError,
        "at least one",
      );
      await expectRejection(
        createWalletAuthSig({ ...base, resourceAbilityRequests: requests, nonce: "abc" }),
        InvalidArgumentError,
        "block hash",
      );
      await expectRejection(
        createWalletAuthSig({ ...base, resourceAbilityRequests: requests, expiration: now }),
        InvalidArgumentError,
        "after issuedAt",
      );
    });

    it("report a wallet that refuses to sign as SessionSigningError", async () => {
      const wallet = randomWallet();
      const refusing = Object.assign(Object.create(wallet), {
        signMessage: async () => {
          throw new Error("user rejected");
        },
      }) as Signer;
      await expectRejection(
        createWalletAuthSig({
          signer: refusing,
          sessionPublicKey: generateSessionKeyPair().publicKey,
          resourceAbilityRequests: requests,
          nonce: BLOCKHASH,
          expiration: later,
        }),
        SessionSigningError,
        "did not sign",
      );
    });

    it("refuse session messages without capabilities or nodes, or already expired", () => {
      const sessionKeyPair = generateSessionKeyPair();
      const cap = { sig: "0x", derivedVia: "web3.eth.personal.sign", signedMessage: "x", address: "0x" };
      const base = {
        sessionKeyPair,
        capabilities: [cap],
        resourceAbilityRequests: requests,
        nodeUrls: NODES,
        issuedAt: now,
        expiration: later,
      };
      expect(() => signSessionMessages({ ...base, capabilities: [] })).to.throw(
        InvalidArgumentError,
        "capabilities",
      );
      expect(() => signSessionMessages({ ...base, nodeUrls: [] })).to.throw(InvalidArgumentError, "nodeUrls");
      expect(() => signSessionMessages({ ...base, expiration: now })).to.throw(
        InvalidArgumentError,
        "expiration",
      );
    });
  });
});

async function expectRejection(
  p: Promise<unknown>,
  klass: new (...args: never[]) => Error,
  text: string,
): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught).to.be.instanceOf(klass);
  expect((caught as Error).message).to.contain(text);
}
