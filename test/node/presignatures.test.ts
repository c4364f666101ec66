/**
 * Presignatures under attack and under faults, on 4 real node processes (t = 1).
 *
 * Node 4 turns malicious: it is killed with -9 and the test takes over its port with a server that
 * holds node 4's key and speaks the peer protocol, answering every `join` with a decision of the
 * test's choosing, signed by node 4. That is the leader of finding C1 of the security review: it
 * offers one presignature to two signing sets, or a presignature it does not own, or one it already
 * assigned. Every honest holder must refuse, and nothing it holds may change.
 *
 * Then node 4 stays down (1 of 4: inside the fault budget): the live nodes' pools refill without
 * it, signing goes on, sequentially and in bursts that drain the pools, and after node 4 comes
 * back everything signs again.
 */
import { createServer, type Server } from "node:http";
import path from "node:path";
import Database from "better-sqlite3";
import { expect } from "chai";
import { Wallet, ZeroAddress, getBytes, keccak256 } from "ethers";

import type { Validator } from "../../src/node/chain";
import { signEnvelope } from "../../src/node/peers/envelope";
import { PEER_ROUTE } from "../../src/node/peers/peers";
import { leaderOrder, type Decision, type JoinRequest } from "../../src/node/signing/leader";
import { USER_KEY } from "../helpers/network";
import { mintPkp, type TestPkp } from "../helpers/pkp";
import { combinedSigner, newRequestId, pkpSignAt, postNode, type NodeAnswer } from "../helpers/pkpSign";
import { LIT_ABILITY, getSessionSigs, pkpResource, requestAbility } from "../../src/sdk/session";
import { startHarness, type Harness, type HarnessNode } from "./harness";

interface StoredPresignature {
  id: string;
  owner: number;
  signingSet: number[];
  claimedBy: string | null;
}

/** A node's presignatures as its SQLite file has them (read-only, while the node runs). */
function presignaturesOf(node: HarnessNode): StoredPresignature[] {
  const db = new Database(path.join(node.dataDir, "node.db"), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare("SELECT id, owner, signing_set, claimed_by FROM presignatures WHERE signing_set IS NOT NULL")
      .all() as { id: string; owner: number; signing_set: string; claimed_by: string | null }[];
    return rows.map((r) => ({
      id: r.id,
      owner: r.owner,
      signingSet: JSON.parse(r.signing_set) as number[],
      claimedBy: r.claimed_by,
    }));
  } finally {
    db.close();
  }
}

const digestOf = (text: string) => getBytes(keccak256(Buffer.from(text)));
const reasonOf = (a: NodeAnswer): string | undefined =>
  (a.body.details as string[] | undefined)?.find((d) => d.startsWith("reason: "))?.slice("reason: ".length);

describe("presignatures (4 real node processes): a malicious leader, then a node down", function () {
  this.timeout(900_000);
  let h: Harness;
  let pkp: TestPkp;
  let sigs: Record<string, unknown>;
  let evil: Server | undefined;
  /** What the malicious node 4 decides for a join. */
  let decide: (join: JoinRequest) => Decision;
  /** Harness nodes by validator index (Staking orders validators its own way). */
  const byIndex = new Map<number, HarnessNode>();
  const index = (node: HarnessNode) => [...byIndex].find(([, n]) => n === node)![0];
  const at = (i: number) => byIndex.get(i)!;

  /** A request id whose first leader is node `i` (every joiner asks it first). */
  function requestLedBy(i: number): string {
    const validators = h.nodes.map((n) => ({ nodeAddress: n.address }) as Validator);
    for (;;) {
      const id = newRequestId();
      if (leaderOrder(id, "pkpSign", validators)[0].nodeAddress === at(i).address) return id;
    }
  }

  async function session(): Promise<Record<string, unknown>> {
    const user = new Wallet(USER_KEY, h.provider);
    const { sessionSigs } = await getSessionSigs({
      signer: user,
      nodeUrls: h.nodes.map((n) => n.url),
      latestBlockhash: (await h.provider.getBlock("latest"))!.hash!,
      resourceAbilityRequests: [requestAbility(pkpResource(pkp.tokenId), LIT_ABILITY.pkpSigning)],
      chainId: 31337,
    });
    return sessionSigs;
  }

  /** Node 4 killed, and its port answered by a server holding its key that decides as `decide` says. */
  async function turnNode4Malicious(): Promise<void> {
    const node4 = at(4);
    await h.killNode(node4, "SIGKILL");
    const wallet = new Wallet(node4.key);
    evil = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        res.setHeader("content-type", "application/json");
        if (req.method === "GET") return res.end("{}");
        if (req.url !== PEER_ROUTE) return res.writeHead(404).end("{}");
        const envelope = JSON.parse(body) as { kind: string; payload: JoinRequest };
        if (envelope.kind !== "join") return res.end(JSON.stringify({ ok: true }));
        const decision = decide(envelope.payload);
        const reply = signEnvelope(
          {
            from: wallet.address,
            to: ZeroAddress,
            session: `decision/${decision.requestId}`,
            kind: "decision",
            round: 0,
            payload: decision,
          },
          wallet,
        );
        res.end(JSON.stringify({ ok: true, reply }));
      });
    });
    await new Promise<void>((resolve) => evil!.listen(node4.port, "127.0.0.1", resolve));
  }

  before(async () => {
    h = await startHarness({
      n: 4,
      pools: { pkpKeys: 2, presignatures: 24, keyBatch: 2, presignatureBatch: 6 },
    });
    await h.waitReady({ pkpKeys: 2, presignatures: 24, timeoutMs: 600_000 });
    for (const n of h.nodes) byIndex.set((await h.status(n)).index as number, n);
    pkp = await mintPkp(h.contracts.pkpNft, new Wallet(USER_KEY, h.provider));
    sigs = await session();
  });
  after(async () => {
    await new Promise((r) => (evil ? evil.close(r) : r(undefined)));
    await h?.stop();
  });

  describe("a malicious leader (node 4, its key on the test's own server)", () => {
    let p: StoredPresignature;
    let honest: HarnessNode[];
    let outsider: HarnessNode;

    before(async () => {
      // A free presignature node 4 owns, the two honest members of its set and the node outside it.
      const owned = presignaturesOf(at(4)).filter((x) => x.owner === 4 && x.claimedBy === null);
      expect(owned.length, "node 4 owns free presignatures").to.be.greaterThan(1);
      p = owned[0];
      honest = p.signingSet.filter((i) => i !== 4).map(at);
      outsider = h.nodes.find((n) => !p.signingSet.includes(index(n)))!;
      await turnNode4Malicious();
    });

    it("refuses a presignature offered to a second signing set (409 WrongSigningSet, no share, still unused)", async () => {
      const secondSet = [index(honest[0]), index(outsider), 4].sort((a, b) => a - b);
      decide = (join) => ({ ...join, signingSet: secondSet, presignatureId: p.id });
      const answers = await pkpSignAt(
        [honest[0], outsider],
        sigs,
        pkp.pubkey,
        digestOf("m1"),
        requestLedBy(4),
      );
      expect(answers[0].status, JSON.stringify(answers[0].body)).to.equal(409);
      expect(reasonOf(answers[0])).to.equal("WrongSigningSet");
      expect(answers[0].body.signatureShare).to.equal(undefined);
      // The node outside P's set never held P: nothing to give.
      expect(answers[1].status).to.equal(404);
      expect(reasonOf(answers[1])).to.equal("PresignatureNotFound");
      expect(presignaturesOf(honest[0]).find((x) => x.id === p.id)?.claimedBy).to.equal(null);
    });

    it("gives its share once to the owner's decision for the right set, and refuses a second request for it (409 PresignatureAlreadyUsed)", async () => {
      decide = (join) => ({ ...join, signingSet: p.signingSet, presignatureId: p.id });
      const first = await pkpSignAt(honest, sigs, pkp.pubkey, digestOf("m1"), requestLedBy(4));
      for (const a of first) expect(a.status, JSON.stringify(a.body)).to.equal(200);
      for (const a of first) expect(a.body.signatureShare.result).to.equal("success");
      // The attack's second step: the same presignature for another message, to each holder.
      const again = await pkpSignAt(honest, sigs, pkp.pubkey, digestOf("m2"), requestLedBy(4));
      for (const a of again) {
        expect(a.status, JSON.stringify(a.body)).to.equal(409);
        expect(reasonOf(a)).to.equal("PresignatureAlreadyUsed");
        expect(a.body.signatureShare).to.equal(undefined);
      }
    });

    it("refuses a presignature decided by a node that does not own it (409 NotPresignatureOwner)", async () => {
      const foreign = presignaturesOf(at(1)).find((x) => x.owner === 1 && x.claimedBy === null)!;
      decide = (join) => ({ ...join, signingSet: foreign.signingSet, presignatureId: foreign.id });
      const members = foreign.signingSet.filter((i) => i !== 4).map(at);
      const answers = await pkpSignAt(members, sigs, pkp.pubkey, digestOf("m3"), requestLedBy(4));
      for (const a of answers) {
        expect(a.status, JSON.stringify(a.body)).to.equal(409);
        expect(reasonOf(a)).to.equal("NotPresignatureOwner");
      }
      for (const m of members)
        expect(presignaturesOf(m).find((x) => x.id === foreign.id)?.claimedBy).to.equal(null);
    });

    it("refuses presignature batches node 4 may not start, and message kinds nobody handles (M1, H3)", async () => {
      const wallet = new Wallet(at(4).key);
      const send = (to: HarnessNode, kind: string, payload: unknown) =>
        postNode(
          to,
          PEER_ROUTE,
          signEnvelope(
            {
              from: wallet.address,
              to: to.address,
              session: `x/${kind}/${Math.random()}`,
              kind,
              round: 0,
              payload,
            },
            wallet,
          ),
        );
      const start = (extra: Record<string, unknown>) => ({
        session: `presign/2/4/${Date.now()}/${Math.random()}`,
        owner: 4,
        signingSet: [1, 2, 4],
        count: 1,
        ...extra,
      });
      const refusals: [Record<string, unknown>, RegExp][] = [
        [{ owner: 2 }, /started by its owner only/],
        [{ signingSet: [1, 2, 3, 4] }, /has 3 members, not 4/],
        [{ signingSet: [2, 3, 4] }, /include the owner and this node/],
        [{ signingSet: [2, 1, 4] }, /ascending/],
        [{ signingSet: [1, 4, 9] }, /non-validator/],
        [{ count: 65 }, /at most 64/],
      ];
      for (const [extra, why] of refusals) {
        const a = await send(at(1), "presign-start", start(extra));
        expect(a.status, JSON.stringify(extra)).to.equal(409);
        expect(a.body.message).to.match(why);
      }
      // Two batches of one owner may run at a member; a third is refused while they do.
      for (const k of [1, 2])
        expect((await send(at(1), "presign-start", start({}))).status, `batch ${k}`).to.equal(200);
      const third = await send(at(1), "presign-start", start({}));
      expect(third.status).to.equal(409);
      expect(third.body.message).to.match(/2 batches in flight/);
      // The spent notices of the old design are gone: an unknown kind is refused, not queued.
      const spent = await send(at(1), "spent", { marks: [{ id: p.id, requestKey: "x" }] });
      expect(spent.status).to.equal(400);
      expect(reasonOf(spent)).to.equal("UnknownPeerKind");
      // A network-key DKG start: not from the coordinator (node 1 is live before node 4), and never
      // again once the key exists, even from the coordinator's own key.
      const dkg = { purpose: "network-key", count: 1, participants: h.nodes.map((n) => n.address) };
      const fromNode4 = await send(at(2), "start", { ...dkg, session: "network-key/2/0/evil" });
      expect(fromNode4.status).to.equal(409);
      expect(fromNode4.body.message).to.match(/not the coordinator/);
      const coordinator = new Wallet(at(1).key);
      const replay = await postNode(
        at(2),
        PEER_ROUTE,
        signEnvelope(
          {
            from: coordinator.address,
            to: at(2).address,
            session: "network-key/2/0/replayed",
            kind: "start",
            round: 0,
            payload: { ...dkg, session: "network-key/2/0/replayed" },
          },
          coordinator,
        ),
      );
      expect(replay.status).to.equal(409);
      expect(replay.body.message).to.match(/network key exists/);
    });
  });

  describe("node 4 down (kill -9): the live nodes refill without it and keep signing", () => {
    let live: HarnessNode[];

    before(async () => {
      await new Promise((r) => evil!.close(r));
      evil = undefined;
      live = [1, 2, 3].map(at);
    });

    it("signs 30 times in a row with node 4 down, 0 failures, from pools refilled by nodes 1–3 only", async () => {
      for (let k = 0; k < 30; k++) {
        const digest = digestOf(`down ${k}`);
        const answers = await pkpSignAt(live, sigs, pkp.pubkey, digest);
        for (const a of answers) expect(a.status, `request ${k}: ${JSON.stringify(a.body)}`).to.equal(200);
        expect(combinedSigner(answers, digest)).to.equal(pkp.address);
      }
      const made = presignaturesOf(at(1)).filter((x) => x.owner === 1);
      expect(
        made.some((x) => !x.signingSet.includes(4)),
        "new sets without node 4",
      ).to.equal(true);
    });

    it("serves a burst of 40 concurrent requests that drains the pools (requests wait for refills), 0 failures", async () => {
      const results = await Promise.all(
        Array.from({ length: 40 }, async (_, k) => {
          const digest = digestOf(`burst ${k}`);
          const answers = await pkpSignAt(live, sigs, pkp.pubkey, digest);
          const bad = answers.find((a) => a.status !== 200);
          if (bad) return `request ${k}: ${bad.status} ${JSON.stringify(bad.body)}`;
          return combinedSigner(answers, digest) === pkp.address ? "ok" : `request ${k}: wrong signer`;
        }),
      );
      expect(results.filter((r) => r !== "ok")).to.deep.equal([]);
    });

    it("no presignature served two requests: every holder claimed each one for the same request", () => {
      const claims = new Map<string, Set<string>>();
      for (const n of h.nodes)
        for (const x of presignaturesOf(n))
          if (x.claimedBy !== null) claims.set(x.id, (claims.get(x.id) ?? new Set()).add(x.claimedBy));
      expect(claims.size).to.be.at.least(60);
      expect([...claims].filter(([, requests]) => requests.size > 1)).to.deep.equal([]);
    });

    it("signs with all four again once node 4 is back", async () => {
      await h.startNode(at(4));
      sigs = await session();
      const digest = digestOf("back");
      const answers = await pkpSignAt(h.nodes, sigs, pkp.pubkey, digest);
      for (const a of answers) expect(a.status, JSON.stringify(a.body)).to.equal(200);
      expect(combinedSigner(answers, digest)).to.equal(pkp.address);
    });
  });
});
