import { expect } from "chai";
import { existsSync } from "node:fs";
import path from "node:path";
import { hkdf } from "@noble/hashes/hkdf";
import { sha256 } from "@noble/hashes/sha2";
import { hexToBytes, utf8ToBytes } from "@noble/hashes/utils";
import { x25519 } from "@noble/curves/ed25519";
import { Wallet, keccak256 } from "ethers";
import { nodeUrl, sortValidators, tokenIdOf } from "../../src/node/chain";
import { nodeCommand } from "../../src/node/command";
import { parseNodeConfig } from "../../src/node/config";
import { commsKeyFromUint, deriveCommsKeyPair } from "../../src/node/keys";
import { LeaderBook, leaderOrder, type Decision, type LeaderOptions } from "../../src/node/signing/leader";

const KEY = "0x" + "11".repeat(32);
const ADDR = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

function config(overrides: Record<string, unknown> = {}) {
  return {
    host: "127.0.0.1",
    port: 7470,
    dataDir: "/tmp/node-a",
    nodePrivateKey: KEY,
    rpcUrl: "http://127.0.0.1:8545",
    chainId: 31337,
    contracts: { staking: ADDR, pubkeyRouter: ADDR, pkpNft: ADDR, pkpPermissions: ADDR },
    ...overrides,
  };
}

describe("node units", () => {
  describe("parseNodeConfig", () => {
    it("accepts the design's config and fills the pool and timeout defaults", () => {
      const c = parseNodeConfig(config());
      expect(c.pools).to.deep.equal({ pkpKeys: 4, presignatures: 64, keyBatch: 4, presignatureBatch: 16 });
      expect(c.timeouts).to.deep.equal({ peerMs: 5000, roundMs: 15000, presignWaitMs: 20000 });
      expect(c.logLevel).to.equal("info");
    });

    it("refuses a relative data directory, a malformed key and a bad address, naming each field", () => {
      expect(() =>
        parseNodeConfig(config({ dataDir: "rel", nodePrivateKey: "0x12", contracts: { staking: "x" } })),
      ).to.throw(/dataDir[\s\S]*nodePrivateKey[\s\S]*contracts.staking/);
    });

    it("refuses a port out of range", () => {
      expect(() => parseNodeConfig(config({ port: 70000 }))).to.throw(/port/);
    });
  });

  describe("deriveCommsKeyPair", () => {
    it("is HKDF-SHA256(nodePrivateKey, 'pkp-network', 'comms-x25519') as an x25519 key, registered big-endian", () => {
      const k = deriveCommsKeyPair(KEY);
      const secret = hkdf(
        sha256,
        hexToBytes(KEY.slice(2)),
        utf8ToBytes("pkp-network"),
        utf8ToBytes("comms-x25519"),
        32,
      );
      expect(k.secretKey).to.deep.equal(secret);
      expect(k.publicKey).to.deep.equal(x25519.getPublicKey(secret));
      expect(commsKeyFromUint(k.publicKeyUint)).to.deep.equal(k.publicKey);
      expect(deriveCommsKeyPair(KEY).publicKeyUint).to.equal(k.publicKeyUint);
    });

    it("refuses a malformed node key", () => {
      expect(() => deriveCommsKeyPair("0x1234")).to.throw(/64 hex/);
    });
  });

  describe("nodeCommand", () => {
    it("runs the transpiled main.js with no node snapshot and source maps, with an absolute config path", () => {
      const c = nodeCommand("rel/config.json");
      expect(c.command).to.equal(process.execPath);
      expect(c.args.slice(0, 2)).to.deep.equal(["--no-node-snapshot", "--enable-source-maps"]);
      expect(c.args[2]).to.match(/dist\/runtime\/src\/node\/main\.js$/);
      expect(existsSync(c.args[2])).to.equal(true);
      expect(c.args[3]).to.equal("--config");
      expect(path.isAbsolute(c.args[4])).to.equal(true);
    });
  });

  describe("chain helpers", () => {
    it("turns a big-endian uint32 IPv4 address and a port into a URL", () => {
      expect(nodeUrl(2130706433n, 7470n)).to.equal("http://127.0.0.1:7470");
    });

    it("sorts validators by address ascending and numbers them from 1", () => {
      const list = [
        "0x00000000000000000000000000000000000000ff",
        "0x0000000000000000000000000000000000000001",
      ].map((a) => ({ nodeAddress: a, url: a, commsKey: new Uint8Array(32) }));
      const sorted = sortValidators(list);
      expect(sorted.map((v) => v.index)).to.deep.equal([1, 2]);
      expect(sorted[0].nodeAddress.toLowerCase()).to.equal("0x0000000000000000000000000000000000000001");
    });

    it("computes a PKP's token id as keccak256 of its public key", () => {
      const pub = "0x04" + "ab".repeat(64);
      expect(tokenIdOf(pub)).to.equal(BigInt(keccak256(pub)));
    });
  });

  describe("signing leader", () => {
    const validators = sortValidators(
      Array.from({ length: 4 }, () => Wallet.createRandom()).map((w) => ({
        nodeAddress: w.address,
        url: w.address,
        commsKey: new Uint8Array(32),
      })),
    );
    const join = { requestId: "lit_01", sigName: "pkpSign", pubkey: "0x04aa", hash: "0x01" };
    /** A leader whose pool holds presignatures for `sets` (each used once), refilling or not. */
    const book = (sets: number[][], more: Partial<LeaderOptions> = {}) => {
      const free = sets.map((set, k) => ({ set, id: `p${k}` }));
      return new LeaderBook({
        quorum: () => 3,
        live: () => 4,
        me: () => 1,
        refilling: () => false,
        poolWaitMs: 1000,
        decide: (j, joiners): Decision | undefined => {
          const k = free.findIndex((p) => p.set.every((i) => joiners.includes(i)));
          if (k < 0) return undefined;
          const [p] = free.splice(k, 1);
          return { ...j, signingSet: p.set, presignatureId: p.id };
        },
        ...more,
      });
    };

    it("orders validators the same way for everyone, and differently per request", () => {
      const a = leaderOrder("lit_01", "pkpSign", validators);
      expect(leaderOrder("lit_01", "pkpSign", [...validators].reverse())).to.deep.equal(a);
      const orders = new Set(
        Array.from({ length: 12 }, (_, k) => leaderOrder(`lit_${k}`, "pkpSign", validators)[0].nodeAddress),
      );
      expect(orders.size).to.be.greaterThan(1);
    });

    it("decides the set of a presignature once its members joined, and tells a late joiner the same", async () => {
      const leader = book([[1, 2, 4]]);
      const first = await Promise.all([
        leader.join(join, 4, 2000),
        leader.join(join, 2, 2000),
        leader.join(join, 1, 2000),
      ]);
      for (const d of first) expect(d).to.deep.include({ signingSet: [1, 2, 4], presignatureId: "p0" });
      const late = await leader.join(join, 3, 10);
      expect(late.signingSet).to.deep.equal([1, 2, 4]);
    });

    it("waits for the members of a set to join: three joins that fit no presignature are not enough", async () => {
      const leader = book([[1, 2, 4]]);
      const early = [leader.join(join, 1, 2000), leader.join(join, 2, 2000), leader.join(join, 3, 2000)];
      let settled = false;
      void Promise.all(early).then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 50));
      expect(settled).to.equal(false);
      const d = await leader.join(join, 4, 2000);
      expect(d.signingSet).to.deep.equal([1, 2, 4]);
      for (const e of await Promise.all(early)) expect(e.presignatureId).to.equal("p0");
    });

    it("refuses at once when every live node joined, nothing fits and the pool cannot refill", async () => {
      const leader = book([[1, 2, 3]], { live: () => 3 });
      const answers = await Promise.allSettled([
        leader.join(join, 1, 5000),
        leader.join(join, 2, 5000),
        leader.join(join, 4, 5000),
      ]);
      for (const a of answers) {
        expect(a.status).to.equal("rejected");
        expect(String((a as PromiseRejectedResult).reason)).to.match(/not refilling/);
        expect((a as PromiseRejectedResult).reason.reason).to.equal("NoFreePresignature");
      }
    });

    it("waits for a refilling pool, decides when retry() finds a presignature, and gives up after the wait", async () => {
      const sets: number[][] = [];
      const leader = new LeaderBook({
        quorum: () => 3,
        live: () => 3,
        me: () => 1,
        refilling: () => true,
        poolWaitMs: 300,
        decide: (j, joiners) => {
          const set = sets.find((s) => s.every((i) => joiners.includes(i)));
          return set && { ...j, signingSet: set, presignatureId: "fresh" };
        },
      });
      const waiting = [leader.join(join, 1, 5000), leader.join(join, 2, 5000), leader.join(join, 3, 5000)];
      await new Promise((r) => setTimeout(r, 50));
      sets.push([1, 2, 3]);
      leader.retry();
      for (const d of await Promise.all(waiting)) expect(d.presignatureId).to.equal("fresh");
      const other = { ...join, requestId: "lit_02" };
      const late = await Promise.allSettled([1, 2, 4].map((i) => leader.join(other, i, 5000)));
      for (const a of late) expect(String((a as PromiseRejectedResult).reason)).to.match(/within 300 ms/);
    });

    it("sends everyone on to the next leader when a quorum joined without it (its presignatures all need it)", async () => {
      const lonely = book([], { me: () => 1, live: () => 4, selfGraceMs: 50 });
      const refused = await Promise.allSettled([2, 3, 4].map((i) => lonely.join(join, i, 5000)));
      for (const a of refused)
        expect(String((a as PromiseRejectedResult).reason)).to.match(/not among the nodes that joined/);
    });

    it("does not count joins for another hash towards the quorum, and fails after the wait", async () => {
      const leader = book([[1, 2, 3]]);
      const waits = [
        leader.join(join, 1, 300),
        leader.join({ ...join, hash: "0x02" }, 2, 300),
        leader.join(join, 3, 300),
      ];
      for (const w of waits) {
        let error: unknown;
        await w.catch((e) => (error = e));
        expect(String(error)).to.match(/fewer than 3 nodes joined/);
      }
    });
  });
});
