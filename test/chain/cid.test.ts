import { expect } from "chai";
import { createHash } from "node:crypto";
import { base58btc } from "multiformats/bases/base58";

import { bytesToCid, cidOf, cidToBytes, isCid } from "../../src/protocol/cid";
import { InvalidCidError } from "../../src/chain/errors";

// A second, independent computation of `ipfs add`'s CIDv0 for the cross-check below, written from the
// dag-pb and UnixFS protobuf specs: leaves are PBNode{Data: UnixFS{Type: File, Data, filesize}}, the
// root is PBNode{Links (Hash, Name "", Tsize), Data: UnixFS{Type: File, filesize, blocksizes}}; links
// are encoded before data. Only one level of links (≤ 174 chunks) is needed for these sizes.
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const field = (tag: number, wire: number) => varint((tag << 3) | wire);
const bytesField = (tag: number, value: Uint8Array) => [...field(tag, 2), ...varint(value.length), ...value];
const intField = (tag: number, value: number) => [...field(tag, 0), ...varint(value)];
const sha256 = (data: Uint8Array) => new Uint8Array(createHash("sha256").update(data).digest());
const multihash = (data: Uint8Array) => new Uint8Array([0x12, 0x20, ...sha256(data)]);

function unixfsFile(data: Uint8Array | undefined, fileSize: number, blockSizes: number[]): Uint8Array {
  return new Uint8Array([
    ...intField(1, 2),
    ...(data !== undefined && data.length > 0 ? bytesField(2, data) : []),
    ...intField(3, fileSize),
    ...blockSizes.flatMap((size) => intField(4, size)),
  ]);
}

function referenceCid(content: Uint8Array): string {
  const CHUNK = 262144;
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < content.length; offset += CHUNK)
    chunks.push(content.subarray(offset, offset + CHUNK));
  if (chunks.length <= 1) {
    const leaf = new Uint8Array(bytesField(1, unixfsFile(content, content.length, [])));
    return base58btc.baseEncode(multihash(leaf));
  }
  expect(chunks.length).to.be.at.most(174);
  const leaves = chunks.map((chunk) => new Uint8Array(bytesField(1, unixfsFile(chunk, chunk.length, []))));
  const links = leaves.flatMap((leaf) =>
    bytesField(
      2,
      new Uint8Array([
        ...bytesField(1, multihash(leaf)),
        ...bytesField(2, new Uint8Array()),
        ...intField(3, leaf.length),
      ]),
    ),
  );
  const data = unixfsFile(
    undefined,
    content.length,
    chunks.map((chunk) => chunk.length),
  );
  const root = new Uint8Array([...links, ...bytesField(1, data)]);
  return base58btc.baseEncode(multihash(root));
}

function pseudoRandom(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

describe("cidOf", function () {
  describe("with the values `ipfs add` prints (published by IPFS and its users)", function () {
    it("gives QmbFMke1… for the empty file", async function () {
      expect(await cidOf(new Uint8Array())).to.equal("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
    });
    it('gives QmT78zSu… for "hello world\\n"', async function () {
      expect(await cidOf("hello world\n")).to.equal("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
    });
    it('gives QmZULkCE… for "hello\\n"', async function () {
      expect(await cidOf("hello\n")).to.equal("QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN");
    });
    it('gives QmYNmQKp… for "foo\\n"', async function () {
      expect(await cidOf("foo\n")).to.equal("QmYNmQKp6SuaVrpgWRsPTgCQCnpxUYGq76YEKBXuj2N4H6");
    });
    it('gives Qmawd3DR… for 2680 × "a"', async function () {
      expect(await cidOf("a".repeat(2680))).to.equal("Qmawd3DRAY5YwtCzQe8gBumMXA1JCrzvbH2WQR6ZTykVoG");
    });
  });

  describe("against an independent dag-pb/UnixFS encoding", function () {
    for (const size of [1, 1000, 262144, 262145, 300 * 1024, 1024 * 1024 + 7]) {
      it(`agrees for ${size} bytes${size > 262144 ? " (several 256 KiB chunks, one root with links)" : ""}`, async function () {
        const content = pseudoRandom(size, size);
        expect(await cidOf(content)).to.equal(referenceCid(content));
      });
    }
  });

  describe("when given a string", function () {
    it("hashes its UTF-8 bytes", async function () {
      expect(await cidOf("héllo")).to.equal(await cidOf(new TextEncoder().encode("héllo")));
    });
  });
});

describe("cidToBytes", function () {
  describe("with a CIDv0", function () {
    it("returns the 34-byte sha2-256 multihash", function () {
      expect(cidToBytes("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o")).to.equal(
        "0x122046d44814b9c5af141c3aaab7c05dc5e844ead5f91f12858b021eba45768b4c0e",
      );
    });
    it("round-trips through bytesToCid", function () {
      const cid = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH";
      expect(bytesToCid(cidToBytes(cid))).to.equal(cid);
    });
  });

  describe("when the string is not a CIDv0", function () {
    const cases: [string, string, RegExp][] = [
      ["empty", "", /empty/],
      ["too short", "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5", /46 characters/],
      ["a CIDv1", "bafybeiffndsajwhk3lwjewwdxqntmjm4b5wxaaanokonsggenkbw6slwk4", /46 characters/],
      ["not starting with Qm", "Xm" + "T78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", /starts with "Qm"/],
      [
        "with a character outside base58 (0)",
        "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff50",
        /not base58btc/,
      ],
      [
        "with a character outside base58 (l)",
        "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8fflo",
        /not base58btc/,
      ],
    ];
    for (const [name, value, message] of cases) {
      it(`throws InvalidCidError when ${name}`, function () {
        expect(() => cidToBytes(value))
          .to.throw(InvalidCidError, message)
          .with.property("value", value);
      });
    }
    it("throws InvalidCidError for 46 base58 characters that are not a sha2-256 multihash", function () {
      const forged = "Qm" + "1".repeat(44);
      expect(() => cidToBytes(forged)).to.throw(InvalidCidError, /sha2-256 multihash/);
    });
    it("is reported by isCid as false", function () {
      expect(isCid("Qm")).to.equal(false);
      expect(isCid("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o")).to.equal(true);
    });
  });
});

describe("bytesToCid", function () {
  describe("when the bytes are not a sha2-256 multihash", function () {
    it("throws InvalidCidError for 32 bytes without the 0x1220 prefix", function () {
      expect(() => bytesToCid("0x" + "11".repeat(32))).to.throw(InvalidCidError, /0x1220/);
    });
    it("throws InvalidCidError for a wrong hash code", function () {
      expect(() => bytesToCid("0x1320" + "11".repeat(32))).to.throw(InvalidCidError, /0x1220/);
    });
    it("throws InvalidCidError for a string that is not hex", function () {
      expect(() => bytesToCid("1220abc")).to.throw(InvalidCidError, /not 0x-prefixed hex/);
    });
    it("accepts a Uint8Array", function () {
      const bytes = new Uint8Array([0x12, 0x20, ...new Uint8Array(32)]);
      expect(bytesToCid(bytes)).to.match(/^Qm/);
    });
  });
});
