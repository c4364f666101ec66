/**
 * Lit Actions on real node processes (test/node/harness.ts: `hardhat node`, 4 nodes): /web/execute/v1
 * with actions written as Lit's documentation writes them, the permission rule, hostile actions, and
 * Lit's own published client running executeJs. A server on 127.0.0.1 started here plays the IPFS
 * gateway (including one that lies) and the web API actions fetch from.
 */
import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import {
  Interface,
  Wallet,
  computeAddress,
  getAddress,
  getBytes,
  hashMessage,
  keccak256,
  recoverAddress,
  toUtf8Bytes,
  verifyMessage,
} from "ethers";
import { secp256k1 } from "@noble/curves/secp256k1";
import { LitNodeClientNodeJs } from "@lit-protocol/lit-node-client-nodejs";
import { LitActionResource, createSiweMessageWithRecaps, generateAuthSig } from "@lit-protocol/auth-helpers";
import { LIT_ABILITY as LIT_CLIENT_ABILITY } from "@lit-protocol/constants";
import { cidOf, cidToBytes } from "../../src/protocol/cid";
import {
  combineWeightedShares,
  presignaturePublicFromJSON,
  signatureShareFromJSON,
  verificationContext,
} from "../../src/crypto/ecdsa";
import { secp256k1Group } from "../../src/crypto/group";
import { requestEntropy } from "../../src/protocol";
import { LIT_ABILITY, getSessionSigs, litActionResource, requestAbility } from "../../src/sdk/session";
import { STAKING_ABI } from "../../src/sdk";
import { leaderOrder } from "../../src/node/signing/leader";
import { startHarness, type Harness, type HarnessNode } from "./harness";

const USER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"; // hardhat #1
const OTHER_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"; // hardhat #2

interface Answer {
  node: HarnessNode;
  status: number;
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

interface Pkp {
  tokenId: bigint;
  pubkey: string;
  address: string;
}

describe("Lit Actions on node processes (/web/execute/v1, 4 nodes, real chain)", function () {
  this.timeout(900_000);
  let h: Harness;
  let user: Wallet;
  let other: Wallet;
  let pkp: Pkp;
  let foreign: Pkp;
  let sigs: Record<string, unknown>;
  let server: http.Server;
  let base: string;
  const ipfs = new Map<string, Buffer>();
  const hits = { count: 0, flood: 0 };

  async function mint(owner: Wallet): Promise<Pkp> {
    const nft = h.contracts.pkpNft.connect(owner) as typeof h.contracts.pkpNft;
    const receipt = await (await nft.mintNext(2, { value: 1n })).wait();
    const iface = new Interface([
      "event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)",
    ]);
    const log = receipt.logs
      .map((l: { topics: string[]; data: string }) => iface.parseLog(l))
      .find((l: unknown) => l !== null);
    const tokenId = log!.args.tokenId as bigint;
    const pubkey = (await h.contracts.pkpNft.getPubkey(tokenId)) as string;
    return { tokenId, pubkey, address: computeAddress(pubkey) };
  }

  async function publish(code: string): Promise<string> {
    const cid = await cidOf(code);
    ipfs.set(cid, Buffer.from(code));
    return cid;
  }

  async function sessionFor(signer: Wallet): Promise<Record<string, unknown>> {
    const { sessionSigs } = await getSessionSigs({
      signer,
      nodeUrls: h.nodes.map((n) => n.url),
      latestBlockhash: (await h.provider.getBlock("latest"))!.hash!,
      resourceAbilityRequests: [requestAbility(litActionResource("*"), LIT_ABILITY.litActionExecution)],
      chainId: 31337,
    });
    return sessionSigs;
  }

  async function post(node: HarnessNode, body: unknown, requestId: string): Promise<Answer> {
    const res = await fetch(node.url + "/web/execute/v1", {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": requestId },
      body: JSON.stringify(body),
    });
    return { node, status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  type Action = { code?: string; ipfsId?: string };

  /**
   * Sends one execute request to every node (the same X-Request-Id), as a client does; or, with
   * `actionFor`, what a hostile client may: another action to some nodes under that id.
   */
  async function execute(
    action: Action,
    jsParams: Record<string, unknown> = {},
    options: {
      sessionSigs?: Record<string, unknown>;
      requestId?: string;
      actionFor?: (node: HarnessNode) => Action;
    } = {},
  ): Promise<{ answers: Answer[]; requestId: string }> {
    const requestId = options.requestId ?? `lit_${randomBytes(16).toString("hex")}`;
    const session = options.sessionSigs ?? sigs;
    const answers = await Promise.all(
      h.nodes.map((n) => {
        const a = options.actionFor?.(n) ?? action;
        return post(
          n,
          {
            ...(a.code !== undefined ? { code: Buffer.from(a.code).toString("base64") } : {}),
            ...(a.ipfsId !== undefined ? { ipfsId: a.ipfsId } : {}),
            jsParams,
            authSig: session[n.url],
            epoch: 2,
          },
          requestId,
        );
      }),
    );
    return { answers, requestId };
  }

  function expectAllOk(answers: Answer[]): void {
    for (const a of answers) {
      expect(a.status, JSON.stringify(a.body)).to.equal(200);
      expect(a.body.success, JSON.stringify(a.body)).to.equal(true);
    }
  }

  /**
   * Our own combination (src/crypto/ecdsa): each member's share verified against its presignature
   * and public key share (DLEQ), then the 2t+1 weighted shares added; returns the recovered address.
   */
  function combine(answers: Answer[], sigName: string, requestId: string, pubkey: string): string {
    const members = answers.filter((a) => a.body.pkpNetwork?.signedData?.[sigName]?.member === true);
    expect(members).to.have.length(3);
    const entries = members.map((a) => a.body.signedData[sigName]);
    const digest = getBytes("0x" + entries[0].dataSigned);
    const publicKey = secp256k1Group.pointFromBytes(
      secp256k1.ProjectivePoint.fromHex(pubkey.slice(2)).toRawBytes(true),
    );
    const data = members.map((a) => a.body.pkpNetwork.signedData[sigName]);
    const shares = data.map((d) => signatureShareFromJSON(d.share));
    const pkShares = new Map(
      data.map((d, k) => [shares[k].index, secp256k1Group.pointFromBytes(getBytes("0x" + d.publicKeyShare))]),
    );
    const vctx = verificationContext(
      presignaturePublicFromJSON(data[0].presignature),
      digest,
      publicKey,
      pkShares,
      requestEntropy(requestId, sigName),
    );
    const result = combineWeightedShares(shares, { hash: digest, publicKey, t: 1, verification: vctx });
    expect(result.culprits).to.deep.equal([]);
    return recoverAddress(digest, result.signature.serialized);
  }

  before(async () => {
    server = http.createServer((req, res) => {
      const url = req.url ?? "/";
      if (url.startsWith("/ipfs/")) {
        const body = ipfs.get(url.slice(6));
        if (body === undefined) res.writeHead(404).end("not found");
        else res.writeHead(200, { "content-type": "application/octet-stream" }).end(body);
      } else if (url === "/price") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ price: 42 }));
      } else if (url === "/count") {
        hits.count++;
        res.writeHead(200).end(String(hits.count));
      } else if (url === "/flood") {
        hits.flood++;
        res.writeHead(200).end("ok");
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
    h = await startHarness({
      n: 4,
      pools: { pkpKeys: 3, presignatures: 16, keyBatch: 3, presignatureBatch: 8 },
      config: {
        ipfsGatewayUrl: base,
        fetchAllow: [`127.0.0.1:${port}`],
        // Each node runs the action on its own: on a loaded machine they reach signEcdsa seconds apart,
        // so the signing leader's joining window (peerMs - 1 s) is wider than for pkp/sign.
        timeouts: { peerMs: 12_000, roundMs: 15_000 },
      },
    });
    await h.waitReady({ pkpKeys: 3, presignatures: 16, timeoutMs: 600_000 });
    user = new Wallet(USER_KEY, h.provider);
    other = new Wallet(OTHER_KEY, h.provider);
    pkp = await mint(user);
    foreign = await mint(other);
    sigs = await sessionFor(user);
  });

  after(async () => {
    await h?.stop();
    server?.close();
  });

  describe("actions as Lit's documentation writes them", () => {
    it("signEcdsa: every node answers, 2t+1 shares verify and combine to a signature that recovers to the PKP", async () => {
      const code = `
        const go = async () => {
          const sigShare = await LitActions.signEcdsa({ toSign, publicKey, sigName });
        };
        go();
      `;
      const digest = getBytes(keccak256(toUtf8Bytes("hello action")));
      const { answers, requestId } = await execute(
        { code },
        { toSign: [...digest], publicKey: pkp.pubkey, sigName: "sig1" },
      );
      expectAllOk(answers);
      for (const a of answers) {
        expect(a.body).to.include.keys(
          "success",
          "signedData",
          "decryptedData",
          "claimData",
          "response",
          "logs",
        );
        expect(a.body.decryptedData).to.deep.equal({});
        expect(a.body.pkpNetwork.cid).to.equal(await cidOf(code));
        const entry = a.body.signedData.sig1;
        expect(entry.sigType).to.equal("K256");
        expect(entry.sigName).to.equal("sig1");
        expect(entry.dataSigned).to.equal(Buffer.from(digest).toString("hex"));
      }
      const members = answers.filter((a) => a.body.signedData.sig1.signatureShare !== "");
      expect(members).to.have.length(3);
      for (const m of members)
        expect(m.body.signedData.sig1.publicKey).to.equal(pkp.pubkey.slice(2).toLowerCase());
      expect(combine(answers, "sig1", requestId, pkp.pubkey)).to.equal(pkp.address);
    });

    it("conditional signing on a fetched price (127.0.0.1 allowed by fetchAllow): signs above the threshold, refuses below", async () => {
      const code = `
        (async () => {
          const res = await fetch(url);
          const { price } = await res.json();
          if (price > threshold) {
            await Lit.Actions.signEcdsa({ toSign, publicKey, sigName: "price" });
            Lit.Actions.setResponse({ response: JSON.stringify({ signed: true, price }) });
          } else {
            Lit.Actions.setResponse({ response: JSON.stringify({ signed: false, price }) });
          }
        })();
      `;
      const digest = getBytes(keccak256(toUtf8Bytes("price above 40")));
      const params = { url: `${base}/price`, toSign: [...digest], publicKey: pkp.pubkey };
      const yes = await execute({ code }, { ...params, threshold: 40 });
      expectAllOk(yes.answers);
      for (const a of yes.answers)
        expect(JSON.parse(a.body.response)).to.deep.equal({ signed: true, price: 42 });
      expect(combine(yes.answers, "price", yes.requestId, pkp.pubkey)).to.equal(pkp.address);
      const no = await execute({ code }, { ...params, threshold: 50 });
      expectAllOk(no.answers);
      for (const a of no.answers) {
        expect(JSON.parse(a.body.response)).to.deep.equal({ signed: false, price: 42 });
        expect(a.body.signedData).to.deep.equal({});
      }
    });

    it("ethPersonalSignMessageEcdsa signs the EIP-191 hash of the message; console.log comes back in logs", async () => {
      const code = `
        const go = async () => {
          console.log("signing", message);
          await Lit.Actions.ethPersonalSignMessageEcdsa({ message, publicKey, sigName: "personal" });
        };
        go();
      `;
      const message = "a certificate for 7919";
      const { answers, requestId } = await execute({ code }, { message, publicKey: pkp.pubkey });
      expectAllOk(answers);
      for (const a of answers) {
        expect(a.body.logs.trimEnd()).to.equal(`signing ${message}`);
        expect(a.body.signedData.personal.dataSigned).to.equal(hashMessage(message).slice(2));
      }
      expect(combine(answers, "personal", requestId, pkp.pubkey)).to.equal(pkp.address);
    });

    it("signAndCombineEcdsa returns the combined signature inside the action (Lit's {r, s, v} JSON)", async () => {
      const code = `
        (async () => {
          const signature = await Lit.Actions.signAndCombineEcdsa({ toSign, publicKey, sigName: "combined" });
          const json = JSON.parse(signature);
          json.r = "0x" + json.r.substring(2);
          json.s = "0x" + json.s;
          Lit.Actions.setResponse({ response: ethers.utils.joinSignature(json) });
        })();
      `;
      const digest = getBytes(keccak256(toUtf8Bytes("sign and combine")));
      const { answers } = await execute({ code }, { toSign: [...digest], publicKey: pkp.pubkey });
      expectAllOk(answers);
      const signatures = new Set(answers.map((a) => a.body.response));
      expect(signatures.size).to.equal(1);
      expect(recoverAddress(digest, answers[0].body.response)).to.equal(pkp.address);
      for (const a of answers) expect(a.body.signedData).to.deep.equal({});
    });

    it("permission queries read PKPPermissions at the latest block", async () => {
      const perms = h.contracts.pkpPermissions.connect(user) as typeof h.contracts.pkpPermissions;
      const allowedCid = await cidOf("an action permitted for the user's PKP");
      await (await perms.addPermittedAction(pkp.tokenId, cidToBytes(allowedCid), [1n])).wait();
      await (await perms.addPermittedAddress(pkp.tokenId, other.address, [2n])).wait();
      const code = `
        (async () => {
          const tokenId = await Lit.Actions.pubkeyToTokenId({ publicKey });
          const out = {
            tokenId,
            action: await Lit.Actions.isPermittedAction({ tokenId, ipfsId: allowedCid }),
            otherAction: await Lit.Actions.isPermittedAction({ tokenId, ipfsId: Lit.Auth.actionIpfsIdStack[0] }),
            address: await Lit.Actions.isPermittedAddress({ tokenId, address: other }),
            stranger: await Lit.Actions.isPermittedAddress({ tokenId, address: "0x000000000000000000000000000000000000dEaD" }),
            actions: await Lit.Actions.getPermittedActions({ tokenId }),
            addresses: await Lit.Actions.getPermittedAddresses({ tokenId }),
            methods: (await Lit.Actions.getPermittedAuthMethods({ tokenId })).length,
            scopes: await Lit.Actions.getPermittedAuthMethodScopes({ tokenId, authMethodType: "1", userId: other, maxScopeId: 3 }),
          };
          Lit.Actions.setResponse({ response: JSON.stringify(out) });
        })();
      `;
      const { answers } = await execute(
        { code },
        { publicKey: pkp.pubkey, allowedCid, other: other.address },
      );
      expectAllOk(answers);
      for (const a of answers) {
        expect(JSON.parse(a.body.response)).to.deep.equal({
          tokenId: pkp.tokenId.toString(),
          action: true,
          otherAction: false,
          address: true,
          stranger: false,
          actions: [allowedCid],
          addresses: [user.address, other.address],
          methods: 2,
          scopes: [false, false, true],
        });
      }
      await (await perms.removePermittedAddress(pkp.tokenId, other.address)).wait();
    });

    it("call() runs a child action by CID with its params, pushing it onto Lit.Auth.actionIpfsIdStack", async () => {
      const child = await publish(`
        Lit.Actions.setResponse({ response: JSON.stringify({ doubled: x * 2, stack: Lit.Auth.actionIpfsIdStack }) });
      `);
      const code = `
        (async () => {
          const out = await Lit.Actions.call({ ipfsId: child, params: { x: 21 } });
          Lit.Actions.setResponse({ response: out });
        })();
      `;
      const { answers } = await execute({ code }, { child });
      expectAllOk(answers);
      for (const a of answers) {
        expect(JSON.parse(a.body.response)).to.deep.equal({ doubled: 42, stack: [await cidOf(code), child] });
      }
    });

    it("runOnce runs the function on one node only and every node gets its result", async () => {
      const code = `
        (async () => {
          const count = await Lit.Actions.runOnce({ waitForResponse: true, name: "counter" }, async () => {
            const res = await fetch(url);
            return await res.text();
          });
          Lit.Actions.setResponse({ response: count });
        })();
      `;
      const before = hits.count;
      const { answers } = await execute({ code }, { url: `${base}/count` });
      expectAllOk(answers);
      expect(hits.count).to.equal(before + 1);
      for (const a of answers) expect(a.body.response).to.equal(String(before + 1));
    });

    it("broadcastAndCollect gives every node the values of all nodes, in the same order", async () => {
      const code = `
        (async () => {
          const mine = String(Math.random());
          const all = await Lit.Actions.broadcastAndCollect({ name: "random", value: mine });
          Lit.Actions.setResponse({ response: JSON.stringify({ mine, all }) });
        })();
      `;
      const { answers } = await execute({ code });
      expectAllOk(answers);
      const results = answers.map((a) => JSON.parse(a.body.response) as { mine: string; all: string[] });
      expect(results[0].all).to.have.length(4);
      for (const r of results) {
        expect(r.all).to.deep.equal(results[0].all);
        expect(r.all).to.include(r.mine);
      }
    });

    it("claimKey: every node derives the same key id for (action, keyId) and signs it with its node key", async () => {
      const code = `Lit.Actions.claimKey({ keyId: "user-42" });`;
      const cid = await cidOf(code);
      const { answers } = await execute({ code });
      expectAllOk(answers);
      const derived = keccak256(toUtf8Bytes(`lit_claim:${cid}:user-42`)).slice(2);
      const signers = answers.map((a) => {
        const claim = a.body.claimData["user-42"];
        expect(claim.derivedKeyId).to.equal(derived);
        return verifyMessage(getBytes("0x" + derived), "0x" + claim.signature);
      });
      expect(signers.sort()).to.deep.equal(h.nodes.map((n) => getAddress(n.address)).sort());
    });

    it('getRpcUrl, getLatestNonce and callContract reach the node\'s own chain as "hardhat"', async () => {
      const code = `
        (async () => {
          const rpcUrl = await Lit.Actions.getRpcUrl({ chain: "hardhat" });
          const nonce = await Lit.Actions.getLatestNonce({ address: user, chain: "hardhat" });
          const iface = new ethers.utils.Interface(["function ownerOf(uint256) view returns (address)"]);
          const txn = ethers.utils.serializeTransaction({ to: nft, data: iface.encodeFunctionData("ownerOf", [tokenId]) });
          const raw = await Lit.Actions.callContract({ chain: "hardhat", txn });
          const owner = iface.decodeFunctionResult("ownerOf", raw)[0];
          let unknown;
          try { await Lit.Actions.getRpcUrl({ chain: "nowhere" }); } catch (e) { unknown = e.message; }
          Lit.Actions.setResponse({ response: JSON.stringify({ rpcUrl, nonce: ethers.BigNumber.from(nonce).toNumber(), owner, unknown }) });
        })();
      `;
      const { answers } = await execute(
        { code },
        { user: user.address, nft: h.addresses.pkpNft, tokenId: pkp.tokenId.toString() },
      );
      expectAllOk(answers);
      const nonce = await h.provider.getTransactionCount(user.address, "latest");
      for (const a of answers) {
        const out = JSON.parse(a.body.response);
        expect(out.rpcUrl).to.equal(h.rpcUrl);
        expect(out.nonce).to.equal(nonce);
        expect(out.owner).to.equal(user.address);
        expect(out.unknown).to.include('unknown chain "nowhere"');
      }
    });
  });

  describe("code by ipfsId", () => {
    it("runs code fetched from the gateway when its bytes hash to the CID", async () => {
      const cid = await publish(
        `Lit.Actions.setResponse({ response: "from ipfs " + Lit.Auth.actionIpfsIdStack[0] });`,
      );
      const { answers } = await execute({ ipfsId: cid });
      expectAllOk(answers);
      for (const a of answers) expect(a.body.response).to.equal(`from ipfs ${cid}`);
    });

    it("refuses (400 IpfsCidMismatch) bytes that do not hash to the requested CID", async () => {
      const cid = await cidOf(`Lit.Actions.setResponse({ response: "honest" });`);
      ipfs.set(cid, Buffer.from(`Lit.Actions.setResponse({ response: "swapped" });`));
      const { answers } = await execute({ ipfsId: cid });
      for (const a of answers) {
        expect(a.status).to.equal(400);
        expect(a.body.details).to.include("reason: IpfsCidMismatch");
      }
    });

    it("answers 404 for a CID the gateway does not have, and 400 when inline code and ipfsId differ", async () => {
      const missing = await cidOf("never published");
      const { answers } = await execute({ ipfsId: missing });
      for (const a of answers) expect(a.status).to.equal(404);
      const both = await execute({ code: "1", ipfsId: missing });
      for (const a of both.answers) {
        expect(a.status).to.equal(400);
        expect(a.body.details).to.include("reason: IpfsCidMismatch");
      }
    });
  });

  describe("permissions", () => {
    const signCode = `
      (async () => {
        await Lit.Actions.signEcdsa({ toSign, publicKey, sigName: "s" });
        Lit.Actions.setResponse({ response: "signed" });
      })();
    `;

    it("an action not permitted for someone else's PKP gets no share and a clear reason", async () => {
      const digest = getBytes(keccak256(toUtf8Bytes("not mine")));
      const { answers } = await execute(
        { code: signCode },
        { toSign: [...digest], publicKey: foreign.pubkey },
      );
      for (const a of answers) {
        expect(a.status).to.equal(200);
        expect(a.body.success).to.equal(false);
        expect(a.body.signedData).to.deep.equal({});
        expect(a.body.error).to.include("not permitted");
        expect(a.body.error).to.include(await cidOf(signCode));
      }
    });

    it("a permitted action signs for a PKP the requester does not own; revoking it stops it at the next block", async () => {
      const cid = await cidOf(signCode);
      const perms = h.contracts.pkpPermissions.connect(other) as typeof h.contracts.pkpPermissions;
      await (await perms.addPermittedAction(foreign.tokenId, cidToBytes(cid), [1n])).wait();
      const digest = getBytes(keccak256(toUtf8Bytes("permitted action")));
      const params = { toSign: [...digest], publicKey: foreign.pubkey };
      const ok = await execute({ code: signCode }, params);
      expectAllOk(ok.answers);
      expect(combine(ok.answers, "s", ok.requestId, foreign.pubkey)).to.equal(foreign.address);
      await (await perms.removePermittedAction(foreign.tokenId, cidToBytes(cid))).wait();
      const refused = await execute({ code: signCode }, params);
      for (const a of refused.answers) {
        expect(a.body.success).to.equal(false);
        expect(a.body.error).to.include("not permitted");
        expect(a.body.signedData).to.deep.equal({});
      }
    });

    it("refuses a session without Threshold/Execution for the action (401/403, nothing run)", async () => {
      const { sessionSigs } = await getSessionSigs({
        signer: user,
        nodeUrls: h.nodes.map((n) => n.url),
        latestBlockhash: (await h.provider.getBlock("latest"))!.hash!,
        resourceAbilityRequests: [
          requestAbility(litActionResource(await cidOf("some other action")), LIT_ABILITY.litActionExecution),
        ],
        chainId: 31337,
      });
      const before = hits.count;
      const { answers } = await execute({ code: `fetch("${base}/count")` }, {}, { sessionSigs });
      for (const a of answers) expect(a.status).to.be.oneOf([401, 403]);
      expect(hits.count).to.equal(before);
    });
  });

  describe("one request id, another action on some nodes (a client may send each node its own body)", () => {
    // Permitted on `foreign` (owned by `other`): it signs a price only as its own runOnce fetched it.
    const priceAction = `
      (async () => {
        const price = await Lit.Actions.runOnce({ waitForResponse: true, name: "price" }, async () => {
          const res = await fetch(url);
          return String((await res.json()).price);
        });
        const toSign = ethers.utils.arrayify(ethers.utils.keccak256(ethers.utils.toUtf8Bytes("price:" + price)));
        await Lit.Actions.signEcdsa({ toSign, publicKey, sigName: "sig" });
        Lit.Actions.setResponse({ response: price });
      })();
    `;
    // Permitted on `foreign`: it signs the votes of the nodes that run it.
    const voteAction = `
      (async () => {
        const all = await Lit.Actions.broadcastAndCollect({ name: "vote", value: "yes" });
        const toSign = ethers.utils.arrayify(
          ethers.utils.keccak256(ethers.utils.toUtf8Bytes("votes:" + JSON.stringify(all))),
        );
        await Lit.Actions.signEcdsa({ toSign, publicKey, sigName: "votes" });
        Lit.Actions.setResponse({ response: JSON.stringify(all) });
      })();
    `;
    const digestHex = (text: string) => keccak256(toUtf8Bytes(text)).slice(2);
    /** The answers carrying a signature share over `hex` (no 0x) under `sigName`. */
    const sharesOver = (answers: Answer[], sigName: string, hex: string) =>
      answers.filter((a) => {
        const entry = a.body.signedData?.[sigName];
        return entry?.dataSigned === hex && entry.signatureShare !== "";
      });
    let priceCid: string;
    let voteCid: string;

    before(async () => {
      priceCid = await publish(priceAction);
      voteCid = await publish(voteAction);
      const perms = h.contracts.pkpPermissions.connect(other) as typeof h.contracts.pkpPermissions;
      await (await perms.addPermittedAction(foreign.tokenId, cidToBytes(priceCid), [1n])).wait();
      await (await perms.addPermittedAction(foreign.tokenId, cidToBytes(voteCid), [1n])).wait();
    });

    it("the permitted action run on every node signs the price its runOnce fetched", async () => {
      const { answers, requestId } = await execute(
        { ipfsId: priceCid },
        { url: `${base}/price`, publicKey: foreign.pubkey },
      );
      expectAllOk(answers);
      for (const a of answers) expect(a.body.response).to.equal("42");
      expect(sharesOver(answers, "sig", digestHex("price:42"))).to.have.length(3);
      expect(combine(answers, "sig", requestId, foreign.pubkey)).to.equal(foreign.address);
    });

    it("refuses a runOnce result from a different action under the same request id", async () => {
      const requestId = `lit_${randomBytes(16).toString("hex")}`;
      const validators = h.nodes.map((n, k) => ({
        index: k + 1,
        nodeAddress: n.address,
        url: n.url,
        commsKey: new Uint8Array(32),
      }));
      // The node every follower asks for runOnce("price") under this request id.
      const leaderAddress = leaderOrder(requestId, "runOnce\0price", validators)[0].nodeAddress;
      const leader = h.nodes.find((n) => n.address === leaderAddress)!;
      const fake = `
        (async () => {
          const price = await Lit.Actions.runOnce({ waitForResponse: true, name: "price" }, async () => "1");
          Lit.Actions.setResponse({ response: price });
        })();
      `;
      const { answers } = await execute(
        { ipfsId: priceCid },
        { url: `${base}/price`, publicKey: foreign.pubkey },
        { requestId, actionFor: (n) => (n === leader ? { code: fake } : { ipfsId: priceCid }) },
      );
      // 2t+1 = 3 shares would combine to a signature by `foreign` over a price its action never fetched.
      expect(sharesOver(answers, "sig", digestHex("price:1"))).to.have.length(0);
      const [mine, followers] = [
        answers.filter((a) => a.node === leader),
        answers.filter((a) => a.node !== leader),
      ];
      expect(mine[0].body.success, JSON.stringify(mine[0].body)).to.equal(true);
      expect(mine[0].body.response).to.equal("1");
      expect(followers).to.have.length(3);
      for (const a of followers) {
        expect(a.status, JSON.stringify(a.body)).to.equal(200);
        expect(a.body.success).to.equal(false);
        expect(a.body.error).to.include("round mismatch");
        expect(a.body.signedData).to.deep.equal({});
      }
    });

    it("a broadcastAndCollect value from a different action is not collected", async () => {
      const requestId = `lit_${randomBytes(16).toString("hex")}`;
      const intruder = h.nodes[0];
      const forged = `
        (async () => {
          const all = await Lit.Actions.broadcastAndCollect({ name: "vote", value: "forged" });
          Lit.Actions.setResponse({ response: JSON.stringify(all) });
        })();
      `;
      const { answers } = await execute(
        { ipfsId: voteCid },
        { publicKey: foreign.pubkey },
        { requestId, actionFor: (n) => (n === intruder ? { code: forged } : { ipfsId: voteCid }) },
      );
      const voters = answers.filter((a) => a.node !== intruder);
      expectAllOk(voters);
      // Each runner of the vote collects the 3 votes of its own round, never the intruder's value.
      for (const a of voters) expect(JSON.parse(a.body.response)).to.deep.equal(["yes", "yes", "yes"]);
      const honest = digestHex("votes:" + JSON.stringify(["yes", "yes", "yes"]));
      expect(sharesOver(voters, "votes", honest)).to.have.length(3);
      expect(combine(voters, "votes", requestId, foreign.pubkey)).to.equal(foreign.address);
      // The intruder's own run never gets 2t+1 values in its round: it waits until its time is up.
      const alone = answers.find((a) => a.node === intruder)!;
      expect(alone.body.success).to.equal(false);
      expect(alone.body.response ?? "").not.to.include("yes");
    });
  });

  describe("hostile actions: each a clear error within its limit, the node still serving", () => {
    async function expectFailure(code: string, kind: string, jsParams: Record<string, unknown> = {}) {
      const { answers } = await execute({ code }, jsParams);
      for (const a of answers) {
        expect(a.status, JSON.stringify(a.body)).to.equal(200);
        expect(a.body.success).to.equal(false);
        expect(a.body.error).to.match(new RegExp(`^${kind}: `));
      }
      return answers;
    }

    it("stops a memory bomb at the heap limit", async () => {
      await expectFailure(`const a = []; while (true) a.push(new Array(1e6).fill(1.5));`, "MemoryLimit");
    });

    it("stops an infinite loop, also one that starts after an await, at the 30 s limit", async () => {
      const started = Date.now();
      await Promise.all([
        expectFailure(`while (true) {}`, "Timeout"),
        expectFailure(
          `(async () => { await new Promise((r) => setTimeout(r, 10)); while (true) {} })();`,
          "Timeout",
        ),
      ]);
      expect(Date.now() - started).to.be.below(60_000);
    });

    it("refuses the 51st fetch", async () => {
      const before = hits.flood;
      await expectFailure(
        `(async () => { for (let i = 0; i < 60; i++) await fetch(url); })();`,
        "TooManyFetches",
        { url: `${base}/flood` },
      );
      expect(hits.flood - before).to.equal(4 * 50);
    });

    it("refuses the 11th signature", async () => {
      const code = `
        (async () => {
          for (let i = 0; i < 11; i++) {
            try { await Lit.Actions.signEcdsa({ toSign, publicKey, sigName: "s" + i }); } catch (e) { if (i === 10) throw e; }
          }
        })();
      `;
      const digest = getBytes(keccak256(toUtf8Bytes("eleven")));
      await expectFailure(code, "TooManySignatures", { toSign: [...digest], publicKey: foreign.pubkey });
    });

    it("refuses a 200 KB response", async () => {
      await expectFailure(
        `Lit.Actions.setResponse({ response: "x".repeat(200 * 1024) });`,
        "ResponseTooLarge",
      );
    });

    it("reaches neither process, require nor the host through constructor.constructor", async () => {
      const code = `
        const attempt = (f) => { try { return String(f()); } catch (e) { return e.name + ": " + e.message; } };
        Lit.Actions.setResponse({ response: JSON.stringify({
          process: typeof process,
          require: typeof require,
          ctor: attempt(() => ({}).constructor.constructor("return process")()),
          fn: attempt(() => (function () {}).constructor("return globalThis.process")()),
          asyncFn: attempt(() => (async function () {}).constructor("return 1")),
        }) });
      `;
      const { answers } = await execute({ code });
      expectAllOk(answers);
      for (const a of answers) {
        const out = JSON.parse(a.body.response);
        expect(out.process).to.equal("undefined");
        expect(out.require).to.equal("undefined");
        expect(out.ctor).to.match(/^EvalError: /);
        expect(out.fn).to.match(/^EvalError: /);
        expect(out.asyncFn).to.match(/^EvalError: /);
      }
    });

    it("prototype pollution does not leak into the next run", async () => {
      const polluted = await execute({
        code: `Object.prototype.polluted = "yes"; Array.prototype.map = () => "hijacked"; JSON.stringify = () => "hijacked"; Lit.Actions.setResponse({ response: ({}).polluted });`,
      });
      expectAllOk(polluted.answers);
      for (const a of polluted.answers) expect(a.body.response).to.equal("yes");
      for (let run = 0; run < 3; run++) {
        const { answers } = await execute({
          code: `Lit.Actions.setResponse({ response: JSON.stringify([String(({}).polluted), [1].map((x) => x + 1)]) });`,
        });
        expectAllOk(answers);
        for (const a of answers) expect(a.body.response).to.equal('["undefined",[2]]');
      }
    });

    it("refuses fetches to link-local, private and unlisted loopback addresses before connecting", async () => {
      const code = `
        (async () => {
          const out = [];
          for (const url of urls) {
            try { await fetch(url); out.push("fetched " + url); } catch (e) { out.push(e.message); }
          }
          Lit.Actions.setResponse({ response: JSON.stringify(out) });
        })();
      `;
      const urls = [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/",
        "http://192.168.1.1/",
        "http://[fe80::1]/",
        `http://127.0.0.1:${h.nodes[0].port}/status`,
      ];
      const { answers } = await execute({ code }, { urls });
      expectAllOk(answers);
      for (const a of answers) {
        const out = JSON.parse(a.body.response) as string[];
        expect(out).to.have.length(urls.length);
        for (const line of out) expect(line).to.match(/^fetch refused/);
      }
    });

    it("still serves every node after all of the above", async () => {
      const { answers } = await execute({ code: `Lit.Actions.setResponse({ response: "alive" });` });
      expectAllOk(answers);
      for (const a of answers) expect(a.body.response).to.equal("alive");
    });
  });

  describe("Lit's own client (@lit-protocol/lit-node-client-nodejs 7.4.0)", () => {
    let lit: LitNodeClientNodeJs;
    let quiet: [typeof console.log, typeof console.warn, typeof console.error];
    before(async () => {
      quiet = [console.log, console.warn, console.error];
      console.log = console.warn = console.error = () => undefined;
      lit = new LitNodeClientNodeJs({
        litNetwork: "custom",
        rpcUrl: h.rpcUrl,
        checkNodeAttestation: false,
        debug: false,
        contractContext: { Staking: { address: h.addresses.staking, abi: [...STAKING_ABI] } },
      } as ConstructorParameters<typeof LitNodeClientNodeJs>[0]);
      await lit.connect();
    });
    after(async () => {
      await lit?.disconnect();
      [console.log, console.warn, console.error] = quiet;
    });

    it("executeJs with Lit.Actions.signEcdsa: the signature recovers to the PKP and setResponse comes back", async () => {
      const sessionSigs = await lit.getSessionSigs({
        chain: "ethereum",
        resourceAbilityRequests: [
          { resource: new LitActionResource("*"), ability: LIT_CLIENT_ABILITY.LitActionExecution },
        ],
        authNeededCallback: async ({ uri, expiration, resourceAbilityRequests }) => {
          const toSign = await createSiweMessageWithRecaps({
            uri: uri!,
            expiration: expiration!,
            resources: resourceAbilityRequests!,
            walletAddress: user.address,
            nonce: await lit.getLatestBlockhash(),
            litNodeClient: lit,
          });
          return generateAuthSig({ signer: user, toSign });
        },
      });
      const digest = getBytes(keccak256(toUtf8Bytes("Lit's client runs an action")));
      const result = await lit.executeJs({
        sessionSigs,
        code: `(async () => {
          await Lit.Actions.signEcdsa({ toSign, publicKey, sigName: "sig1" });
          Lit.Actions.setResponse({ response: JSON.stringify({ hello: "from the nodes" }) });
        })();`,
        jsParams: { toSign: [...digest], publicKey: pkp.pubkey },
      });
      expect(result.response).to.deep.equal({ hello: "from the nodes" });
      const sig = (result.signatures as Record<string, { signature: string }>).sig1;
      expect(recoverAddress(digest, sig.signature)).to.equal(pkp.address);
    });
  });
});
