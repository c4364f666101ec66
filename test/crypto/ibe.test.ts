import { expect } from "chai";
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils";
import {
  G1,
  G2,
  combineAndVerify,
  publicKeyFromSecret,
  sign,
  signShare,
  type G1Point,
} from "../../src/crypto/bls";
import {
  SignatureScheme,
  decodeCiphertext,
  decodeUleb128,
  decrypt,
  encodeCiphertext,
  encodeUleb128,
  encrypt,
  hashToScalar,
  seal,
  verifyIdentityKey,
} from "../../src/crypto/ibe";
import { encryptionIdentity } from "../../src/crypto/conditions";
import { CryptoError } from "../../src/crypto/errors";
import { blsG1Group } from "../../src/crypto/group";
import { share as shamir, thresholdFor } from "../../src/crypto/polynomial";
import vectors from "../vectors/ibe-vectors.json";

const accs = [
  {
    contractAddress: "",
    standardContractType: "",
    chain: "ethereum",
    method: "",
    parameters: [":userAddress"],
    returnValueTest: { comparator: "=", value: "0x50e2dac5e78B5905CB09495547452cEE64426db2" },
  },
];

/** The network: a Shamir-shared BLS key; the identity key comes from 2t+1 signature shares. */
function network(n: number) {
  const { t, quorum } = thresholdFor(n);
  const secret = blsG1Group.randomScalar();
  const { shares } = shamir(blsG1Group, secret, t, n);
  const publicKey = publicKeyFromSecret(secret);
  const publicKeyShares = new Map<number, G1Point>(shares.map((s, k) => [k + 1, publicKeyFromSecret(s)]));
  const identityKey = (identity: string) => {
    const signers = Array.from({ length: quorum }, (_, k) => k + 1);
    return combineAndVerify({
      message: identity,
      publicKey,
      publicKeyShares,
      threshold: t + 1,
      shares: signers.map((i) => signShare(i, shares[i - 1], identity)),
    }).signature;
  };
  return { secret, publicKey, identityKey };
}

/** Deterministic bytes for fixtures. */
function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe("ibe (blsful time-lock encryption)", () => {
  describe("encrypt / decrypt with a threshold identity key", () => {
    for (const n of [4, 7, 10, 13]) {
      it(`returns the plaintext for N = ${n}`, () => {
        const net = network(n);
        const plaintext = bytes(100, n);
        const identity = encryptionIdentity({ kind: "accessControlConditions", conditions: accs }, plaintext);
        const ct = encrypt(net.publicKey, identity, plaintext);
        expect(bytesToHex(decrypt(ct, net.identityKey(identity)))).to.equal(bytesToHex(plaintext));
      });
    }

    const net = network(4);
    const identity = "lit-accesscontrolcondition://" + "11".repeat(32) + "/" + "22".repeat(32);
    let key: ReturnType<typeof net.identityKey>;
    before(() => {
      key = net.identityKey(identity);
    });

    for (const size of [0, 1, 31, 32, 127, 128, 1024 * 1024]) {
      it(`returns a ${size}-byte plaintext`, () => {
        const plaintext = bytes(size, size + 7);
        const ct = encrypt(net.publicKey.toBytes(true), new TextEncoder().encode(identity), plaintext);
        const w = decodeCiphertext(ct).w.length;
        expect(w).to.equal(Math.max(32, encodeUleb128(size).length + size));
        expect(bytesToHex(decrypt(ct, key.toBytes(true)))).to.equal(bytesToHex(plaintext));
      });
    }

    it("gives a fresh ciphertext each time", () => {
      const p = bytes(10);
      expect(bytesToHex(encrypt(net.publicKey, identity, p))).not.to.equal(
        bytesToHex(encrypt(net.publicKey, identity, p)),
      );
    });

    it("verifyIdentityKey accepts the identity key and refuses others", () => {
      expect(verifyIdentityKey(net.publicKey, identity, key)).to.equal(true);
      expect(verifyIdentityKey(net.publicKey, identity + "x", key)).to.equal(false);
      expect(verifyIdentityKey(publicKeyFromSecret(3n), identity, key)).to.equal(false);
    });

    describe("when the key is not the identity's", () => {
      it("fails with an error for a key on another identity, another network's key, or a malformed key", () => {
        const ct = encrypt(net.publicKey, identity, bytes(50));
        expect(() => decrypt(ct, net.identityKey(identity + "/other"))).to.throw(
          CryptoError,
          "does not decrypt",
        );
        expect(() => decrypt(ct, sign(net.secret + 1n, identity))).to.throw(CryptoError, "does not decrypt");
        expect(() => decrypt(ct, G2.ZERO)).to.throw(CryptoError, "identity");
        expect(() => decrypt(ct, key.toBytes(true).slice(1))).to.throw(CryptoError, "96 bytes");
      });
    });

    describe("when the ciphertext is tampered with", () => {
      const plaintext = bytes(40, 3);
      const short = bytes(5, 4);
      let ct: Uint8Array;
      let ctShort: Uint8Array;
      before(() => {
        ct = encrypt(net.publicKey, identity, plaintext);
        ctShort = encrypt(net.publicKey, identity, short);
      });
      const flip = (c: Uint8Array, i: number, mask = 1) => {
        const out = Uint8Array.from(c);
        out[i] ^= mask;
        return out;
      };

      it("fails for every single-bit change of U", () => {
        for (const i of [0, 1, 20, 47]) expect(() => decrypt(flip(ct, i, 0x10), key)).to.throw(CryptoError);
      });

      it("fails for U replaced by another valid point", () => {
        const c = decodeCiphertext(ct);
        expect(() => decrypt({ ...c, u: c.u.add(G1.BASE) }, key)).to.throw(CryptoError, "does not decrypt");
        expect(() => decrypt({ ...c, u: G1.ZERO }, key)).to.throw(CryptoError, "identity");
      });

      it("fails for every changed byte of V", () => {
        for (let i = 48; i < 80; i += 7)
          expect(() => decrypt(flip(ct, i), key)).to.throw(CryptoError, "does not decrypt");
      });

      it("fails for a changed W length", () => {
        expect(() => decrypt(flip(ct, 80), key)).to.throw(CryptoError);
        expect(() => decrypt(flip(ct, 80, 0x80), key)).to.throw(CryptoError);
      });

      it("fails for every changed byte of W (length prefix, message and padding)", () => {
        for (let i = 81; i < ct.length - 1; i += 5)
          expect(() => decrypt(flip(ct, i), key)).to.throw(CryptoError);
        // A short message is zero-padded to 32 bytes: a change in the padding fails too.
        for (let i = 81; i < 81 + 32; i++) expect(() => decrypt(flip(ctShort, i), key)).to.throw(CryptoError);
      });

      it("fails for another signature scheme", () => {
        for (const scheme of [0, 1, 3, 0x82]) {
          const c = Uint8Array.from(ct);
          c[c.length - 1] = scheme;
          expect(() => decrypt(c, key)).to.throw(CryptoError, "scheme");
        }
        expect(() => decrypt({ ...decodeCiphertext(ct), scheme: SignatureScheme.Basic }, key)).to.throw(
          CryptoError,
          "scheme",
        );
      });

      it("fails for truncation and trailing bytes", () => {
        expect(() => decrypt(ct.slice(0, ct.length - 1), key)).to.throw(CryptoError);
        expect(() => decrypt(ct.slice(0, 100), key)).to.throw(CryptoError);
        expect(() => decrypt(Uint8Array.from([...ct, 0]), key)).to.throw(CryptoError, "length");
      });

      it("fails for a W re-framed with a non-minimal length", () => {
        const c = decodeCiphertext(ctShort);
        const bad = Uint8Array.from([...ctShort.slice(0, 80), 0xa0, 0x00, ...c.w, 2]);
        expect(() => decodeCiphertext(bad)).to.throw(CryptoError, "malformed");
      });

      it("fails for a W shorter than 32 bytes or a V of the wrong size", () => {
        const c = decodeCiphertext(ctShort);
        expect(() => decrypt({ ...c, w: c.w.slice(0, 31) }, key)).to.throw(CryptoError, "malformed");
        expect(() => decrypt({ ...c, v: c.v.slice(0, 31) }, key)).to.throw(CryptoError, "malformed");
        expect(() =>
          decodeCiphertext(Uint8Array.from([...ctShort.slice(0, 80), 31, ...c.w.slice(0, 31), 2])),
        ).to.throw(CryptoError);
      });

      it("still decrypts the untouched ciphertexts", () => {
        expect(bytesToHex(decrypt(ct, key))).to.equal(bytesToHex(plaintext));
        expect(bytesToHex(decrypt(ctShort, key))).to.equal(bytesToHex(short));
      });
    });
  });

  describe("encrypt refusals", () => {
    it("refuses the identity as public key, a malformed key, non-bytes and a bad RNG", () => {
      expect(() => encrypt(G1.ZERO, "id", bytes(1))).to.throw(CryptoError, "identity");
      expect(() => encrypt(new Uint8Array(47), "id", bytes(1))).to.throw(CryptoError, "48 bytes");
      const pk = publicKeyFromSecret(7n);
      expect(() => encrypt(pk, "id", "text" as unknown as Uint8Array)).to.throw(CryptoError, "bytes");
      expect(() => encrypt(pk, "id", bytes(1), { randomBytes: () => new Uint8Array(31) })).to.throw(
        CryptoError,
        "32 bytes",
      );
    });
  });

  describe("known answers", () => {
    it("hashToScalar matches the vectors", () => {
      for (const v of vectors.hashToScalar)
        expect(hashToScalar(hexToBytes(v.ikmHex)).toString(16).padStart(64, "0")).to.equal(v.scalar);
    });

    it("a deterministic seed gives the vector ciphertext, which decrypts", () => {
      const v = vectors.ciphertext;
      const seed = hexToBytes(v.seedHex);
      const pk = publicKeyFromSecret(BigInt("0x" + v.secretKey));
      expect(bytesToHex(pk.toBytes(true))).to.equal(v.publicKey);
      const ct = encrypt(pk, v.identity, hexToBytes(v.plaintextHex), { randomBytes: () => seed });
      expect(bytesToHex(ct)).to.equal(v.ciphertextHex);
      expect(bytesToHex(sign(BigInt("0x" + v.secretKey), v.identity).toBytes(true))).to.equal(v.identityKey);
      expect(bytesToHex(decrypt(hexToBytes(v.ciphertextHex), hexToBytes(v.identityKey)))).to.equal(
        v.plaintextHex,
      );
      expect(
        bytesToHex(
          encodeCiphertext(seal(pk, v.identity, hexToBytes(v.plaintextHex), { randomBytes: () => seed })),
        ),
      ).to.equal(v.ciphertextHex);
    });

    it("the identity vector matches", () => {
      for (const v of vectors.identity) {
        const plaintext = new TextEncoder().encode(v.plaintextUtf8);
        expect(bytesToHex(sha256(plaintext))).to.equal(v.dataToEncryptHash);
        expect(
          encryptionIdentity({ kind: "accessControlConditions", conditions: v.conditions }, plaintext),
        ).to.equal(v.identity);
      }
    });
  });

  describe("ULEB128", () => {
    it("encodes and decodes minimal lengths and refuses the rest", () => {
      for (const n of [0, 1, 127, 128, 300, 16383, 16384, 2 ** 32])
        expect(decodeUleb128(encodeUleb128(n), 0, 2 ** 40)).to.deep.equal({
          value: n,
          length: encodeUleb128(n).length,
        });
      expect(bytesToHex(encodeUleb128(128))).to.equal("8001");
      expect(decodeUleb128(Uint8Array.of(0x80, 0x00), 0, 1000)).to.equal(undefined);
      expect(decodeUleb128(Uint8Array.of(0x80), 0, 1000)).to.equal(undefined);
      expect(decodeUleb128(Uint8Array.of(0xff, 0x7f), 0, 1000)).to.equal(undefined);
      expect(() => encodeUleb128(-1)).to.throw(CryptoError);
    });
  });
});
