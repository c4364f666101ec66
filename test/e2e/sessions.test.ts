/**
 * PKP sessions end to end, against real processes (a 4-node network: hardhat node child, Ignition
 * deployment, IPFS gateway, four node processes on 127.0.0.1): the holder of a permitted auth method
 * of a PKP gets a network-signed session from `/web/sign_session_key/v1` and signs with it, through
 * our SDK and through Lit's published client. Auth methods: EthWallet (1), a custom-auth Lit Action
 * (2) and WebAuthn (3, real P-256 assertions made by a key the test holds). Scopes: SignAnything (1),
 * PersonalSign (2). Every refusal is checked at every node, with its reason.
 */
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { p256 } from "@noble/curves/p256";
import { sha256 } from "@noble/hashes/sha2";
import { concatBytes, randomBytes } from "@noble/hashes/utils";
import {
  Wallet,
  type HDNodeWallet,
  getAddress,
  hashMessage,
  keccak256,
  parseEther,
  recoverAddress,
  toUtf8Bytes,
  type JsonRpcProvider,
} from "ethers";
import { LitNodeClientNodeJs } from "@lit-protocol/lit-node-client-nodejs";
import { LitPKPResource } from "@lit-protocol/auth-helpers";
import { LIT_ABILITY } from "@lit-protocol/constants";

import { cidOf, cidToBytes } from "../../src/protocol/cid";
import { connectContracts, type PKPContracts } from "../../src/chain/deployment";
import {
  mintWithPermissions,
  revokeAddress,
  type HelperMintParams,
  type MintedPkp,
} from "../../src/chain/pkp";
import { startNetwork, type Network } from "../../src/network";
import { Chain } from "../../src/node/chain";
import { NotPermittedError } from "../../src/node/errors";
import { checkSigningPermission } from "../../src/node/permissions";
import { parsePkpAuthResources } from "../../src/node/auth";
import { SiweMessage } from "siwe";
import {
  PkpSignError,
  PkpSigner,
  QuorumNotReachedError,
  STAKING_ABI,
  coseP256PublicKey,
  connect,
  executeJs,
  ethWalletAuthMethod,
  getPkpSessionSigs,
  getSessionSigs,
  jsonRpcProvider,
  litActionResource,
  pkpResource,
  pkpSign,
  requestAbility,
  webAuthnAuthMethod,
  webAuthnAuthMethodId,
  webAuthnChallenge,
  type AuthMethod,
  type NetworkClient,
  type NodeFailure,
  type SessionSigs,
  type WebAuthnAssertionJSON,
} from "../../src/sdk";
import { expectRejection } from "../helpers/expect";

const SIGN_ANYTHING = 1n;
const PERSONAL_SIGN = 2n;

/** Every node refused, each with this reason. */
function refusedEverywhere(error: Error, client: NetworkClient, reason: string, status = 403): void {
  const failures: readonly NodeFailure[] =
    error instanceof QuorumNotReachedError || error instanceof PkpSignError ? error.failures : [];
  expect(failures.map((f) => f.url).sort(), error.message).to.include.members(client.nodes.map((x) => x.url));
  for (const f of failures) {
    expect(f.status, f.reason).to.equal(status);
    expect(f.reason).to.contain(`reason: ${reason}`);
  }
}

/** POSTs to `route` of every node of `client`, the body made per node; each node's status and JSON body. */
async function postEveryNode(
  client: NetworkClient,
  route: string,
  bodyFor: (url: string) => unknown,
): Promise<{ url: string; status: number; body: Record<string, unknown> }[]> {
  const requestId = `lit_${Buffer.from(randomBytes(8)).toString("hex")}`;
  return Promise.all(
    client.nodes.map(async ({ url }) => {
      const res = await fetch(`${url}${route}`, {
        method: "POST",
        headers: { "content-type": "application/json", "X-Request-Id": requestId },
        body: JSON.stringify(bodyFor(url)),
      });
      return { url, status: res.status, body: (await res.json()) as Record<string, unknown> };
    }),
  );
}

/** A WebAuthn authenticator with one P-256 credential, making real assertions. */
class TestAuthenticator {
  readonly secret = p256.utils.randomPrivateKey();
  readonly publicKey = p256.getPublicKey(this.secret, false);
  readonly rawId = Buffer.from(randomBytes(16)).toString("base64url");
  readonly rpIdHash = sha256(new TextEncoder().encode("localhost"));
  signCount = 0;

  assertion(challenge: string, options: { flags?: number } = {}): WebAuthnAssertionJSON {
    this.signCount += 1;
    const count = new Uint8Array(4);
    new DataView(count.buffer).setUint32(0, this.signCount);
    const authenticatorData = concatBytes(this.rpIdHash, Uint8Array.of(options.flags ?? 0x05), count);
    const clientDataJSON = new TextEncoder().encode(
      JSON.stringify({ type: "webauthn.get", challenge, origin: "http://localhost", crossOrigin: false }),
    );
    const digest = sha256(concatBytes(authenticatorData, sha256(clientDataJSON)));
    const signature = p256.sign(digest, this.secret, { lowS: false }).toDERRawBytes();
    const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64url");
    return {
      id: this.rawId,
      rawId: this.rawId,
      type: "public-key",
      response: {
        authenticatorData: b64(authenticatorData),
        clientDataJSON: b64(clientDataJSON),
        signature: b64(signature),
        userHandle: null,
      },
    };
  }
}

describe("PKP sessions on a local network of 4 nodes (real processes)", function () {
  this.timeout(900_000);
  let network: Network;
  let provider: JsonRpcProvider;
  let owner: Wallet;
  let contracts: PKPContracts;
  let client: NetworkClient;

  /** Mints through PKPHelper, waiting for the nodes to route a key when the pool is empty. */
  async function mint(params: HelperMintParams): Promise<MintedPkp> {
    const end = Date.now() + 240_000;
    for (;;) {
      try {
        return await mintWithPermissions(contracts, params);
      } catch (e) {
        if (!/no routed key/.test((e as Error).message) || Date.now() > end) throw e;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  async function latest(): Promise<string> {
    return (await provider.getBlock("latest"))!.hash!;
  }

  function signing(tokenId: string | bigint) {
    return [requestAbility(pkpResource(BigInt(tokenId)), "pkp-signing")];
  }

  before(async function () {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "pkp-sessions-"));
    network = await startNetwork({
      nodes: 4,
      dataDir,
      progress: "silent",
      pools: { pkpKeys: 4, presignatures: 16 },
      readyTimeoutMs: 600_000,
    });
    provider = jsonRpcProvider(network.info.rpcUrl, 100);
    const admin = await provider.getSigner(0);
    owner = new Wallet(Wallet.createRandom().privateKey, provider);
    await (await admin.sendTransaction({ to: owner.address, value: parseEther("10") })).wait();
    contracts = await connectContracts(network.info.contracts, owner);
    client = await connect({ provider, staking: network.info.contracts.staking });
  });

  after(async () => {
    await network?.stop();
  });

  describe("EthWallet (1)", () => {
    let user: Wallet | HDNodeWallet;
    let pkp: MintedPkp;
    before(async () => {
      user = Wallet.createRandom();
      pkp = await mint({
        addresses: [{ address: user.address, scopes: [SIGN_ANYTHING] }],
        sendPkpToItself: true,
      });
    });

    it("gets a network-signed session that every node accepts, and signs a hash with it", async () => {
      const authMethod = await ethWalletAuthMethod({ signer: user, latestBlockhash: await latest() });
      const session = await getPkpSessionSigs({
        client,
        pkpPublicKey: pkp.pubkey,
        authMethods: [authMethod],
        resourceAbilityRequests: signing(pkp.tokenId),
      });
      expect(session.pkpAuthSig).to.deep.include({
        algo: "LIT_BLS",
        derivedVia: "lit.bls",
        address: pkp.ethAddress,
      });
      expect(session.signers).to.have.length.of.at.least(3);
      expect(session.culprits).to.deep.equal([]);
      const siwe = new SiweMessage(session.pkpAuthSig.signedMessage);
      expect(getAddress(siwe.address)).to.equal(pkp.ethAddress);
      expect(parsePkpAuthResources(siwe.resources)).to.deep.equal({
        tokenId: BigInt(pkp.tokenId),
        authMethods: [{ authMethodType: 1n, authMethodId: user.address.toLowerCase() }],
      });
      const digest = keccak256(toUtf8Bytes("signed through an EthWallet PKP session"));
      const result = await pkpSign({
        client,
        pubkey: pkp.pubkey,
        toSign: digest,
        sessionSigs: session.sessionSigs,
      });
      expect(recoverAddress(digest, result.signature)).to.equal(pkp.ethAddress);
    });

    it("refuses a wallet that is not a permitted auth method of the PKP, at every node", async () => {
      const stranger = Wallet.createRandom();
      const authMethod = await ethWalletAuthMethod({ signer: stranger, latestBlockhash: await latest() });
      const error = await expectRejection(
        getPkpSessionSigs({
          client,
          pkpPublicKey: pkp.pubkey,
          authMethods: [authMethod],
          resourceAbilityRequests: signing(pkp.tokenId),
        }),
      );
      expect(error).to.be.instanceOf(QuorumNotReachedError);
      refusedEverywhere(error, client, "AuthMethodNotPermitted");
    });

    it("refuses an EthWallet auth method lifted from another session", async () => {
      // The user's wallet session, as any node it is sent to (or anyone on the path) sees it; one
      // for signing with the PKP, and one that asked only to run Lit Actions.
      for (const requests of [
        signing(pkp.tokenId),
        [requestAbility(litActionResource("*"), "lit-action-execution")],
      ]) {
        const { sessionSigs } = await getSessionSigs({
          signer: user,
          nodeUrls: client.nodes.map((x) => x.url),
          latestBlockhash: await latest(),
          resourceAbilityRequests: requests,
        });
        const capability = JSON.parse(sessionSigs[client.nodes[0].url].signedMessage).capabilities[0];
        expect(capability.derivedVia).to.equal("web3.eth.personal.sign");
        expect(new SiweMessage(capability.signedMessage).uri).to.match(/^lit:session:/);
        // The attacker asks every node for a PKP session on a session key of its own (our SDK makes
        // a fresh one), showing that capability as the permitted wallet's auth method.
        const error = await expectRejection(
          getPkpSessionSigs({
            client,
            pkpPublicKey: pkp.pubkey,
            authMethods: [{ authMethodType: 1, accessToken: JSON.stringify(capability) }],
            resourceAbilityRequests: signing(pkp.tokenId),
          }),
        );
        expect(error).to.be.instanceOf(QuorumNotReachedError);
        refusedEverywhere(error, client, "SessionCapabilityAsAuthMethod", 401);
      }
    });

    it("refuses an auth method used twice on one node", async () => {
      const authMethod = await ethWalletAuthMethod({ signer: user, latestBlockhash: await latest() });
      const first = await getPkpSessionSigs({
        client,
        pkpPublicKey: pkp.pubkey,
        authMethods: [authMethod],
        resourceAbilityRequests: signing(pkp.tokenId),
      });
      expect(first.failures).to.deep.equal([]);
      const error = await expectRejection(
        getPkpSessionSigs({
          client,
          pkpPublicKey: pkp.pubkey,
          authMethods: [authMethod],
          resourceAbilityRequests: signing(pkp.tokenId),
        }),
      );
      expect(error).to.be.instanceOf(QuorumNotReachedError);
      refusedEverywhere(error, client, "AuthMethodAlreadyUsed", 401);
    });

    it("refuses a lifted session capability as a Lit Action's auth method, and one shown twice", async () => {
      const code = "Lit.Actions.setResponse({ response: JSON.stringify(Lit.Auth.authMethodContexts) });";
      const { sessionSigs } = await getSessionSigs({
        signer: owner,
        nodeUrls: client.nodes.map((x) => x.url),
        latestBlockhash: await latest(),
        resourceAbilityRequests: [requestAbility(litActionResource("*"), "lit-action-execution")],
      });
      const victim = await getSessionSigs({
        signer: user,
        nodeUrls: client.nodes.map((x) => x.url),
        latestBlockhash: await latest(),
        resourceAbilityRequests: signing(pkp.tokenId),
      });
      const lifted = JSON.parse(victim.sessionSigs[client.nodes[0].url].signedMessage).capabilities[0];
      const execute = (authMethod: AuthMethod) =>
        postEveryNode(client, "/web/execute/v1", (url) => ({
          code: Buffer.from(code).toString("base64"),
          authSig: sessionSigs[url],
          authMethods: [authMethod],
          epoch: Number(client.epoch.number),
        }));
      for (const answer of await execute({ authMethodType: 1, accessToken: JSON.stringify(lifted) })) {
        expect(answer.status, answer.url).to.equal(401);
        expect(answer.body.details).to.include("reason: SessionCapabilityAsAuthMethod");
      }
      const authMethod = await ethWalletAuthMethod({ signer: user, latestBlockhash: await latest() });
      for (const answer of await execute(authMethod)) {
        expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
        const contexts = JSON.parse(String(answer.body.response)) as { userId: string }[];
        expect(contexts.map((c) => c.userId)).to.deep.equal([user.address]);
      }
      for (const answer of await execute(authMethod)) {
        expect(answer.status, answer.url).to.equal(401);
        expect(answer.body.details).to.include("reason: AuthMethodAlreadyUsed");
      }
    });

    it("refuses a PKP session used for another PKP, and one replayed to another node", async () => {
      const other = await mint({});
      const authMethod = await ethWalletAuthMethod({ signer: user, latestBlockhash: await latest() });
      const session = await getPkpSessionSigs({
        client,
        pkpPublicKey: pkp.pubkey,
        authMethods: [authMethod],
        resourceAbilityRequests: [requestAbility(pkpResource("*"), "pkp-signing")],
      });
      const wrongPkp = await expectRejection(
        pkpSign({
          client,
          pubkey: other.pubkey,
          toSign: keccak256("0x01"),
          sessionSigs: session.sessionSigs,
        }),
      );
      expect(wrongPkp).to.be.instanceOf(PkpSignError);
      refusedEverywhere(wrongPkp, client, "NotOwnerOrPermitted");

      const urls = client.nodes.map((x) => x.url);
      const replayed: SessionSigs = Object.fromEntries(
        urls.map((url, i) => [url, session.sessionSigs[urls[(i + 1) % urls.length]]]),
      );
      const replay = await expectRejection(
        pkpSign({
          client,
          pubkey: pkp.pubkey,
          toSign: keccak256("0x02"),
          sessionSigs: replayed,
          maxAttempts: 1,
        }),
      );
      refusedEverywhere(replay, client, "WrongNode", 401);
    });

    it("refuses a session asking for a capability on another resource", async () => {
      const authMethod = await ethWalletAuthMethod({ signer: user, latestBlockhash: await latest() });
      const session = await getPkpSessionSigs({
        client,
        pkpPublicKey: pkp.pubkey,
        authMethods: [authMethod],
        resourceAbilityRequests: [requestAbility(litActionResource("*"), "lit-action-execution")],
      });
      const error = await expectRejection(
        pkpSign({ client, pubkey: pkp.pubkey, toSign: keccak256("0x03"), sessionSigs: session.sessionSigs }),
      );
      refusedEverywhere(error, client, "CapabilityForOtherResource");
    });

    it("stops signing at the next block once the auth method is removed", async () => {
      const second = Wallet.createRandom();
      const revocable = await mint({
        addresses: [{ address: second.address, scopes: [SIGN_ANYTHING] }],
      });
      const authMethod = await ethWalletAuthMethod({ signer: second, latestBlockhash: await latest() });
      const session = await getPkpSessionSigs({
        client,
        pkpPublicKey: revocable.pubkey,
        authMethods: [authMethod],
        resourceAbilityRequests: signing(revocable.tokenId),
      });
      const digest = keccak256("0x04");
      const ok = await pkpSign({
        client,
        pubkey: revocable.pubkey,
        toSign: digest,
        sessionSigs: session.sessionSigs,
      });
      expect(recoverAddress(digest, ok.signature)).to.equal(revocable.ethAddress);
      await revokeAddress(contracts, { tokenId: BigInt(revocable.tokenId), address: second.address });
      const error = await expectRejection(
        pkpSign({ client, pubkey: revocable.pubkey, toSign: digest, sessionSigs: session.sessionSigs }),
      );
      refusedEverywhere(error, client, "AuthMethodNotPermitted");
    });
  });

  describe("PersonalSign (2)", () => {
    let user: Wallet | HDNodeWallet;
    let pkp: MintedPkp;
    let sessionSigs: SessionSigs;
    before(async () => {
      user = Wallet.createRandom();
      pkp = await mint({
        addresses: [{ address: user.address, scopes: [PERSONAL_SIGN] }],
        sendPkpToItself: true,
      });
      const authMethod = await ethWalletAuthMethod({ signer: user, latestBlockhash: await latest() });
      ({ sessionSigs } = await getPkpSessionSigs({
        client,
        pkpPublicKey: pkp.pubkey,
        authMethods: [authMethod],
        resourceAbilityRequests: signing(pkp.tokenId),
      }));
    });

    it("cannot sign a raw 32-byte hash, even the EIP-191 hash of a message", async () => {
      for (const digest of [keccak256("0x05"), hashMessage("hello")]) {
        const error = await expectRejection(
          pkpSign({ client, pubkey: pkp.pubkey, toSign: digest, sessionSigs }),
        );
        expect(error).to.be.instanceOf(PkpSignError);
        refusedEverywhere(error, client, "ScopeNotSufficient");
        expect((error as PkpSignError).failures[0].reason).to.contain("PersonalSign (2) only");
      }
    });

    it("signs an EIP-191 message in a Lit Action (ethPersonalSignMessageEcdsa), never a hash (signEcdsa)", async () => {
      const authMethod = await ethWalletAuthMethod({ signer: user, latestBlockhash: await latest() });
      const session = await getPkpSessionSigs({
        client,
        pkpPublicKey: pkp.pubkey,
        authMethods: [authMethod],
        resourceAbilityRequests: [
          ...signing(pkp.tokenId),
          requestAbility(litActionResource("*"), "lit-action-execution"),
        ],
      });
      const code = [
        "await Lit.Actions.ethPersonalSignMessageEcdsa({ message: 'gm from a PersonalSign session', publicKey, sigName: 'personal' });",
        "let refused = 'signed';",
        "try { await Lit.Actions.signEcdsa({ toSign: new Uint8Array(32).fill(7), publicKey, sigName: 'raw' }); }",
        "catch (e) { refused = String(e.message ?? e); }",
        "Lit.Actions.setResponse({ response: refused });",
      ].join("\n");
      const result = await executeJs({
        client,
        sessionSigs: session.sessionSigs,
        code,
        jsParams: { publicKey: pkp.pubkey },
        timeoutMs: 240_000,
      });
      expect(result.signatures.personal.address).to.equal(pkp.ethAddress);
      expect(
        recoverAddress(hashMessage("gm from a PersonalSign session"), result.signatures.personal.signature),
      ).to.equal(pkp.ethAddress);
      expect(result.signatures.raw).to.equal(undefined);
      expect(String(result.response)).to.contain("PersonalSign (2) only");
    });

    it("allows an EIP-191 message the node hashed itself, still not a digest (the rule on the live chain)", async () => {
      const chain = new Chain(
        network.info.rpcUrl,
        31337,
        Wallet.createRandom().privateKey,
        network.info.contracts,
      );
      try {
        const binding = {
          tokenId: BigInt(pkp.tokenId),
          authMethods: [{ authMethodType: 1n, authMethodId: user.address.toLowerCase() }],
        };
        const requester = {
          via: "pkp-session" as const,
          address: pkp.ethAddress,
          expiresAt: new Date(Date.now() + 3600_000),
          capabilities: [],
          pkp: binding,
        };
        await checkSigningPermission(chain, BigInt(pkp.tokenId), requester, "eip191");
        let refused: unknown;
        try {
          await checkSigningPermission(chain, BigInt(pkp.tokenId), requester, "digest");
        } catch (e) {
          refused = e;
        }
        expect(refused).to.be.instanceOf(NotPermittedError);
        expect((refused as NotPermittedError).reason).to.equal("ScopeNotSufficient");
      } finally {
        chain.destroy();
      }
    });
  });

  describe("WebAuthn (3)", () => {
    let authenticator: TestAuthenticator;
    let pkp: MintedPkp;
    before(async () => {
      authenticator = new TestAuthenticator();
      pkp = await mint({
        authMethods: [
          {
            authMethodType: 3n,
            id: webAuthnAuthMethodId(authenticator.rawId),
            userPubkey: "0x" + Buffer.from(coseP256PublicKey(authenticator.publicKey)).toString("hex"),
            scopes: [SIGN_ANYTHING],
          },
        ],
        sendPkpToItself: true,
      });
      expect(await contracts.pkpNft.ownerOf(pkp.tokenId)).to.equal(pkp.ethAddress);
    });

    async function webAuthnSession(authMethod: AuthMethod) {
      return getPkpSessionSigs({
        client,
        pkpPublicKey: pkp.pubkey,
        authMethods: [authMethod],
        resourceAbilityRequests: signing(pkp.tokenId),
      });
    }

    it("a PKP controlled only by a WebAuthn credential sends a transaction", async () => {
      const assertion = authenticator.assertion(webAuthnChallenge(await latest()));
      const { sessionSigs } = await webAuthnSession(webAuthnAuthMethod(assertion));
      await (await owner.sendTransaction({ to: pkp.ethAddress, value: parseEther("1") })).wait();
      const signer = new PkpSigner({ client, pubkey: pkp.pubkey, sessionSigs }, provider);
      const to = Wallet.createRandom().address;
      const receipt = await (await signer.sendTransaction({ to, value: parseEther("0.25") })).wait();
      expect(receipt?.status).to.equal(1);
      expect(getAddress(receipt!.from)).to.equal(pkp.ethAddress);
      expect(await provider.getBalance(to)).to.equal(parseEther("0.25"));
    });

    it("refuses a replayed WebAuthn assertion, also with its signature re-encoded (s to n - s)", async () => {
      const assertion = authenticator.assertion(webAuthnChallenge(await latest()));
      const first = await webAuthnSession(webAuthnAuthMethod(assertion));
      expect(first.failures).to.deep.equal([]);
      refusedEverywhere(
        await expectRejection(webAuthnSession(webAuthnAuthMethod(assertion))),
        client,
        "AuthMethodAlreadyUsed",
        401,
      );
      const der = Buffer.from(assertion.response.signature, "base64url");
      const sig = p256.Signature.fromDER(der);
      const flipped = new p256.Signature(sig.r, p256.CURVE.n - sig.s).toDERRawBytes();
      const malleated = {
        ...assertion,
        response: { ...assertion.response, signature: Buffer.from(flipped).toString("base64url") },
      };
      refusedEverywhere(
        await expectRejection(webAuthnSession(webAuthnAuthMethod(malleated))),
        client,
        "AuthMethodAlreadyUsed",
        401,
      );
    });

    it("refuses an assertion signed by another key", async () => {
      const impostor = new TestAuthenticator();
      const forged = impostor.assertion(webAuthnChallenge(await latest()));
      const claimed = { ...forged, id: authenticator.rawId, rawId: authenticator.rawId };
      const error = await expectRejection(webAuthnSession(webAuthnAuthMethod(claimed)));
      refusedEverywhere(error, client, "WebAuthnBadSignature", 401);
    });

    it("refuses an assertion whose challenge is not a block hash of the chain", async () => {
      const stale = authenticator.assertion(Buffer.from(randomBytes(32)).toString("base64url"));
      const error = await expectRejection(webAuthnSession(webAuthnAuthMethod(stale)));
      refusedEverywhere(error, client, "NonceNotBlockhash", 401);
    });

    it("refuses an assertion made without user presence, or with its client data altered", async () => {
      const absent = authenticator.assertion(webAuthnChallenge(await latest()), { flags: 0x00 });
      refusedEverywhere(
        await expectRejection(webAuthnSession(webAuthnAuthMethod(absent))),
        client,
        "WebAuthnUserNotPresent",
        401,
      );
      const good = authenticator.assertion(webAuthnChallenge(await latest()));
      const altered = JSON.parse(Buffer.from(good.response.clientDataJSON, "base64url").toString("utf8"));
      altered.origin = "https://evil.example";
      const tampered = {
        ...good,
        response: {
          ...good.response,
          clientDataJSON: Buffer.from(JSON.stringify(altered)).toString("base64url"),
        },
      };
      refusedEverywhere(
        await expectRejection(webAuthnSession(webAuthnAuthMethod(tampered))),
        client,
        "WebAuthnBadSignature",
        401,
      );
    });

    it("refuses a credential that is not registered for the PKP", async () => {
      const unknown = new TestAuthenticator();
      const assertion = unknown.assertion(webAuthnChallenge(await latest()));
      refusedEverywhere(
        await expectRejection(webAuthnSession(webAuthnAuthMethod(assertion))),
        client,
        "AuthMethodNotPermitted",
      );
    });
  });

  describe("custom auth: a Lit Action (2)", () => {
    const code = [
      "const ok = jsParams.password === 'open sesame' && Lit.Auth.actionIpfsIdStack.length === 1;",
      "Lit.Actions.setResponse({ response: ok ? 'true' : 'false' });",
    ].join("\n");
    let cid: string;
    let pkp: MintedPkp;
    before(async () => {
      cid = await cidOf(code);
      pkp = await mint({ actions: [{ cid, scopes: [SIGN_ANYTHING] }], sendPkpToItself: true });
    });

    function customSession(password: string, litActionCode = code) {
      return getPkpSessionSigs({
        client,
        pkpPublicKey: pkp.pubkey,
        litActionCode,
        jsParams: { password },
        resourceAbilityRequests: signing(pkp.tokenId),
        // The first run starts the nodes' sandbox workers (slow on a loaded machine).
        timeoutMs: 240_000,
      });
    }

    it("signs when the action approves", async () => {
      const session = await customSession("open sesame");
      const siwe = new SiweMessage(session.pkpAuthSig.signedMessage);
      expect(parsePkpAuthResources(siwe.resources)?.authMethods).to.deep.equal([
        { authMethodType: 2n, authMethodId: cidToBytes(cid).toLowerCase() },
      ]);
      const digest = keccak256(toUtf8Bytes("approved by the action"));
      const result = await pkpSign({
        client,
        pubkey: pkp.pubkey,
        toSign: digest,
        sessionSigs: session.sessionSigs,
      });
      expect(recoverAddress(digest, result.signature)).to.equal(pkp.ethAddress);
    });

    it("gives no session when the action refuses", async () => {
      const error = await expectRejection(customSession("wrong"));
      expect(error).to.be.instanceOf(QuorumNotReachedError);
      refusedEverywhere(error, client, "CustomAuthDenied");
    });

    it("gives no session for an action that is not permitted for the PKP, or that throws", async () => {
      refusedEverywhere(
        await expectRejection(customSession("open sesame", `${code}\n// another action`)),
        client,
        "AuthMethodNotPermitted",
      );
      const throwing = "throw new Error('no');";
      const other = await mint({ actions: [{ cid: await cidOf(throwing), scopes: [SIGN_ANYTHING] }] });
      const error = await expectRejection(
        getPkpSessionSigs({
          client,
          pkpPublicKey: other.pubkey,
          litActionCode: throwing,
          jsParams: {},
          resourceAbilityRequests: signing(other.tokenId),
        }),
      );
      refusedEverywhere(error, client, "CustomAuthFailed");
    });
  });

  describe("Lit's own client (@lit-protocol/lit-node-client-nodejs 7.4.0, custom network)", () => {
    let lit: LitNodeClientNodeJs;
    let quiet: [typeof console.log, typeof console.warn, typeof console.error];
    let user: Wallet | HDNodeWallet;
    let pkp: MintedPkp;
    before(async () => {
      quiet = [console.log, console.warn, console.error];
      console.log = console.warn = () => undefined;
      lit = new LitNodeClientNodeJs({
        litNetwork: "custom",
        rpcUrl: network.info.rpcUrl,
        checkNodeAttestation: false,
        debug: false,
        contractContext: { Staking: { address: network.info.contracts.staking, abi: [...STAKING_ABI] } },
      } as ConstructorParameters<typeof LitNodeClientNodeJs>[0]);
      await lit.connect();
      user = Wallet.createRandom();
      pkp = await mint({
        addresses: [{ address: user.address, scopes: [SIGN_ANYTHING] }],
        sendPkpToItself: true,
      });
    });
    after(async () => {
      await lit?.disconnect();
      [console.log, console.warn, console.error] = quiet;
    });

    it("getPkpSessionSigs through a permitted EthWallet auth method, then pkpSign with that session", async () => {
      const authMethod = await ethWalletAuthMethod({
        signer: user,
        latestBlockhash: await lit.getLatestBlockhash(),
      });
      const sessionSigs = await lit.getPkpSessionSigs({
        pkpPublicKey: pkp.pubkey,
        authMethods: [authMethod],
        resourceAbilityRequests: [{ resource: new LitPKPResource("*"), ability: LIT_ABILITY.PKPSigning }],
      });
      const first = Object.values(sessionSigs)[0] as { signedMessage: string };
      const capability = JSON.parse(first.signedMessage).capabilities.at(-1);
      expect(capability).to.deep.include({ algo: "LIT_BLS", derivedVia: "lit.bls", address: pkp.ethAddress });
      const digest = randomBytes(32);
      const sig = await lit.pkpSign({ toSign: digest, pubKey: pkp.pubkey, sessionSigs });
      expect(recoverAddress(digest, sig.signature)).to.equal(pkp.ethAddress);
    });

    it("its getPkpSessionSigs fails for a wallet that is not permitted", async () => {
      const stranger = Wallet.createRandom();
      const authMethod = await ethWalletAuthMethod({
        signer: stranger,
        latestBlockhash: await lit.getLatestBlockhash(),
      });
      await expectRejection(
        lit.getPkpSessionSigs({
          pkpPublicKey: pkp.pubkey,
          authMethods: [authMethod],
          resourceAbilityRequests: [{ resource: new LitPKPResource("*"), ability: LIT_ABILITY.PKPSigning }],
        }),
      );
    });

    it("a session from our SDK works with its pkpSign, and one from it with our pkpSign", async () => {
      const authMethod = await ethWalletAuthMethod({ signer: user, latestBlockhash: await latest() });
      const ours = await getPkpSessionSigs({
        client,
        pkpPublicKey: pkp.pubkey,
        authMethods: [authMethod],
        resourceAbilityRequests: signing(pkp.tokenId),
      });
      const digest = randomBytes(32);
      const sig = await lit.pkpSign({ toSign: digest, pubKey: pkp.pubkey, sessionSigs: ours.sessionSigs });
      expect(recoverAddress(digest, sig.signature)).to.equal(pkp.ethAddress);

      // Each node takes an auth method once: a second session needs a fresh one.
      const another = await ethWalletAuthMethod({ signer: user, latestBlockhash: await latest() });
      const theirs = (await lit.getPkpSessionSigs({
        pkpPublicKey: pkp.pubkey,
        authMethods: [another],
        resourceAbilityRequests: [{ resource: new LitPKPResource("*"), ability: LIT_ABILITY.PKPSigning }],
      })) as unknown as SessionSigs;
      const d2 = keccak256("0x06");
      const result = await pkpSign({ client, pubkey: pkp.pubkey, toSign: d2, sessionSigs: theirs });
      expect(recoverAddress(d2, result.signature)).to.equal(pkp.ethAddress);
    });
  });

  describe("wallet sessions still work beside PKP sessions", () => {
    it("the owner of a PKP signs with a wallet session", async () => {
      const pkp = await mint({});
      const { sessionSigs } = await getSessionSigs({
        signer: owner,
        nodeUrls: client.nodes.map((x) => x.url),
        latestBlockhash: await latest(),
        resourceAbilityRequests: signing(pkp.tokenId),
      });
      const digest = keccak256("0x07");
      const result = await pkpSign({ client, pubkey: pkp.pubkey, toSign: digest, sessionSigs });
      expect(recoverAddress(digest, result.signature)).to.equal(pkp.ethAddress);
    });
  });
});
