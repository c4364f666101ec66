import { expect } from "chai";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { randomBytes } from "@noble/hashes/utils";
import { ConflictError, NotFoundError } from "../../src/node/errors";
import { NodeStore, SealedValueError, WrongStorageKeyError } from "../../src/node/storage";

const STORE_MODULE = path.resolve(__dirname, "../../src/node/storage");
const bytes = (text: string) => new TextEncoder().encode(text);

describe("NodeStore", () => {
  let dir: string;
  let nodeKey: Uint8Array;
  let store: NodeStore;
  const reopen = (key = nodeKey) => {
    store.close();
    store = NodeStore.open({ dataDir: dir, nodeSecretKey: key });
    return store;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pkp-store-"));
    nodeKey = randomBytes(32);
    store = NodeStore.open({ dataDir: dir, nodeSecretKey: nodeKey });
  });

  afterEach(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("open", () => {
    it("uses WAL with synchronous=FULL and a private file", () => {
      const db = new Database(store.file, { readonly: true });
      expect(db.pragma("journal_mode", { simple: true })).to.equal("wal");
      db.close();
      const raw = store as unknown as { db: Database.Database };
      expect(raw.db.pragma("synchronous", { simple: true })).to.equal(2); // FULL
      expect(fs.statSync(store.file).mode & 0o777).to.equal(0o600);
      expect(fs.statSync(dir).mode & 0o777).to.equal(0o700);
    });

    it("refuses a node secret key shorter than 32 bytes", () => {
      expect(() => NodeStore.open({ dataDir: dir, nodeSecretKey: randomBytes(31) })).to.throw(
        RangeError,
        "32 bytes",
      );
    });

    it("refuses to open a database with another node's key", () => {
      store.putKeyShare("k1", bytes("share"));
      store.close();
      expect(() => NodeStore.open({ dataDir: dir, nodeSecretKey: randomBytes(32) }))
        .to.throw(WrongStorageKeyError)
        .with.property("reason", "WrongNodeKey");
      store = NodeStore.open({ dataDir: dir, nodeSecretKey: nodeKey });
      expect(store.getKeyShare("k1")).to.deep.equal(bytes("share"));
    });
  });

  describe("key shares", () => {
    it("round-trip, also after reopening", () => {
      const a = randomBytes(32);
      const b = randomBytes(97);
      store.putKeyShare("key-a", a);
      store.putKeyShare("key-b", b);
      expect(store.getKeyShare("key-a")).to.deep.equal(a);
      reopen();
      expect(store.getKeyShare("key-b")).to.deep.equal(b);
      expect(store.keyShareIds()).to.deep.equal(["key-a", "key-b"]);
      expect(store.getKeyShare("key-c")).to.equal(undefined);
    });

    it("are never replaced by a different share; an identical re-insert is a no-op", () => {
      const a = randomBytes(32);
      store.putKeyShare("key-a", a);
      store.putKeyShare("key-a", a);
      expect(() => store.putKeyShare("key-a", randomBytes(32)))
        .to.throw(ConflictError)
        .with.property("reason", "KeyShareExists");
      expect(store.getKeyShare("key-a")).to.deep.equal(a);
    });

    it("refuse empty and oversized key ids", () => {
      expect(() => store.putKeyShare("", bytes("x"))).to.throw(RangeError, "key id");
      expect(() => store.getKeyShare("k".repeat(257))).to.throw(RangeError, "key id");
    });

    it("are not stored in clear on disk", () => {
      const marker = bytes("THIS-IS-A-SECRET-SHARE-MARKER");
      store.putKeyShare("key-a", marker);
      store.kvPut("state", marker);
      store.insertPresignatures([{ id: "p", value: marker }]);
      const files = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f)));
      for (const f of files) expect(f.includes(Buffer.from(marker))).to.equal(false);
    });

    it("refuse a value tampered with on disk", () => {
      store.putKeyShare("key-a", randomBytes(32));
      store.close();
      const db = new Database(path.join(dir, "node.db"));
      const { value } = db.prepare("SELECT value FROM key_shares WHERE key_id = 'key-a'").get() as {
        value: Buffer;
      };
      value[20] ^= 1;
      db.prepare("UPDATE key_shares SET value = ? WHERE key_id = 'key-a'").run(value);
      db.close();
      store = NodeStore.open({ dataDir: dir, nodeSecretKey: nodeKey });
      expect(() => store.getKeyShare("key-a"))
        .to.throw(SealedValueError)
        .with.property("reason", "SealedValueRejected");
    });

    it("refuse a value moved to another row or table", () => {
      store.putKeyShare("key-a", randomBytes(32));
      store.putKeyShare("key-b", randomBytes(32));
      store.close();
      const db = new Database(path.join(dir, "node.db"));
      const { value } = db.prepare("SELECT value FROM key_shares WHERE key_id = 'key-a'").get() as {
        value: Buffer;
      };
      db.prepare("UPDATE key_shares SET value = ? WHERE key_id = 'key-b'").run(value);
      db.prepare("INSERT INTO network_key_shares (key_id, value, created_at) VALUES ('key-a', ?, 0)").run(
        value,
      );
      db.close();
      store = NodeStore.open({ dataDir: dir, nodeSecretKey: nodeKey });
      expect(() => store.getKeyShare("key-b")).to.throw(SealedValueError);
      expect(() => store.getNetworkKeyShare("key-a")).to.throw(SealedValueError);
      expect(store.getKeyShare("key-a")).to.have.length(32);
    });
  });

  describe("the network key share", () => {
    it("round-trips by key id, also after reopening", () => {
      const share = randomBytes(32);
      store.putNetworkKeyShare("epoch-1", share);
      reopen();
      expect(store.getNetworkKeyShare("epoch-1")).to.deep.equal(share);
      expect(store.getNetworkKeyShare("epoch-2")).to.equal(undefined);
      expect(() => store.putNetworkKeyShare("epoch-1", randomBytes(32))).to.throw(ConflictError);
    });
  });

  describe("presignatures", () => {
    const batch = (n: number, prefix = "p") =>
      Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, value: randomBytes(64) }));

    it("insert in batches and count the unused ones", () => {
      const b = batch(10);
      store.insertPresignatures(b);
      expect(store.countUnusedPresignatures()).to.equal(10);
      expect(store.unusedPresignatureIds(3)).to.deep.equal(["p0", "p1", "p2"]);
      expect(store.claimForUse("p1", "lit_req1")).to.deep.equal(b[1].value);
      expect(store.countUnusedPresignatures()).to.equal(9);
      expect(store.unusedPresignatureIds(3)).to.deep.equal(["p0", "p2", "p3"]);
    });

    it("refuse a batch with an id already stored, keeping none of it", () => {
      store.insertPresignatures(batch(2));
      expect(() => store.insertPresignatures([...batch(2, "q"), { id: "p1", value: randomBytes(8) }]))
        .to.throw(ConflictError)
        .with.property("reason", "PresignatureExists");
      expect(store.countUnusedPresignatures()).to.equal(2);
    });

    it("rejects a presignature used twice, by the same or another request", () => {
      store.insertPresignatures(batch(1));
      store.claimForUse("p0", "lit_a");
      expect(() => store.claimForUse("p0", "lit_a"))
        .to.throw(ConflictError)
        .with.property("reason", "PresignatureAlreadyUsed");
      expect(() => store.claimForUse("p0", "lit_b")).to.throw(ConflictError, "already used (by lit_a)");
      expect(store.presignatureClaim("p0")).to.deep.include({ requestId: "lit_a" });
    });

    it("rejects a presignature used twice across a restart", () => {
      store.insertPresignatures(batch(2));
      store.claimForUse("p0", "lit_a");
      reopen();
      expect(() => store.claimForUse("p0", "lit_b")).to.throw(ConflictError);
      expect(store.countUnusedPresignatures()).to.equal(1);
    });

    it("erases a claimed presignature's value, so resetting its mark on disk cannot revive it", () => {
      store.insertPresignatures(batch(1));
      store.claimForUse("p0", "lit_a");
      store.close();
      const db = new Database(path.join(dir, "node.db"));
      db.prepare("UPDATE presignatures SET claimed_by = NULL WHERE id = 'p0'").run();
      db.close();
      store = NodeStore.open({ dataDir: dir, nodeSecretKey: nodeKey });
      expect(() => store.claimForUse("p0", "lit_b")).to.throw(SealedValueError);
    });

    it("refuses an unknown presignature", () => {
      expect(() => store.claimForUse("nope", "lit_a"))
        .to.throw(NotFoundError)
        .with.property("reason", "PresignatureNotFound");
    });

    it("refuses a tampered presignature and leaves it unclaimed", () => {
      store.insertPresignatures(batch(1));
      store.close();
      const db = new Database(path.join(dir, "node.db"));
      const { value } = db.prepare("SELECT value FROM presignatures WHERE id = 'p0'").get() as {
        value: Buffer;
      };
      value[value.length - 1] ^= 0x80;
      db.prepare("UPDATE presignatures SET value = ? WHERE id = 'p0'").run(value);
      db.close();
      store = NodeStore.open({ dataDir: dir, nodeSecretKey: nodeKey });
      expect(() => store.claimForUse("p0", "lit_a")).to.throw(SealedValueError);
      expect(store.presignatureClaim("p0")).to.equal(undefined);
    });
  });

  describe("key shares in batches, routed on chain", () => {
    it("insert a batch in one transaction and count the routed ones", () => {
      store.putKeyShares([
        { keyId: "0x04aa", share: bytes("a") },
        { keyId: "0x04bb", share: bytes("b") },
      ]);
      expect(store.countKeyShares()).to.deep.equal({ total: 2, routed: 0 });
      expect(store.markKeySharesRouted(["0x04aa", "0x04cc"])).to.equal(1);
      expect(store.markKeySharesRouted(["0x04aa"])).to.equal(0);
      reopen();
      expect(store.countKeyShares()).to.deep.equal({ total: 2, routed: 1 });
      expect(store.getKeyShare("0x04bb")).to.deep.equal(bytes("b"));
    });

    it("refuse a batch holding a different share for a stored key, keeping none of it", () => {
      store.putKeyShare("0x04aa", bytes("a"));
      expect(() =>
        store.putKeyShares([
          { keyId: "0x04bb", share: bytes("b") },
          { keyId: "0x04aa", share: bytes("other") },
        ]),
      )
        .to.throw(ConflictError)
        .with.property("reason", "KeyShareExists");
      expect(store.keyShareIds()).to.deep.equal(["0x04aa"]);
      expect(() => store.putKeyShares([{ keyId: "", share: bytes("x") }])).to.throw(RangeError, "key id");
      expect(() => store.markKeySharesRouted([""])).to.throw(RangeError, "key id");
    });
  });

  describe("presignatures assigned by a leader", () => {
    const value = () => randomBytes(48);

    it("are picked free, oldest first, by their holders and an owner filter", () => {
      store.insertPresignatures([
        { id: "a", value: value(), holders: [1, 2, 3, 4] },
        { id: "b", value: value(), holders: [1, 2, 3] },
        { id: "c", value: value() },
        { id: "d", value: value(), holders: [2, 3, 4] },
      ]);
      expect(store.freePresignatureIds()).to.deep.equal(["a", "b", "c", "d"]);
      expect(store.freePresignatureIds({ limit: 2 })).to.deep.equal(["a", "b"]);
      expect(store.freePresignatureIds({ limit: 0 })).to.deep.equal([]);
      expect(store.freePresignatureIds({ holdersInclude: [1, 2, 3] })).to.deep.equal(["a", "b"]);
      expect(store.freePresignatureIds({ holdersInclude: [2, 4] })).to.deep.equal(["a", "d"]);
      expect(store.freePresignatureIds({ holdersInclude: [1, 5] })).to.deep.equal([]);
      expect(store.freePresignatureIds({ holdersInclude: [1], filter: (id) => id !== "a" })).to.deep.equal([
        "b",
      ]);
      expect(store.presignatureHolders("b")).to.deep.equal([1, 2, 3]);
      expect(store.presignatureHolders("c")).to.equal(undefined);
      expect(store.presignatureHolders("zz")).to.equal(undefined);
    });

    it("count a participant as a holder only once it confirmed, and only for rows this store has", () => {
      store.insertPresignatures([
        { id: "a", value: value(), holders: [2] },
        { id: "b", value: value(), holders: [2] },
      ]);
      expect(store.freePresignatureIds({ holdersInclude: [1, 2] })).to.deep.equal([]);
      expect(store.usablePresignatureCount(2)).to.equal(0);
      expect(store.addPresignatureHolder(["a", "b", "unknown"], 1)).to.equal(2);
      expect(store.usablePresignatureCount(2)).to.equal(2);
      expect(store.addPresignatureHolder(["a"], 1)).to.equal(0);
      expect(store.addPresignatureHolder(["a"], 3)).to.equal(1);
      expect(store.presignatureHolders("a")).to.deep.equal([1, 2, 3]);
      expect(store.freePresignatureIds({ holdersInclude: [1, 2, 3] })).to.deep.equal(["a"]);
      expect(store.freePresignatureIds({ holdersInclude: [1, 2] })).to.deep.equal(["a", "b"]);
      expect(store.usablePresignatureCount(3)).to.equal(1);
      expect(() => store.addPresignatureHolder(["a"], 0)).to.throw(RangeError, "holders");
      expect(() => store.addPresignatureHolder([""], 1)).to.throw(RangeError);
      expect(store.presignatureHolders("a")).to.deep.equal([1, 2, 3]);
    });

    it("refuse holders that are not positive integers", () => {
      expect(() => store.insertPresignatures([{ id: "a", value: value(), holders: [0, 1] }])).to.throw(
        RangeError,
        "holders",
      );
      expect(() => store.insertPresignatures([{ id: "a", value: value(), holders: [1.5] }])).to.throw(
        RangeError,
        "holders",
      );
      expect(() => store.freePresignatureIds({ holdersInclude: [-1] })).to.throw(RangeError, "holders");
      expect(store.countUnusedPresignatures()).to.equal(0);
    });

    it("go free → assigned → used, and only the assigned request may claim one", () => {
      const v = value();
      store.insertPresignatures([{ id: "cc", value: v, holders: [1, 2, 3, 4] }]);
      expect(store.presignatureState("cc")).to.equal("free");
      expect(store.assignPresignature("cc", "req1")).to.equal(true);
      expect(store.assignPresignature("cc", "req2")).to.equal(false);
      expect(store.assignPresignature("nope", "req2")).to.equal(false);
      expect(store.presignatureState("cc")).to.equal("assigned");
      expect(store.freePresignatureIds()).to.deep.equal([]);
      expect(store.countUnusedPresignatures()).to.equal(1);
      expect(store.presignatureCounts()).to.deep.equal({ free: 0, assigned: 1, used: 0 });
      expect(() => store.claimForUse("cc", "req2"))
        .to.throw(ConflictError, "assigned to another request")
        .with.property("reason", "PresignatureAssigned");
      expect(store.presignatureClaim("cc")).to.equal(undefined);
      expect(store.claimForUse("cc", "req1")).to.deep.equal(v);
      expect(store.presignatureState("cc")).to.equal("used");
      expect(store.presignatureCounts()).to.deep.equal({ free: 0, assigned: 0, used: 1 });
      expect(store.assignPresignature("cc", "req3")).to.equal(false);
      expect(store.presignatureState("zz")).to.equal(undefined);
    });

    it("keep the leader's decision with the assignment, sealed and durable across a restart", () => {
      store.insertPresignatures([
        { id: "p1", value: value() },
        { id: "p2", value: value() },
      ]);
      const decision = { requestId: "lit_1", signingSet: [1, 2, 3], presignatureId: "p1" };
      expect(store.assignPresignature("p1", "lit_1\0pkpSign", decision)).to.equal(true);
      expect(store.leaderDecision("lit_2\0pkpSign")).to.equal(undefined);
      reopen();
      expect(store.leaderDecision("lit_1\0pkpSign")).to.deep.equal(decision);
      expect(store.presignatureState("p1")).to.equal("assigned");
      const files = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f)));
      for (const f of files) expect(f.includes(Buffer.from("signingSet"))).to.equal(false);
      expect(() => store.leaderDecision("")).to.throw(RangeError, "request id");
    });

    it("refuse a second decision for a request and leave the second presignature free", () => {
      store.insertPresignatures([
        { id: "p1", value: value() },
        { id: "p2", value: value() },
      ]);
      store.assignPresignature("p1", "lit_1", { presignatureId: "p1" });
      expect(() => store.assignPresignature("p2", "lit_1", { presignatureId: "p2" }))
        .to.throw(ConflictError)
        .with.property("reason", "DecisionExists");
      expect(store.presignatureState("p2")).to.equal("free");
      expect(store.leaderDecision("lit_1")).to.deep.equal({ presignatureId: "p1" });
    });

    it("refuse a decision sealed for another request", () => {
      store.insertPresignatures([
        { id: "p1", value: value() },
        { id: "p2", value: value() },
      ]);
      store.assignPresignature("p1", "lit_1", { presignatureId: "p1" });
      store.assignPresignature("p2", "lit_2", { presignatureId: "p2" });
      store.close();
      const db = new Database(path.join(dir, "node.db"));
      const { value: sealed } = db
        .prepare("SELECT value FROM decisions WHERE request_id = 'lit_1'")
        .get() as {
        value: Buffer;
      };
      db.prepare("UPDATE decisions SET value = ? WHERE request_id = 'lit_2'").run(sealed);
      db.close();
      store = NodeStore.open({ dataDir: dir, nodeSecretKey: nodeKey });
      expect(() => store.leaderDecision("lit_2")).to.throw(SealedValueError);
    });

    it("record the owner and the one signing set each was made for", () => {
      store.insertPresignatures([
        { id: "a", value: value(), owner: 1, signingSet: [3, 1, 2] },
        { id: "b", value: value() },
      ]);
      reopen();
      expect(store.presignatureOrigin("a")).to.deep.equal({ owner: 1, signingSet: [1, 2, 3] });
      expect(store.presignatureOrigin("b")).to.deep.equal({ owner: undefined, signingSet: undefined });
      expect(store.presignatureOrigin("zz")).to.equal(undefined);
      expect(() => store.presignatureOrigin("")).to.throw(RangeError, "presignature id");
      expect(() => store.insertPresignatures([{ id: "c", value: value(), signingSet: [0, 1] }])).to.throw(
        RangeError,
      );
    });

    it("list an owner's free presignatures with their signing sets and confirmed holders", () => {
      store.insertPresignatures([
        { id: "a", value: value(), owner: 2, signingSet: [1, 2, 3], holders: [2] },
        { id: "b", value: value(), owner: 2, signingSet: [2, 3, 4], holders: [2] },
        { id: "c", value: value(), owner: 1, signingSet: [1, 2, 3], holders: [1] },
      ]);
      store.addPresignatureHolder(["a"], 3);
      store.assignPresignature("b", "lit_1");
      expect(store.freePresignaturesOf(2)).to.deep.equal([
        { id: "a", signingSet: [1, 2, 3], holders: [2, 3] },
      ]);
      expect(store.freePresignaturesOf(1, 1).map((p) => p.id)).to.deep.equal(["c"]);
    });

    it("adds the new columns to a database made by the earlier schema", () => {
      store.close();
      const old = path.join(dir, "old");
      fs.mkdirSync(old);
      const db = new Database(path.join(old, "node.db"));
      db.exec(`
        CREATE TABLE key_shares (key_id TEXT PRIMARY KEY, value BLOB NOT NULL, created_at INTEGER NOT NULL) STRICT;
        CREATE TABLE presignatures (id TEXT PRIMARY KEY, value BLOB NOT NULL, created_at INTEGER NOT NULL,
          claimed_by TEXT, claimed_at INTEGER) STRICT;
      `);
      db.close();
      store = NodeStore.open({ dataDir: old, nodeSecretKey: nodeKey });
      store.insertPresignatures([{ id: "a", value: value(), holders: [1, 2, 3] }]);
      expect(store.freePresignatureIds({ holdersInclude: [1, 2, 3] })).to.deep.equal(["a"]);
      store.putKeyShares([{ keyId: "k", share: bytes("k") }]);
      expect(store.markKeySharesRouted(["k"])).to.equal(1);
    });
  });

  describe("kv", () => {
    it("puts, overwrites, reads and deletes, also after reopening", () => {
      store.kvPutJson("pool", { target: 10, epoch: 3 });
      store.kvPutJson("pool", { target: 20, epoch: 3 });
      reopen();
      expect(store.kvGetJson("pool")).to.deep.equal({ target: 20, epoch: 3 });
      expect(store.kvDelete("pool")).to.equal(true);
      expect(store.kvDelete("pool")).to.equal(false);
      expect(store.kvGet("pool")).to.equal(undefined);
    });
  });

  describe("when a process is killed with -9 in the middle of claims", function () {
    this.timeout(120_000);

    /** A child process (ts-node) that claims ids in order and prints each id once its claim returned. */
    function claimer(
      ids: string[],
      tag: string,
    ): { done: Promise<string[]>; kill: () => void; lines: string[] } {
      const code = `
        const { NodeStore } = require(${JSON.stringify(STORE_MODULE)});
        const store = NodeStore.open({ dataDir: ${JSON.stringify(dir)}, nodeSecretKey: Buffer.from(${JSON.stringify(Buffer.from(nodeKey).toString("hex"))}, "hex") });
        for (const id of ${JSON.stringify(ids)}) {
          try { store.claimForUse(id, ${JSON.stringify(tag)} + ":" + id); process.stdout.write("claimed " + id + "\\n"); }
          catch (e) { if (e.reason !== "PresignatureAlreadyUsed") throw e; }
        }
        store.close();
      `;
      const child = spawn(process.execPath, ["-r", "ts-node/register", "-e", code], {
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
        stdio: ["ignore", "pipe", "inherit"],
      });
      const lines: string[] = [];
      let buffer = "";
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        const parts = buffer.split("\n");
        buffer = parts.pop() as string;
        for (const p of parts) if (p.startsWith("claimed ")) lines.push(p.slice(8));
      });
      const done = new Promise<string[]>((resolve) => child.on("exit", () => resolve(lines)));
      return { done, kill: () => child.kill("SIGKILL"), lines };
    }

    async function waitFor(check: () => boolean): Promise<void> {
      while (!check()) await new Promise((r) => setTimeout(r, 5));
    }

    it("loses no claim and never hands a presignature out twice", async () => {
      const ids = Array.from({ length: 400 }, (_, i) => `pre-${String(i).padStart(4, "0")}`);
      store.insertPresignatures(ids.map((id) => ({ id, value: randomBytes(64) })));
      store.close();

      const first = claimer(ids, "run1");
      await waitFor(() => first.lines.length >= 25);
      first.kill();
      const printed = await first.done;
      expect(printed.length).to.be.below(ids.length, "the child finished before it was killed");

      store = NodeStore.open({ dataDir: dir, nodeSecretKey: nodeKey });
      const claimed = ids.filter((id) => store.presignatureClaim(id) !== undefined);
      // Everything reported as claimed is durably claimed, by that run; at most the one in flight more.
      for (const id of printed) expect(store.presignatureClaim(id)?.requestId).to.equal(`run1:${id}`);
      expect(claimed.slice(0, printed.length)).to.deep.equal(printed);
      expect(claimed.length - printed.length).to.be.within(0, 1);
      expect(store.countUnusedPresignatures()).to.equal(ids.length - claimed.length);
      for (const id of claimed) expect(() => store.claimForUse(id, "again")).to.throw(ConflictError);
      const db = store as unknown as { db: Database.Database };
      expect(db.db.pragma("integrity_check", { simple: true })).to.equal("ok");
      store.close();

      // A second run, after the crash, claims only what the first did not.
      const second = await claimer(ids, "run2").done;
      store = NodeStore.open({ dataDir: dir, nodeSecretKey: nodeKey });
      expect(second).to.deep.equal(ids.filter((id) => !claimed.includes(id)));
      expect(store.countUnusedPresignatures()).to.equal(0);
    });

    it("gives each presignature to one of two processes claiming at once", async () => {
      const ids = Array.from({ length: 150 }, (_, i) => `pre-${i}`);
      store.insertPresignatures(ids.map((id) => ({ id, value: randomBytes(64) })));
      store.close();
      const [a, b] = await Promise.all([claimer(ids, "a").done, claimer([...ids].reverse(), "b").done]);
      store = NodeStore.open({ dataDir: dir, nodeSecretKey: nodeKey });
      expect(a.filter((id) => b.includes(id))).to.deep.equal([]);
      expect([...a, ...b].sort()).to.deep.equal([...ids].sort());
      for (const id of a) expect(store.presignatureClaim(id)?.requestId).to.equal(`a:${id}`);
    });
  });
});
