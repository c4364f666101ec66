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
import { LeaderBook, leaderOrder, presignatureOwner, type Decision } from "../../src/node/signing/leader";

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
      expect(c.pools).to.deep.equal({ pkpKeys: 4, presignatures: 16, keyBatch: 4, presignatureBatch: 8 });
      expect(c.timeouts).to.deep.equal({ peerMs: 5000, roundMs: 15000 });
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
    const decide = (j: typeof join, set: number[]): Decision => ({
      ...j,
      signingSet: set,
      presignatureId: "p",
    });

    it("orders validators the same way for everyone, and differently per request", () => {
      const a = leaderOrder("lit_01", "pkpSign", validators);
      expect(leaderOrder("lit_01", "pkpSign", [...validators].reverse())).to.deep.equal(a);
      const orders = new Set(
        Array.from({ length: 12 }, (_, k) => leaderOrder(`lit_${k}`, "pkpSign", validators)[0].nodeAddress),
      );
      expect(orders.size).to.be.greaterThan(1);
    });

    it("decides once 2t+1 joins with the same (pubkey, hash) arrive, and tells a late joiner the same set", async () => {
      const book = new LeaderBook(() => 3, decide);
      const first = await Promise.all([
        book.join(join, 4, 2000),
        book.join(join, 2, 2000),
        book.join(join, 1, 2000),
      ]);
      for (const d of first) expect(d.signingSet).to.deep.equal([1, 2, 4]);
      const late = await book.join(join, 3, 10);
      expect(late.signingSet).to.deep.equal([1, 2, 4]);
    });

    it("does not count joins for another hash towards the quorum, and fails after the wait", async () => {
      const book = new LeaderBook(() => 3, decide);
      const waits = [
        book.join(join, 1, 300),
        book.join({ ...join, hash: "0x02" }, 2, 300),
        book.join(join, 3, 300),
      ];
      for (const w of waits) {
        let error: unknown;
        await w.catch((e) => (error = e));
        expect(String(error)).to.match(/fewer than 3 nodes joined/);
      }
    });

    it("spreads presignature ownership over the leaders", () => {
      const owners = new Set(
        Array.from({ length: 40 }, (_, k) => presignatureOwner(keccak256(Uint8Array.of(k)).slice(2), 4)),
      );
      expect([...owners].sort()).to.deep.equal([1, 2, 3, 4]);
    });
  });
});
