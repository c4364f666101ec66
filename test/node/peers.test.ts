import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { expect } from "chai";
import Fastify, { type FastifyInstance } from "fastify";
import { Wallet } from "ethers";
import { secp256k1Group } from "../../src/crypto/group";
import type { Validator } from "../../src/node/chain";
import { sortValidators } from "../../src/node/chain";
import { ConflictError, errorBody, NodeError } from "../../src/node/errors";
import { deriveCommsKeyPair, nodeSecretBytes } from "../../src/node/keys";
import { signEnvelope } from "../../src/node/peers/envelope";
import { PEER_ROUTE, PeerError, Peers } from "../../src/node/peers/peers";
import { SigningSessions } from "../../src/node/signing/session";
import { NodeStore } from "../../src/node/storage";
import { expectRejection } from "../helpers/expect";
import { runDkgBatch, runPresignBatch } from "../../src/node/protocols/runs";

interface Peer {
  wallet: Wallet;
  peers: Peers;
  app: FastifyInstance;
  me: Validator;
}

async function startPeers(n: number): Promise<{ list: Peer[]; validators: Validator[] }> {
  const wallets = Array.from({ length: n }, () => Wallet.createRandom());
  let validators: Validator[] = [];
  const started: { wallet: Wallet; peers: Peers; app: FastifyInstance; url: string }[] = [];
  for (const w of wallets) {
    const peers = new Peers(
      { address: w.address, wallet: new Wallet(w.privateKey), comms: deriveCommsKeyPair(w.privateKey) },
      () => validators,
      { peerMs: 2000, roundKinds: ["k", "dkg", "presign"] },
    );
    const app = Fastify();
    app.post(PEER_ROUTE, async (req, reply) => {
      try {
        return await peers.receive(req.body);
      } catch (e) {
        const err = e as NodeError;
        return reply.code(err.status ?? 500).send(errorBody(err, "test"));
      }
    });
    // Port 0: each server binds a port the kernel picks, and the validator list names what it got.
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address() as AddressInfo;
    started.push({ wallet: w as unknown as Wallet, peers, app, url: `http://127.0.0.1:${address.port}` });
  }
  validators = sortValidators(
    started.map((p) => ({
      nodeAddress: p.wallet.address,
      url: p.url,
      commsKey: deriveCommsKeyPair(p.wallet.privateKey).publicKey,
    })),
  );
  const list: Peer[] = started.map((p) => ({
    wallet: p.wallet,
    peers: p.peers,
    app: p.app,
    me: validators.find((v) => v.nodeAddress === p.wallet.address)!,
  }));
  return { list, validators };
}

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url + PEER_ROUTE, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe("peers (4 in-process peers over HTTP on 127.0.0.1)", function () {
  this.timeout(120_000);
  let net: Awaited<ReturnType<typeof startPeers>>;
  before(async () => {
    net = await startPeers(4);
  });
  after(async () => {
    await Promise.all(net.list.map((p) => p.app.close()));
  });

  describe("messages", () => {
    it("delivers a signed broadcast to every participant's mailbox, and a sealed secret only to its receiver", async () => {
      const [a] = net.list;
      await a.peers.broadcast(
        net.validators,
        { session: "s1", kind: "k", round: 1, payload: { hello: 1 } },
        (v) => ({
          for: v.index,
        }),
      );
      for (const p of net.list) {
        const got = await p.peers.mailbox.wait("s1", "k", 1, [a.me.index], 1000);
        expect(got.get(a.me.index)?.payload).to.deep.equal({ hello: 1 });
        expect(got.get(a.me.index)?.secret).to.deep.equal({ for: p.me.index });
      }
    });

    it("closes a round after the timeout with the participants that answered", async () => {
      const [a, b] = net.list;
      await a.peers.send(b.me, { session: "s2", kind: "k", round: 1, payload: 1 });
      const got = await b.peers.mailbox.wait(
        "s2",
        "k",
        1,
        net.validators.map((v) => v.index),
        300,
      );
      expect([...got.keys()]).to.deep.equal([a.me.index]);
    });

    it("keeps the first message of a sender in a round and ignores a duplicate", async () => {
      const [a, b] = net.list;
      await a.peers.send(b.me, { session: "s3", kind: "k", round: 1, payload: "first" });
      await a.peers.send(b.me, { session: "s3", kind: "k", round: 1, payload: "second" });
      const got = await b.peers.mailbox.wait("s3", "k", 1, [a.me.index], 100);
      expect(got.get(a.me.index)?.payload).to.equal("first");
    });
  });

  describe("refusals", () => {
    it("hands the sender a refusal as data: a PeerError with the peer's status and reason", async () => {
      const [a, b] = net.list;
      b.peers.on("refuse-for-test", () => {
        throw new ConflictError("nothing to give", { reason: "NoFreePresignature" });
      });
      const error = await expectRejection(
        a.peers.send(b.me, { session: "r", kind: "refuse-for-test", round: 0 }),
      );
      expect(error).to.be.instanceOf(PeerError);
      expect((error as PeerError).status).to.equal(409);
      expect((error as PeerError).reason).to.equal("NoFreePresignature");
      expect((error as PeerError).peer).to.equal(b.me.url);
    });

    it("an unreachable peer is a PeerError without status or reason", async () => {
      const [a] = net.list;
      const closed = Fastify();
      await closed.listen({ host: "127.0.0.1", port: 0 });
      const url = `http://127.0.0.1:${(closed.server.address() as AddressInfo).port}`;
      await closed.close();
      const error = await expectRejection(
        a.peers.send({ ...net.list[1].me, url }, { session: "u", kind: "k", round: 0 }, 500),
      );
      expect(error).to.be.instanceOf(PeerError);
      expect((error as PeerError).status).to.equal(undefined);
      expect((error as PeerError).reason).to.equal(undefined);
    });

    it("a leader refuses a malformed join (400 MalformedPeerPayload) and keeps serving", async () => {
      const [a, b] = net.list;
      const dir = mkdtempSync(path.join(os.tmpdir(), "pkp-peers-store-"));
      const store = NodeStore.open({ dataDir: dir, nodeSecretKey: nodeSecretBytes(b.wallet.privateKey) });
      try {
        const view = {
          address: b.wallet.address,
          validators: net.validators,
          epoch: 1,
          me: b.me,
          n: 4,
          t: 1,
          quorum: 3,
        };
        new SigningSessions({
          view,
          timeouts: { peerMs: 2000, roundMs: 2000, presignWaitMs: 0 },
          log: pino({ level: "silent" }),
          store,
          peers: b.peers,
          wallet: new Wallet(b.wallet.privateKey),
          pool: { refilling: () => false, wanted: () => undefined },
          liveCount: () => 4,
        });
        for (const payload of [
          {},
          { requestId: "lit_1", sigName: "s", pubkey: "not hex", hash: "0x00" },
          null,
        ]) {
          const e = a.peers.envelopeFor(b.me, { session: "join/x", kind: "join", round: 0, payload });
          const r = await post(b.me.url, e);
          expect(r.status).to.equal(400);
          expect(r.json.details).to.include("reason: MalformedPeerPayload");
        }
        await a.peers.send(b.me, { session: "after-join", kind: "k", round: 1, payload: "ok" });
        const got = await b.peers.mailbox.wait("after-join", "k", 1, [a.me.index], 1000);
        expect(got.get(a.me.index)?.payload).to.equal("ok");
      } finally {
        store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("refuses an envelope addressed to another node (401 WrongReceiver)", async () => {
      const [a, b, c] = net.list;
      const e = a.peers.envelopeFor(c.me, { session: "x", kind: "k", round: 1, payload: 1 });
      const r = await post(b.me.url, e);
      expect(r.status).to.equal(401);
      expect(r.json.details).to.include("reason: WrongReceiver");
    });

    it("refuses an envelope whose payload was changed after signing (401 BadEnvelopeSignature)", async () => {
      const [a, b] = net.list;
      const e = a.peers.envelopeFor(b.me, { session: "x", kind: "k", round: 1, payload: 1 });
      const r = await post(b.me.url, { ...e, payload: 2 });
      expect(r.status).to.equal(401);
      expect(r.json.details).to.include("reason: BadEnvelopeSignature");
    });

    it("refuses an envelope whose public key is not the sender's (401 BadEnvelopeSignature)", async () => {
      const [a, b, c] = net.list;
      // c signs a message claiming to be from a, with c's own key attached: the key's address is not a's.
      const forged = signEnvelope(
        { from: a.me.nodeAddress, to: b.me.nodeAddress, session: "x", kind: "k", round: 1, payload: 1 },
        new Wallet(c.wallet.privateKey),
      );
      const r1 = await post(b.me.url, forged);
      expect(r1.status).to.equal(401);
      expect(r1.json.details).to.include("reason: BadEnvelopeSignature");
      // a's real key attached to c's signature: the signature does not verify under a's key.
      const genuine = a.peers.envelopeFor(b.me, { session: "x", kind: "k", round: 1, payload: 1 });
      const r2 = await post(b.me.url, { ...forged, key: genuine.key });
      expect(r2.status).to.equal(401);
      expect(r2.json.details).to.include("reason: BadEnvelopeSignature");
      // and b still takes a's genuine messages afterwards
      await a.peers.send(b.me, { session: "x2", kind: "k", round: 1, payload: "ok" });
      const got = await b.peers.mailbox.wait("x2", "k", 1, [a.me.index], 1000);
      expect(got.get(a.me.index)?.payload).to.equal("ok");
    });

    it("refuses an envelope signed by a key that is not a validator (401 NotAValidator)", async () => {
      const [, b] = net.list;
      const stranger = Wallet.createRandom();
      const e = signEnvelope(
        { from: stranger.address, to: b.me.nodeAddress, session: "x", kind: "k", round: 1, payload: 1 },
        stranger as unknown as Wallet,
      );
      const r = await post(b.me.url, e);
      expect(r.status).to.equal(401);
      expect(r.json.details).to.include("reason: NotAValidator");
    });

    it("refuses a sealed payload that does not open (401 SealedPayloadRefused)", async () => {
      const [a, b] = net.list;
      const e = a.peers.envelopeFor(b.me, {
        session: "x",
        kind: "k",
        round: 1,
        payload: 1,
        secret: { s: 1 },
      });
      const flipped = e.sealed!.slice(0, -2) + (e.sealed!.endsWith("00") ? "01" : "00");
      const resigned = signEnvelope({ ...e, sealed: flipped }, new Wallet(a.wallet.privateKey));
      const r = await post(b.me.url, resigned);
      expect(r.status).to.equal(401);
      expect(r.json.details).to.include("reason: SealedPayloadRefused");
    });

    it("refuses a malformed envelope (400 MalformedEnvelope)", async () => {
      const [, b] = net.list;
      const r = await post(b.me.url, { from: "nope" });
      expect(r.status).to.equal(400);
      expect(r.json.details).to.include("reason: MalformedEnvelope");
    });
  });

  describe("protocol runs", () => {
    it("runs a batch of two secp256k1 DKGs: every node gets the same public keys", async () => {
      const results = await Promise.all(
        net.list.map((p) =>
          runDkgBatch(
            { peers: p.peers, me: p.me, participants: net.validators, roundMs: 10_000 },
            secp256k1Group,
            1,
            "dkg-test",
            2,
          ),
        ),
      );
      for (const k of [0, 1]) {
        const keys = results.map((r) => r[k].publicKey.toHex(true));
        expect(new Set(keys).size).to.equal(1);
        expect(results[0][k].qualified).to.deep.equal([1, 2, 3, 4]);
      }
      expect(results[0][0].publicKey.equals(results[0][1].publicKey)).to.equal(false);
    });

    it("runs a batch of presignatures: every node holds a part of the same ones, and all four hold them", async () => {
      const results = await Promise.all(
        net.list.map((p) =>
          runPresignBatch(
            { peers: p.peers, me: p.me, participants: net.validators, roundMs: 10_000 },
            1,
            "ps-test",
            2,
          ),
        ),
      );
      for (const k of [0, 1]) expect(new Set(results.map((r) => r[k].presignature.id)).size).to.equal(1);
      expect(results[0][0].holders).to.deep.equal([1, 2, 3, 4]);
    });

    it("finishes a DKG with a silent participant left out of QUAL (the round times out)", async () => {
      const live = net.list.slice(0, 3);
      const results = await Promise.all(
        live.map((p) =>
          runDkgBatch(
            { peers: p.peers, me: p.me, participants: net.validators, roundMs: 500 },
            secp256k1Group,
            1,
            "dkg-silent",
            1,
          ),
        ),
      );
      const silent = net.list[3].me.index;
      expect(results[0][0].qualified).to.not.include(silent);
      expect(new Set(results.map((r) => r[0].publicKey.toHex(true))).size).to.equal(1);
    });
  });
});
