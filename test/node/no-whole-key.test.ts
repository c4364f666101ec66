/**
 * No node's storage or memory holds a whole key (issue 4, "Tests that must exist"). A real 4-node
 * network (t = 1) makes its keys by DKG; a PKP is minted and signs once through the SDK. The test then
 * does what no node can: it opens every node's store with that node's key, takes the shares, and
 * rebuilds each whole key itself. With those keys in hand it shows that
 *   - fewer shares than the sharing's degree + 1 (any t for a PKP key) interpolate to something else,
 *     while 2t+1 (and already t+1, the PKP keys being degree-t sharings) rebuild the key;
 *   - no decrypted value any node stores, and no byte of any node process's memory (read through
 *     /proc/<pid>/mem, sandbox children included), holds any form of a whole key — while the same
 *     memory scan does find each node's own node key, so the search is able to see secrets;
 *   - the database files on disk, and the logs, hold no share or presignature secret in the clear.
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { Wallet, computeAddress, getBytes, hexlify, keccak256, recoverAddress, toUtf8Bytes } from "ethers";
import { blsG1Group, secp256k1Group, type Group } from "../../src/crypto/group";
import { interpolateAtZero } from "../../src/crypto/polynomial";
import { keyShareFromJson, type KeyShare } from "../../src/node/protocols/codec";
import { NodeStore } from "../../src/node/storage";
import { nodeSecretBytes } from "../../src/node/keys";
import { connect, pkpSign } from "../../src/sdk";
import { dumpNodeStore, storeFiles, type StoreDump } from "../helpers/nodeStorage";
import { startNetworkWithPkp } from "../helpers/network";
import { signingSessionSigs, type TestPkp } from "../helpers/pkp";
import { processTree, scanProcessMemory } from "../helpers/processMemory";
import { formsIn, secretForms } from "../helpers/secrets";
import type { Harness } from "./harness";

/** A whole key the network made, rebuilt by this test from the nodes' shares. */
interface WholeKey {
  label: string;
  group: Group;
  /** Degree of the sharing polynomial (as every node recorded it). */
  degree: number;
  shares: Map<number, bigint>;
  publicKey: Uint8Array;
  secret: bigint;
}

/** Every subset of `items` of size `k`. */
function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, k - 1).map((s) => [first, ...s]), ...subsets(rest, k)];
}

function interpolate(key: WholeKey, indices: readonly number[]): bigint {
  return interpolateAtZero(key.group, new Map(indices.map((i) => [i, key.shares.get(i)!])));
}

const publicOf = (group: Group, x: bigint): Uint8Array => group.pointToBytes(group.G.multiply(x));

/** Every 64-hex scalar field (secretShare, kInvShare, zPrimeShare, …) of a decrypted JSON value. */
function secretScalars(plain: Uint8Array): bigint[] {
  if (plain.length === 0) return [];
  const out: bigint[] = [];
  const walk = (v: unknown, name: string) => {
    if (typeof v === "string" && /share$/i.test(name) && /^[0-9a-f]{64}$/.test(v)) out.push(BigInt("0x" + v));
    else if (v !== null && typeof v === "object")
      for (const [k, w] of Object.entries(v as Record<string, unknown>)) walk(w, k);
  };
  try {
    walk(JSON.parse(new TextDecoder().decode(plain)), "");
  } catch {
    /* not JSON: no named scalars */
  }
  return out;
}

describe("no node holds a whole key (4 real node processes, t = 1)", function () {
  this.timeout(900_000);
  let h: Harness;
  let pkp: TestPkp;
  /** Per node (harness order): its key shares as the node reads them through NodeStore. */
  const pkpShares: Map<string, KeyShare>[] = [];
  const networkShares: KeyShare[] = [];
  let keys: WholeKey[];
  let pkpKey: WholeKey;
  let networkKey: WholeKey;

  before(async () => {
    let user: Wallet;
    ({ h, user, pkp } = await startNetworkWithPkp(8));
    // Sign once, so that the key shares have been loaded and used by the nodes' signing code.
    const client = await connect({ provider: h.provider, staking: h.addresses.staking });
    const digest = getBytes(keccak256(toUtf8Bytes("no whole key")));
    const sig = await pkpSign({
      client,
      pubkey: pkp.pubkey,
      toSign: digest,
      sessionSigs: await signingSessionSigs(client, user, pkp.tokenId),
    });
    expect(recoverAddress(hexlify(digest), sig.signature)).to.equal(pkp.address);

    // Each node's shares, read with the node's own key the way the node reads them.
    for (const node of h.nodes) {
      const store = NodeStore.open({ dataDir: node.dataDir, nodeSecretKey: nodeSecretBytes(node.key) });
      try {
        const mine = new Map<string, KeyShare>();
        for (const id of store.keyShareIds())
          mine.set(
            id,
            keyShareFromJson(secp256k1Group, JSON.parse(Buffer.from(store.getKeyShare(id)!).toString())),
          );
        pkpShares.push(mine);
        const networkKeyId = store.kvGetJson<string>("networkKeyId");
        expect(networkKeyId, `${node.url} names its network key share`).to.be.a("string");
        networkShares.push(
          keyShareFromJson(
            blsG1Group,
            JSON.parse(Buffer.from(store.getNetworkKeyShare(networkKeyId!)!).toString()),
          ),
        );
      } finally {
        store.close();
      }
    }

    // The test's right, not a node's: rebuild every whole key from all the shares.
    const whole = (label: string, group: Group, list: KeyShare[]): WholeKey => {
      const degree = list[0].t;
      const shares = new Map(list.map((s) => [s.index, s.secretShare]));
      const secret = interpolateAtZero(group, shares);
      return { label, group, degree, shares, publicKey: group.pointToBytes(list[0].publicKey), secret };
    };
    const everyNode = [...pkpShares[0].keys()].filter((id) => pkpShares.every((m) => m.has(id)));
    keys = everyNode.map((id) =>
      whole(
        `PKP key ${id.slice(0, 12)}…`,
        secp256k1Group,
        pkpShares.map((m) => m.get(id)!),
      ),
    );
    pkpKey = keys[everyNode.indexOf(pkp.pubkey.toLowerCase())];
    networkKey = whole("network key", blsG1Group, networkShares);
    keys.push(networkKey);
  });

  after(async () => {
    await h?.stop();
  });

  describe("the shares", () => {
    it("every node holds one share of the minted PKP's key, at its own index, with a matching public share", () => {
      expect(pkpKey, "every node holds a share of the minted key").to.not.equal(undefined);
      const indices = pkpShares.map((m) => m.get(pkp.pubkey.toLowerCase())!.index).sort();
      expect(indices).to.deep.equal([1, 2, 3, 4]);
      for (const m of pkpShares) {
        const s = m.get(pkp.pubkey.toLowerCase())!;
        expect(hexlify(s.publicKey.toBytes(false))).to.equal(pkp.pubkey.toLowerCase());
        expect(s.publicKeyShares.get(s.index)!.equals(secp256k1Group.G.multiply(s.secretShare))).to.equal(
          true,
        );
        expect(s.secretShare).to.not.equal(pkpKey.secret);
      }
    });

    it("the PKP key is a degree-t sharing (t = 1) and the network key a degree-2t one, on every node", () => {
      for (const m of pkpShares) for (const s of m.values()) expect(s.t).to.equal(1);
      for (const s of networkShares) expect(s.t).to.equal(2);
    });

    it("2t+1 shares rebuild the PKP key: every 3 of the 4 interpolate to a scalar whose address is the PKP's", () => {
      const sets = subsets([1, 2, 3, 4], 3);
      expect(sets).to.have.length(4);
      for (const set of sets) {
        const x = interpolate(pkpKey, set);
        expect(hexlify(secp256k1Group.G.multiply(x).toBytes(false)), `set ${set}`).to.equal(
          pkp.pubkey.toLowerCase(),
        );
        expect(computeAddress("0x" + x.toString(16).padStart(64, "0"))).to.equal(pkp.address);
      }
    });

    it("t+1 shares already rebuild it (a degree-t sharing): every 2 of the 4", () => {
      for (const set of subsets([1, 2, 3, 4], 2))
        expect(interpolate(pkpKey, set), `set ${set}`).to.equal(pkpKey.secret);
    });

    it("no t shares rebuild it: each single share interpolates to a scalar that is not the key, nor has its public key", () => {
      const sets = subsets([1, 2, 3, 4], 1);
      expect(sets).to.have.length(4);
      for (const set of sets) {
        const x = interpolate(pkpKey, set);
        expect(x, `set ${set}`).to.not.equal(pkpKey.secret);
        expect(hexlify(publicOf(secp256k1Group, x))).to.not.equal(hexlify(pkpKey.publicKey));
      }
    });

    it("the same holds for every other pooled PKP key and for the network key (degree 2t: any 2 fail, any 3 succeed)", () => {
      expect(keys.length).to.be.at.least(3); // the minted key, at least one pooled key, the network key
      for (const key of keys) {
        const all = [...key.shares.keys()];
        expect(hexlify(publicOf(key.group, key.secret)), key.label).to.equal(hexlify(key.publicKey));
        for (const set of subsets(all, key.degree)) {
          const x = interpolate(key, set);
          expect(x, `${key.label}, set ${set}`).to.not.equal(key.secret);
          expect(hexlify(publicOf(key.group, x))).to.not.equal(hexlify(key.publicKey));
        }
        for (const set of subsets(all, key.degree + 1))
          expect(interpolate(key, set), `${key.label}, set ${set}`).to.equal(key.secret);
      }
      const network = Buffer.from(networkKey.publicKey).toString("hex");
      expect(network).to.have.length(96);
    });
  });

  describe("in memory, while the nodes run", () => {
    it("no node process (sandbox children included) holds any form of any whole key; the scan does find each node's own node key", () => {
      for (const node of h.nodes) {
        const needles: Record<string, Uint8Array> = {
          "own node key (hex)": Buffer.from(node.key.slice(2).toLowerCase(), "latin1"),
        };
        for (const key of [pkpKey, networkKey])
          for (const [form, bytes] of Object.entries(secretForms(key.secret)))
            needles[`${key.label}: ${form}`] = bytes;
        const pids = processTree(node.process!.pid!);
        const found = new Set<string>();
        let bytesRead = 0;
        for (const pid of pids) {
          const scan = scanProcessMemory(pid, needles);
          bytesRead += scan.bytesRead;
          for (const [name, seen] of Object.entries(scan.found)) if (seen) found.add(name);
        }
        expect(bytesRead, `${node.url}: memory read`).to.be.greaterThan(10 * 1024 * 1024);
        expect([...found].sort(), `${node.url} (pids ${pids.join(", ")})`).to.deep.equal([
          "own node key (hex)",
        ]);
      }
    });
  });

  describe("in storage, after the nodes stop", () => {
    const dumps: StoreDump[] = [];

    before(async () => {
      for (const node of h.nodes) await h.killNode(node, "SIGTERM");
      for (const node of h.nodes) dumps.push(dumpNodeStore(node.dataDir, node.key));
    });

    it("every stored row of every node opens with that node's key (nothing escapes the search)", () => {
      for (const [k, dump] of dumps.entries()) {
        expect(dump.unopened, h.nodes[k].url).to.deep.equal([]);
        const total = Object.values(dump.rows).reduce((a, b) => a + b, 0);
        expect(dump.values).to.have.length(total);
        expect(dump.rows.key_shares).to.be.at.least(2);
        expect(dump.rows.network_key_shares).to.equal(1);
        expect(dump.rows.presignatures).to.be.at.least(8);
      }
    });

    it("no decrypted value (key shares, presignatures, kv, decisions, meta) contains any form of any whole key", () => {
      let searched = 0;
      for (const [k, dump] of dumps.entries()) {
        for (const v of dump.values) {
          searched++;
          for (const key of keys) {
            const hits = formsIn(v.plain, secretForms(key.secret));
            expect(hits, `${h.nodes[k].url} ${v.table}/${v.rowKey} holds ${key.label}`).to.deep.equal([]);
          }
        }
      }
      expect(searched).to.be.greaterThan(4 * 12);
    });

    it("the database files on disk and the node logs hold no key share, no presignature secret and no whole key in the clear", () => {
      for (const [k, dump] of dumps.entries()) {
        const node = h.nodes[k];
        const secrets = dump.values.flatMap((v) => secretScalars(v.plain));
        // Key shares (PKP and network) and each unused presignature's two secret shares.
        expect(secrets.length, node.url).to.be.at.least(dump.rows.key_shares + 1);
        const files = [...storeFiles(node.dataDir), path.join(node.dataDir, "node.log")];
        expect(files.length).to.be.at.least(2);
        for (const file of files) {
          const bytes = fs.readFileSync(file);
          expect(formsIn(bytes, { check: Buffer.from("pkp-network storage key check") }), file).to.deep.equal(
            [],
          );
          for (const s of [...secrets, ...keys.map((key) => key.secret)]) {
            const forms = secretForms(s);
            const hits = formsIn(bytes, {
              be: forms["raw big-endian"],
              hex: forms["hex (lower case)"],
              HEX: forms["hex (upper case)"],
            });
            expect(hits, `${file} holds a secret in the clear`).to.deep.equal([]);
          }
        }
      }
    });
  });
});
