/**
 * Real node processes (spawned with `nodeCommand`) on a real chain (`hardhat node`), one network for
 * the whole file: the network key voted, keys routed by DKG, a minted PKP signing through
 * /web/pkp/sign/v1, every refusal, and a node killed with -9 and restarted.
 */
import { expect } from "chai";
import { Chain } from "../../src/node/chain";
import { randomBytes } from "node:crypto";
import { Interface, Wallet, computeAddress, getBytes, keccak256 } from "ethers";
import { LIT_ABILITY, getSessionSigs, pkpResource, requestAbility } from "../../src/sdk/session";
import { combinedSigner, pkpSignAt, postNode, type NodeAnswer } from "../helpers/pkpSign";
import { startHarness, type Harness, type HarnessNode } from "./harness";

const USER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"; // hardhat #1
const OTHER_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"; // hardhat #2

type Answer = NodeAnswer<HarnessNode>;

describe("node processes (4 nodes, real chain)", function () {
  this.timeout(900_000);
  let h: Harness;
  let user: Wallet;
  let other: Wallet;
  let pkp: { tokenId: bigint; pubkey: string; address: string };

  async function mint(owner: Wallet): Promise<{ tokenId: bigint; pubkey: string; address: string }> {
    const nft = h.contracts.pkpNft.connect(owner) as typeof h.contracts.pkpNft;
    const tx = await nft.mintNext(2, { value: 1n });
    const receipt = await tx.wait();
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

  async function latestBlockhash(): Promise<string> {
    return (await h.provider.getBlock("latest"))!.hash!;
  }

  async function sessionFor(
    signer: Wallet,
    tokenId: bigint,
    options: { nonce?: string; expiration?: Date; now?: Date } = {},
  ) {
    const { sessionSigs } = await getSessionSigs({
      signer,
      nodeUrls: h.nodes.map((n) => n.url),
      latestBlockhash: options.nonce ?? (await latestBlockhash()),
      resourceAbilityRequests: [requestAbility(pkpResource(tokenId), LIT_ABILITY.pkpSigning)],
      chainId: 31337,
      ...(options.expiration ? { expiration: options.expiration } : {}),
      ...(options.now ? { now: () => options.now! } : {}),
    });
    return sessionSigs;
  }

  const post = postNode<HarnessNode>;
  const signAll = (
    sigs: Record<string, unknown>,
    pubkey: string,
    digest: Uint8Array,
    nodes: HarnessNode[] = h.nodes,
    requestId?: string,
  ): Promise<Answer[]> => pkpSignAt(nodes, sigs, pubkey, digest, requestId);
  const combine = combinedSigner;

  before(async () => {
    h = await startHarness({
      n: 4,
      pools: { pkpKeys: 2, presignatures: 12, keyBatch: 2, presignatureBatch: 12 },
    });
    await h.waitReady({ pkpKeys: 2, presignatures: 12, timeoutMs: 600_000 });
    user = new Wallet(USER_KEY, h.provider);
    other = new Wallet(OTHER_KEY, h.provider);
    pkp = await mint(user);
  });
  after(async () => {
    await h?.stop();
  });

  describe("keys", () => {
    it("votes the network BLS key (48 bytes, from the DKG) into PubkeyRouter, and every handshake shows it", async () => {
      const roots = (await h.contracts.pubkeyRouter.getRootKeys(h.addresses.staking)) as {
        pubkey: string;
        keyType: bigint;
      }[];
      expect(roots).to.have.length(1);
      expect(roots[0].keyType).to.equal(1n);
      expect(getBytes(roots[0].pubkey)).to.have.length(48);
      for (const n of h.nodes) {
        const a = await post(n, "/web/handshake/", { clientPublicKey: "test", challenge: "ab", epoch: 2 });
        expect(a.status).to.equal(200);
        expect(a.body.networkPublicKey).to.equal(roots[0].pubkey.slice(2));
        expect(a.body.subnetPublicKey).to.match(/^[0-9a-f]{96}$/);
        expect(a.body.hdRootPubkeys).to.deep.equal([]);
        expect(a.body.latestBlockhash).to.match(/^0x[0-9a-f]{64}$/);
      }
    });

    it("takes a vote that comes too late for data: 'already' (PubkeyRouter's custom error decoded), not a failure", async () => {
      const roots = (await h.contracts.pubkeyRouter.getRootKeys(h.addresses.staking)) as { pubkey: string }[];
      const chain = new Chain(h.rpcUrl, 31337, h.nodes[0].key, h.addresses);
      try {
        expect(await chain.voteForRootKeys(getBytes(roots[0].pubkey))).to.equal("already");
      } finally {
        chain.destroy();
      }
    });

    it("routes DKG keys with setRoutingDataBatch carrying 2t+1 validator signatures", async () => {
      const logs = await h.contracts.pubkeyRouter.queryFilter(
        h.contracts.pubkeyRouter.filters.PubkeyRoutingDataSet(),
        0,
      );
      expect(logs.length).to.be.at.least(2);
      const tx = await h.provider.getTransaction(logs[0].transactionHash);
      const call = h.contracts.pubkeyRouter.interface.parseTransaction({ data: tx!.data })!;
      expect(call.name).to.equal("setRoutingDataBatch");
      for (const sigs of call.args.signatures as unknown[][]) expect(sigs.length).to.equal(3);
    });
  });

  describe("/web/pkp/sign/v1", () => {
    it("signs for the owner: 2t+1 weighted shares add up to a signature that recovers to the PKP's address", async () => {
      const digest = getBytes(keccak256(Buffer.from("hello pkp")));
      const answers = await signAll(await sessionFor(user, pkp.tokenId), pkp.pubkey, digest);
      for (const a of answers) expect(a.status, JSON.stringify(a.body)).to.equal(200);
      const members = answers.filter((a) => a.body.signatureShare.result === "success");
      const others = answers.filter((a) => a.body.signatureShare.result === "fail");
      expect(members).to.have.length(3);
      expect(others).to.have.length(1);
      expect(others[0].body.signatureShare.signature_share).to.equal("");
      for (const m of members) {
        expect(m.body.signatureShare.signature_share).to.match(/^[0-9a-f]{64}$/);
        expect(m.body.signatureShare.public_key).to.equal(pkp.pubkey.slice(2).toLowerCase());
      }
      expect(new Set(members.map((m) => m.body.pkpNetwork.presignatureId)).size).to.equal(1);
      expect(combine(answers, digest)).to.equal(pkp.address);
    });

    it("signs for a permitted address with scope 1, and refuses it one block after the permission is revoked", async () => {
      const perms = h.contracts.pkpPermissions.connect(user) as typeof h.contracts.pkpPermissions;
      await (await perms.addPermittedAddress(pkp.tokenId, other.address, [1n])).wait();
      const digest = getBytes(keccak256(Buffer.from("permitted")));
      const sigs = await sessionFor(other, pkp.tokenId);
      const ok = await signAll(sigs, pkp.pubkey, digest);
      for (const a of ok) expect(a.status).to.equal(200);
      expect(combine(ok, digest)).to.equal(pkp.address);
      await (await perms.removePermittedAddress(pkp.tokenId, other.address)).wait();
      const refused = await signAll(sigs, pkp.pubkey, digest);
      for (const a of refused) {
        expect(a.status).to.equal(403);
        expect(a.body.details).to.include("reason: NotOwnerOrPermitted");
        expect(a.body.signatureShare).to.equal(undefined);
      }
    });

    describe("refusals (each a 4xx, no share)", () => {
      const digest = getBytes(keccak256(Buffer.from("refused")));

      it("refuses an address that is neither owner nor permitted (403 NotPermitted)", async () => {
        const [a] = await signAll(await sessionFor(other, pkp.tokenId), pkp.pubkey, digest, [h.nodes[0]]);
        expect(a.status).to.equal(403);
        expect(a.body.errorCode).to.equal("NotPermitted");
        expect(a.body.details).to.include("reason: NotOwnerOrPermitted");
      });

      it("refuses an expired session (401)", async () => {
        const past = new Date(Date.now() - 3 * 3600_000);
        const sigs = await sessionFor(user, pkp.tokenId, {
          now: past,
          expiration: new Date(past.getTime() + 3600_000),
        });
        const [a] = await signAll(sigs, pkp.pubkey, digest, [h.nodes[0]]);
        expect(a.status).to.equal(401);
        expect(a.body.errorCode).to.equal("SessionExpired");
      });

      it("refuses a session signature bound to another node's URL (401)", async () => {
        const sigs = await sessionFor(user, pkp.tokenId);
        const a = await post(
          h.nodes[0],
          "/web/pkp/sign/v1",
          { toSign: [...digest], pubkey: pkp.pubkey, authSig: sigs[h.nodes[1].url], epoch: 2 },
          "lit_abcd01",
        );
        expect(a.status).to.equal(401);
        expect(JSON.stringify(a.body.details)).to.match(/node|Node/);
      });

      it("refuses a SIWE nonce that is not a block hash of this chain (401)", async () => {
        const sigs = await sessionFor(user, pkp.tokenId, { nonce: "0x" + randomBytes(32).toString("hex") });
        const [a] = await signAll(sigs, pkp.pubkey, digest, [h.nodes[0]]);
        expect(a.status).to.equal(401);
        expect(JSON.stringify(a.body.details)).to.match(/[Nn]once/);
      });

      it("refuses a session signed by another session key (401)", async () => {
        const sigs = await sessionFor(user, pkp.tokenId);
        const forged = { ...(sigs[h.nodes[0].url] as object), sig: "00".repeat(64) };
        const [a] = await signAll({ [h.nodes[0].url]: forged }, pkp.pubkey, digest, [h.nodes[0]]);
        expect(a.status).to.equal(401);
      });

      it("refuses a permitted address holding only scope 2 for a prehashed digest (403 ScopeNotSufficient)", async () => {
        const perms = h.contracts.pkpPermissions.connect(user) as typeof h.contracts.pkpPermissions;
        await (await perms.addPermittedAddress(pkp.tokenId, other.address, [2n])).wait();
        try {
          const [a] = await signAll(await sessionFor(other, pkp.tokenId), pkp.pubkey, digest, [h.nodes[0]]);
          expect(a.status).to.equal(403);
          expect(a.body.details).to.include("reason: ScopeNotSufficient");
        } finally {
          await (await perms.removePermittedAddress(pkp.tokenId, other.address)).wait();
        }
      });

      it("refuses a session whose capability is for another PKP (401/403, no share)", async () => {
        const sigs = await sessionFor(user, pkp.tokenId + 1n);
        const [a] = await signAll(sigs, pkp.pubkey, digest, [h.nodes[0]]);
        expect(a.status).to.be.oneOf([401, 403]);
        expect(a.body.signatureShare).to.equal(undefined);
      });

      it("refuses a burned PKP (403 PkpBurned)", async () => {
        const burned = await mint(user);
        const nft = h.contracts.pkpNft.connect(user) as typeof h.contracts.pkpNft;
        await (await nft.burn(burned.tokenId)).wait();
        const [a] = await signAll(await sessionFor(user, burned.tokenId), burned.pubkey, digest, [
          h.nodes[0],
        ]);
        expect(a.status).to.equal(403);
        expect(a.body.details).to.include("reason: PkpBurned");
      });

      it("refuses a malformed body (400 with the invalid field), a body that is not JSON, and a missing X-Request-Id", async () => {
        const bad = await post(h.nodes[0], "/web/pkp/sign/v1", { toSign: [1, 2], pubkey: "0x04" }, "lit_01");
        expect(bad.status).to.equal(400);
        expect(bad.body.errorKind).to.equal("Validation");
        expect(JSON.stringify(bad.body.details)).to.match(/toSign/);
        const notJson = await post(h.nodes[0], "/web/pkp/sign/v1", "{nope", "lit_01");
        expect(notJson.status).to.equal(400);
        const noId = await post(h.nodes[0], "/web/pkp/sign/v1", { toSign: [...digest], pubkey: pkp.pubkey });
        expect(noId.status).to.equal(400);
        expect(noId.body.details).to.include("reason: MissingRequestId");
      });

      it("refuses an epoch that is neither the current nor the previous one (400 InvalidEpoch)", async () => {
        const sigs = await sessionFor(user, pkp.tokenId);
        for (const epoch of [0, 99]) {
          const a = await post(
            h.nodes[0],
            "/web/pkp/sign/v1",
            { toSign: [...digest], pubkey: pkp.pubkey, authSig: sigs[h.nodes[0].url], epoch },
            `lit_epoch${epoch}`,
          );
          expect(a.status).to.equal(400);
          expect(a.body.details).to.include("reason: InvalidEpoch");
          expect(a.body.signatureShare).to.equal(undefined);
        }
      });

      it("refuses an oversized body (413)", async () => {
        const a = await post(h.nodes[0], "/web/pkp/sign/v1", { pad: "x".repeat(1024 * 1024 + 10) }, "lit_02");
        expect(a.status).to.equal(413);
        expect(a.body.errorCode).to.equal("PayloadTooLarge");
      });

      it("is still serving after every refusal", async () => {
        for (const n of h.nodes) {
          const res = await fetch(n.url + "/status");
          expect(res.status).to.equal(200);
        }
      });
    });
  });

  describe("restarts", () => {
    it("a member killed with -9 and restarted refuses to reuse its presignature and signs again with the same key", async () => {
      const digest = getBytes(keccak256(Buffer.from("before the crash")));
      const requestId = `lit_${randomBytes(16).toString("hex")}`;
      const sigs = await sessionFor(user, pkp.tokenId);
      const first = await signAll(sigs, pkp.pubkey, digest, h.nodes, requestId);
      expect(combine(first, digest)).to.equal(pkp.address);
      const member = first.find((a) => a.body.signatureShare.result === "success")!.node;

      await h.killNode(member, "SIGKILL");
      await h.startNode(member);

      // The same request again: the leader repeats its decision; the restarted member refuses the used presignature.
      const again = await post(
        member,
        "/web/pkp/sign/v1",
        { toSign: [...digest], pubkey: pkp.pubkey, authSig: sigs[member.url], epoch: 2 },
        requestId,
      );
      expect(again.status).to.equal(409);
      expect(again.body.details).to.include("reason: PresignatureAlreadyUsed");

      const digest2 = getBytes(keccak256(Buffer.from("after the crash")));
      const answers = await signAll(sigs, pkp.pubkey, digest2);
      for (const a of answers) expect(a.status, JSON.stringify(a.body)).to.equal(200);
      expect(combine(answers, digest2)).to.equal(pkp.address);
    });
  });
});
