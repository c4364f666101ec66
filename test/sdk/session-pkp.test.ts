/**
 * getPkpSessionSigs against nodes played by local HTTP servers on 127.0.0.1 that hold real Shamir
 * shares (degree 2t) of a BLS key: combination, a lying node named, a node that rewrites the SIWE
 * refused, too few answers, and the parameter checks made before any node is contacted. Also the
 * session digest and SIWE layout against Lit's own helpers.
 */
import { expect } from "chai";
import http from "node:http";
import { bytesToHex } from "@noble/hashes/utils";
import { Wallet, computeAddress, hashMessage, sha256, toUtf8Bytes } from "ethers";
import { SiweMessage } from "siwe";
import { decode as litDecodeRecap, LitPKPResource } from "@lit-protocol/auth-helpers";
import { LIT_ABILITY } from "@lit-protocol/constants";
import { encodeShareHex, signShare, verify as blsVerify } from "../../src/crypto/bls";
import { blsG1Group } from "../../src/crypto/group";
import { evaluate, randomPolynomial } from "../../src/crypto/polynomial";
import {
  InvalidArgumentError,
  QuorumNotReachedError,
  generateSessionKeyPair,
  getPkpSessionSigs,
  pkpResource,
  pkpSessionDigest,
  pkpSessionSiwe,
  requestAbility,
  type NetworkClient,
} from "../../src/sdk";
import { authenticate, parsePkpAuthResources, pkpSigningCapability } from "../../src/node/auth";
import { expectRejection } from "../helpers/expect";
import { fakeClient, listenLocal, replyJson } from "../helpers/fakeNodes";

const BLOCKHASH = "0x" + "cd".repeat(32);
const PKP_KEY = Wallet.createRandom().signingKey.publicKey;
const TOKEN = BigInt(sha256("0x00")); // any token: the fake nodes do not check the chain

type Behaviour = "honest" | "wrong-share" | "rewrite" | "refuse";

describe("getPkpSessionSigs", function () {
  this.timeout(60_000);
  const servers: http.Server[] = [];
  const n = 4;
  const poly = randomPolynomial(blsG1Group, 2); // degree 2t, t = 1
  const secret = poly[0];
  const networkKey = blsG1Group.G.multiply(secret);
  const networkPublicKey = bytesToHex(blsG1Group.pointToBytes(networkKey));

  after(() => {
    for (const s of servers) s.close();
  });

  async function nodeServer(index: number, behaviour: Behaviour): Promise<string> {
    const keyShare = evaluate(blsG1Group, poly, BigInt(index));
    const { server, url } = await listenLocal((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const request = JSON.parse(body) as { siweMessage: string };
        if (behaviour === "refuse") {
          replyJson(res, 403, {
            errorKind: "Unauthorized",
            errorCode: "NotPermitted",
            status: 403,
            message: "not permitted",
            correlationId: "x",
            details: ["reason: AuthMethodNotPermitted"],
          });
          return;
        }
        const siwe = new SiweMessage(request.siweMessage);
        const extra = `lit-pkpauth://${TOKEN.toString(16).padStart(64, "0")}/1/${"ab".repeat(20)}`;
        siwe.resources = [...(siwe.resources ?? []), extra];
        if (behaviour === "rewrite") siwe.resources = [...siwe.resources, "https://evil.example/extra"];
        const signed = siwe.prepareMessage();
        const digest = pkpSessionDigest(signed);
        const share = signShare(index, keyShare, behaviour === "wrong-share" ? new Uint8Array(32) : digest);
        replyJson(res, 200, {
          result: "success",
          signatureShare: { ProofOfPossession: encodeShareHex(share) },
          shareIndex: index - 1,
          curveType: "BLS",
          siweMessage: signed,
          dataSigned: bytesToHex(digest),
          blsRootPubkey: networkPublicKey,
          pkpNetwork: {
            index,
            publicKeyShare: bytesToHex(blsG1Group.pointToBytes(blsG1Group.G.multiply(keyShare))),
          },
        });
      });
    });
    servers.push(server);
    return url;
  }

  async function network(behaviours: Behaviour[]): Promise<NetworkClient> {
    const urls = await Promise.all(behaviours.map((b, i) => nodeServer(i + 1, b)));
    return fakeClient(
      urls.map((url, i) => ({ url, index: i + 1, nodeAddress: Wallet.createRandom().address })),
      1,
      {
        n,
        networkPublicKey,
        subnetPublicKey: networkPublicKey,
        networkPublicKeySet: networkPublicKey,
        latestBlockhash: BLOCKHASH,
        epoch: { number: 2n, epochLength: 3600n, endTime: 0n },
        handshakes: {},
        failures: [],
      },
    );
  }

  const requests = [requestAbility(pkpResource(TOKEN), "pkp-signing")];
  const ethWallet = { authMethodType: 1, accessToken: "{}" };

  it("combines the nodes' shares into a network signature that a node's authenticate accepts", async () => {
    const client = await network(["honest", "honest", "honest", "honest"]);
    const result = await getPkpSessionSigs({
      client,
      pkpPublicKey: PKP_KEY,
      authMethods: [ethWallet],
      resourceAbilityRequests: requests,
    });
    expect(result.pkpAuthSig).to.deep.include({
      algo: "LIT_BLS",
      derivedVia: "lit.bls",
      address: computeAddress(PKP_KEY),
    });
    const signature = Buffer.from(JSON.parse(result.pkpAuthSig.sig).ProofOfPossession, "hex");
    expect(blsVerify(networkKey, pkpSessionDigest(result.pkpAuthSig.signedMessage), signature)).to.equal(
      true,
    );
    expect(result.culprits).to.deep.equal([]);
    expect(Object.keys(result.sessionSigs).sort()).to.deep.equal(client.nodes.map((x) => x.url).sort());
    const url = client.nodes[0].url;
    const auth = await authenticate(result.sessionSigs[url], pkpSigningCapability(TOKEN), {
      nodeUrl: url,
      now: () => new Date(),
      isKnownBlockhash: (nonce) => nonce === BLOCKHASH,
      verifyNetworkSignature: (m, s) => blsVerify(networkKey, m, s),
    });
    expect(auth.via).to.equal("pkp-session");
    expect(auth.pkp?.tokenId).to.equal(TOKEN);
  });

  it("names a node whose share is wrong and combines the others", async () => {
    const client = await network(["honest", "wrong-share", "honest", "honest"]);
    const result = await getPkpSessionSigs({
      client,
      pkpPublicKey: PKP_KEY,
      authMethods: [ethWallet],
      resourceAbilityRequests: requests,
    });
    expect(result.culprits).to.deep.equal([client.nodes[1].url]);
    expect(result.signers).to.deep.equal([1, 3, 4]);
  });

  it("refuses a node that signed a SIWE message with more than its auth-method resources added", async () => {
    const client = await network(["honest", "rewrite", "honest", "honest"]);
    const result = await getPkpSessionSigs({
      client,
      pkpPublicKey: PKP_KEY,
      authMethods: [ethWallet],
      resourceAbilityRequests: requests,
    });
    expect(result.failures.map((f) => f.url)).to.deep.equal([client.nodes[1].url]);
    expect(result.failures[0].reason).to.contain("another SIWE message");
    expect(result.signers).to.deep.equal([1, 3, 4]);
  });

  it("fails with every node's reason when fewer than 2t+1 sign", async () => {
    const client = await network(["honest", "refuse", "rewrite", "honest"]);
    const error = await expectRejection(
      getPkpSessionSigs({
        client,
        pkpPublicKey: PKP_KEY,
        authMethods: [ethWallet],
        resourceAbilityRequests: requests,
      }),
    );
    expect(error).to.be.instanceOf(QuorumNotReachedError);
    const q = error as QuorumNotReachedError;
    expect(q.required).to.equal(3);
    expect(q.received).to.equal(2);
    expect(q.failures.map((f) => f.url).sort()).to.deep.equal(
      [client.nodes[1].url, client.nodes[2].url].sort(),
    );
    expect(q.failures.find((f) => f.url === client.nodes[1].url)?.reason).to.contain(
      "AuthMethodNotPermitted",
    );
  });

  it("refuses bad parameters before contacting any node", async () => {
    const client = { nodes: [], latestBlockhash: BLOCKHASH } as unknown as NetworkClient;
    const base = {
      client,
      pkpPublicKey: PKP_KEY,
      authMethods: [ethWallet],
      resourceAbilityRequests: requests,
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ pkpPublicKey: "0x1234" }, "pkpPublicKey"],
      [{ resourceAbilityRequests: [] }, "resourceAbilityRequests"],
      [{ litActionCode: "x", ipfsId: "Qm" }, "litActionCode"],
      [{ authMethods: [] }, "authMethods"],
      [{ expiration: new Date(Date.now() - 1000) }, "expiration"],
      [{ sessionKeyPair: { publicKey: "00".repeat(32), secretKey: "00".repeat(64) } }, "sessionKeyPair"],
    ];
    for (const [change, argument] of cases) {
      const error = await expectRejection(getPkpSessionSigs({ ...base, ...change } as never));
      expect(error, argument).to.be.instanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).to.equal(argument);
    }
  });
});

describe("the PKP session message", () => {
  it("is signed as Lit's client checks it: sha256(utf8('lit_session:' + hex(EIP-191 hash)))", () => {
    const message = "any message";
    const expected = sha256(toUtf8Bytes(`lit_session:${hashMessage(message).slice(2)}`));
    expect("0x" + bytesToHex(pkpSessionDigest(message))).to.equal(expected);
  });

  it("has Lit's layout: the PKP's address, the session URI, the ReCap first (where Lit's client reads it)", () => {
    const pair = generateSessionKeyPair();
    const text = pkpSessionSiwe({
      pkpAddress: computeAddress(PKP_KEY),
      sessionPublicKey: pair.publicKey,
      resourceAbilityRequests: [requestAbility(pkpResource(TOKEN), "pkp-signing")],
      nonce: BLOCKHASH,
      issuedAt: new Date(),
      expiration: new Date(Date.now() + 3600_000),
    });
    const siwe = new SiweMessage(text);
    expect(siwe.uri).to.equal(`lit:session:${pair.publicKey}`);
    expect(siwe.statement?.startsWith("Lit Protocol PKP session signature ")).to.equal(true);
    const recap = litDecodeRecap(siwe.resources![0]);
    expect(
      recap.verifyCapabilitiesForResource(
        new LitPKPResource(TOKEN.toString(16).padStart(64, "0")),
        LIT_ABILITY.PKPSigning,
      ),
    ).to.equal(true);
    expect(parsePkpAuthResources(siwe.resources)).to.equal(undefined);
  });
});
