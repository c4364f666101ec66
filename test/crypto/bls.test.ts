import { expect } from "chai";
import { bls12_381 } from "@noble/curves/bls12-381";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils";
import {
  BLS_SIG_NUL_DST,
  BLS_SIG_POP_DST,
  G1,
  G2,
  SHARE_BYTES,
  assertShare,
  combineAndVerify,
  combineShares,
  decodeShare,
  encodeShare,
  encodeShareHex,
  g1FromBytes,
  g2FromBytes,
  hashToG2,
  publicKeyFromSecret,
  sign,
  signShare,
  verify,
  verifyShare,
  type BlsSignatureShare,
  type G1Point,
} from "../../src/crypto/bls";
import { CryptoError, CulpritError, CulpritsError, ThresholdError } from "../../src/crypto/errors";
import { blsG1Group } from "../../src/crypto/group";
import { share as shamir, thresholdFor } from "../../src/crypto/polynomial";
import { runDkgLocally } from "../../src/crypto/dkg";
import { decrypt, encrypt } from "../../src/crypto/ibe";
import vectors from "../vectors/bls-vectors.json";

/** A network's BLS key shared with Shamir (degree `degree`) among participants 1..n. */
function network(n: number, degree: number) {
  const secret = blsG1Group.randomScalar();
  const { shares } = shamir(blsG1Group, secret, degree, n);
  const publicKeyShares = new Map<number, G1Point>(shares.map((s, k) => [k + 1, publicKeyFromSecret(s)]));
  return { secret, keyShares: shares, publicKey: publicKeyFromSecret(secret), publicKeyShares };
}

function signAll(
  net: ReturnType<typeof network>,
  message: string,
  who: readonly number[],
): BlsSignatureShare[] {
  return who.map((i) => signShare(i, net.keyShares[i - 1], message));
}

/** A random subset of 1..n of the given size. */
function subset(n: number, size: number): number[] {
  const all = Array.from({ length: n }, (_, k) => k + 1);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, size).sort((a, b) => a - b);
}

describe("bls", () => {
  describe("hashToG2", () => {
    it("matches the RFC 9380 vector for BLS12381G2_XMD:SHA-256_SSWU_RO_", () => {
      for (const v of vectors.rfc9380) {
        const p = hashToG2(v.msg, v.dst).toAffine();
        expect(p.x.c0.toString(16).padStart(96, "0")).to.equal(v.x[0]);
        expect(p.x.c1.toString(16).padStart(96, "0")).to.equal(v.x[1]);
        expect(p.y.c0.toString(16).padStart(96, "0")).to.equal(v.y[0]);
        expect(p.y.c1.toString(16).padStart(96, "0")).to.equal(v.y[1]);
      }
    });

    it("matches the known answers for blsful's DSTs", () => {
      for (const v of vectors.hashToG2)
        expect(bytesToHex(hashToG2(v.msg, v.dst).toBytes(true))).to.equal(v.point);
    });

    it("uses the proof-of-possession DST by default and separates it from the basic scheme", () => {
      expect(hashToG2("abc").equals(hashToG2("abc", BLS_SIG_POP_DST))).to.equal(true);
      expect(hashToG2("abc").equals(hashToG2("abc", BLS_SIG_NUL_DST))).to.equal(false);
    });
  });

  describe("sign and verify", () => {
    const sk = blsG1Group.randomScalar();
    const pk = publicKeyFromSecret(sk);

    it("verifies with noble's own BLS (long signatures) under the same DST", () => {
      const sig = sign(sk, "message");
      const h = bls12_381.longSignatures.hash(new TextEncoder().encode("message"), BLS_SIG_POP_DST);
      expect(bls12_381.longSignatures.verify(sig, h, pk)).to.equal(true);
      expect(verify(pk, "message", sig)).to.equal(true);
      expect(verify(pk.toBytes(true), "message", sig.toBytes(true))).to.equal(true);
    });

    it("matches the known-answer threshold signature", () => {
      const t = vectors.threshold;
      const secret = BigInt("0x" + t.secretKey);
      expect(bytesToHex(publicKeyFromSecret(secret).toBytes(true))).to.equal(t.publicKey);
      expect(bytesToHex(sign(secret, t.message).toBytes(true))).to.equal(t.signature);
    });

    describe("when anything differs", () => {
      it("rejects another message, another key, another DST", () => {
        const sig = sign(sk, "message");
        expect(verify(pk, "other", sig)).to.equal(false);
        expect(verify(publicKeyFromSecret(sk + 1n), "message", sig)).to.equal(false);
        expect(verify(pk, "message", sign(sk, "message", BLS_SIG_NUL_DST))).to.equal(false);
      });

      it("returns false for malformed keys and signatures", () => {
        const sig = sign(sk, "message").toBytes(true);
        expect(verify(pk.toBytes(true).slice(1), "message", sig)).to.equal(false);
        expect(verify(pk, "message", sig.slice(1))).to.equal(false);
        expect(verify(G1.ZERO, "message", sig)).to.equal(false);
        expect(verify(pk, "message", G2.ZERO)).to.equal(false);
      });
    });

    describe("when the secret key is zero", () => {
      it("refuses to sign or derive a public key", () => {
        expect(() => sign(0n, "m")).to.throw(CryptoError, "secret key is zero");
        expect(() => publicKeyFromSecret(blsG1Group.order)).to.throw(CryptoError, "secret key is zero");
      });
    });
  });

  describe("point decoding", () => {
    it("accepts valid points and refuses wrong lengths, off-curve bytes and the identity", () => {
      const p1 = publicKeyFromSecret(5n).toBytes(true);
      const p2 = sign(5n, "x").toBytes(true);
      expect(g1FromBytes(p1).equals(publicKeyFromSecret(5n))).to.equal(true);
      expect(g2FromBytes(p2).equals(sign(5n, "x"))).to.equal(true);
      expect(() => g1FromBytes(p1.slice(1))).to.throw(CryptoError, "48 bytes");
      expect(() => g2FromBytes(p2.slice(1))).to.throw(CryptoError, "96 bytes");
      const bad1 = Uint8Array.from(p1);
      bad1[47] ^= 1;
      expect(() => g1FromBytes(bad1)).to.throw(CryptoError);
      const bad2 = Uint8Array.from(p2);
      bad2[95] ^= 1;
      expect(() => g2FromBytes(bad2)).to.throw(CryptoError);
      expect(() => g1FromBytes(G1.ZERO.toBytes(true))).to.throw(CryptoError, "identity");
      expect(() => g2FromBytes(G2.ZERO.toBytes(true))).to.throw(CryptoError, "identity");
    });
  });
});

describe("bls signature shares", () => {
  const net = network(4, 1);
  const message = "lit-accesscontrolcondition://aa/bb";

  describe("encodeShare / decodeShare", () => {
    it("is Lit's 97-byte form: identifier byte then the compressed G2 point", () => {
      const s = signShare(3, net.keyShares[2], message);
      const bytes = encodeShare(s);
      expect(bytes.length).to.equal(SHARE_BYTES);
      expect(bytes[0]).to.equal(3);
      expect(bytesToHex(bytes.subarray(1))).to.equal(bytesToHex(s.signature.toBytes(true)));
      const back = decodeShare(bytes, 3);
      expect(back.index).to.equal(3);
      expect(back.signature.equals(s.signature)).to.equal(true);
      expect(decodeShare(encodeShareHex(s)).signature.equals(s.signature)).to.equal(true);
      expect(decodeShare("0x" + encodeShareHex(s)).index).to.equal(3);
    });

    it("decodes the known-answer shares", () => {
      for (const v of vectors.threshold.shares) {
        const s = decodeShare(v.share, v.index);
        expect(
          bytesToHex(encodeShare(signShare(v.index, BigInt("0x" + v.keyShare), vectors.threshold.message))),
        ).to.equal(v.share);
        expect(verifyShare(hexToBytes(v.publicKeyShare), vectors.threshold.message, s)).to.equal(true);
      }
    });

    describe("when the bytes are malformed", () => {
      const good = encodeShare(signShare(2, net.keyShares[1], message));
      const cases: [string, Uint8Array | string][] = [
        ["96 bytes", good.slice(0, 96)],
        ["98 bytes", Uint8Array.from([...good, 0])],
        ["identifier 0", Uint8Array.from([0, ...good.slice(1)])],
        ["an off-curve point", Uint8Array.from([...good.slice(0, 96), good[96] ^ 1])],
        ["the identity point", Uint8Array.from([2, ...G2.ZERO.toBytes(true)])],
        ["not hex", "zz" + encodeShareHex(signShare(2, net.keyShares[1], message)).slice(2)],
        ["odd-length hex", encodeShareHex(signShare(2, net.keyShares[1], message)).slice(1)],
      ];
      for (const [what, bytes] of cases) {
        it(`refuses ${what} and names the sender`, () => {
          expect(() => decodeShare(bytes)).to.throw(CryptoError);
          expect(() => decodeShare(bytes, 2))
            .to.throw(CulpritError)
            .with.property("culprit", 2);
        });
      }

      it("refuses a share whose identifier is not its sender's", () => {
        expect(() => decodeShare(good, 3))
          .to.throw(CulpritError, "claims identifier 2")
          .with.property("culprit", 3);
      });
    });
  });

  describe("signShare", () => {
    it("refuses participant indices outside 1..255 and a zero key share", () => {
      expect(() => signShare(0, 1n, message)).to.throw(CryptoError, "1..255");
      expect(() => signShare(256, 1n, message)).to.throw(CryptoError, "1..255");
      expect(() => signShare(1.5, 1n, message)).to.throw(CryptoError, "1..255");
      expect(() => signShare(1, 0n, message)).to.throw(CryptoError, "key share is zero");
    });
  });

  describe("verifyShare / assertShare", () => {
    it("accepts a share against its participant's public key share", () => {
      const s = signShare(2, net.keyShares[1], message);
      expect(verifyShare(net.publicKeyShares.get(2)!, message, s)).to.equal(true);
      expect(() => assertShare(net.publicKeyShares.get(2)!, message, s)).not.to.throw();
    });

    describe("when the share is wrong", () => {
      it("rejects it against another participant's key, for another message, or a malformed key", () => {
        const s = signShare(2, net.keyShares[1], message);
        expect(verifyShare(net.publicKeyShares.get(3)!, message, s)).to.equal(false);
        expect(verifyShare(net.publicKeyShares.get(2)!, "other", s)).to.equal(false);
        expect(verifyShare(new Uint8Array(48), message, s)).to.equal(false);
      });

      it("assertShare names the participant", () => {
        const forged: BlsSignatureShare = { index: 4, signature: sign(12345n, message) };
        expect(() => assertShare(net.publicKeyShares.get(4)!, message, forged))
          .to.throw(CulpritError, "invalid BLS signature share")
          .with.property("culprit", 4);
      });
    });
  });

  describe("combineShares", () => {
    it("interpolates in G2 without checking (as Lit's blsCombine)", () => {
      const sig = combineShares(signAll(net, message, [1, 3]));
      expect(sig.equals(sign(net.secret, message))).to.equal(true);
    });

    it("refuses no shares and a participant given twice", () => {
      expect(() => combineShares([]))
        .to.throw(ThresholdError)
        .with.property("required", 1);
      const s = signShare(1, net.keyShares[0], message);
      expect(() => combineShares([s, s]))
        .to.throw(CulpritError)
        .with.property("culprit", 1);
    });
  });

  for (const n of [4, 7, 10, 13]) {
    const { t, quorum } = thresholdFor(n);
    describe(`combineAndVerify with N = ${n}, t = ${t}`, () => {
      const tnet = network(n, t);
      const base = {
        message,
        publicKey: tnet.publicKey,
        publicKeyShares: tnet.publicKeyShares,
        threshold: t + 1,
      };
      const expected = sign(tnet.secret, message);
      // Every participant's share on `message` and on another identity, signed once.
      let all: BlsSignatureShare[];
      let allOther: BlsSignatureShare[];
      const pick = (from: BlsSignatureShare[], who: readonly number[]) => who.map((i) => from[i - 1]);

      before(() => {
        all = signAll(tnet, message, subset(n, n));
        allOther = signAll(tnet, "other identity", subset(n, n));
      });

      it("combines any 2t+1 shares into the group signature", () => {
        for (let k = 0; k < 3; k++) {
          const who = subset(n, quorum);
          const { signature, signers, culprits } = combineAndVerify({ ...base, shares: pick(all, who) });
          expect(signature.equals(expected)).to.equal(true);
          expect(signers).to.deep.equal(who);
          expect(culprits).to.deep.equal([]);
        }
        expect(verify(tnet.publicKey, message, expected)).to.equal(true);
      });

      it("combines t+1 shares (the degree-t minimum)", () => {
        const { signature } = combineAndVerify({ ...base, shares: pick(all, subset(n, t + 1)) });
        expect(signature.equals(expected)).to.equal(true);
      });

      it("does not yield a valid signature from t shares", () => {
        const shares = pick(all, subset(n, t));
        if (t > 0) expect(verify(tnet.publicKey, message, combineShares(shares))).to.equal(false);
        expect(() => combineAndVerify({ ...base, shares }))
          .to.throw(ThresholdError)
          .that.includes({ required: t + 1, received: t });
      });

      it("detects corrupted shares, names their senders and combines the honest rest", () => {
        const bad = subset(n, Math.max(1, t));
        // Independent random errors (equal errors could cancel in the optimistic combination).
        const shares = all.map((s) =>
          bad.includes(s.index)
            ? { index: s.index, signature: s.signature.add(G2.BASE.multiply(blsG1Group.randomScalar())) }
            : s,
        );
        const { signature, culprits, signers } = combineAndVerify({ ...base, shares });
        expect(culprits).to.deep.equal(bad);
        expect(signers).to.deep.equal(all.map((s) => s.index).filter((i) => !bad.includes(i)));
        expect(signature.equals(expected)).to.equal(true);
      });

      it("never combines shares over different identities", () => {
        const who = subset(n, quorum);
        const other = who.slice(0, Math.max(1, t));
        const shares = who.map((i) => (other.includes(i) ? allOther[i - 1] : all[i - 1]));
        const { culprits, signature } = combineAndVerify({ ...base, shares });
        expect(culprits).to.deep.equal(other);
        expect(signature.equals(expected)).to.equal(true);
        expect(() => combineAndVerify({ ...base, message: "third identity", shares }))
          .to.throw(CulpritsError)
          .with.property("culprits")
          .that.deep.equals(who);
      });
    });
  }

  describe("combineAndVerify with a degree-2t key (the 2t+1 quorum policy)", () => {
    for (const n of [4, 7]) {
      const { t, quorum } = thresholdFor(n);
      it(`N = ${n}: 2t+1 shares combine and 2t do not`, () => {
        const qnet = network(n, 2 * t);
        const q = {
          message,
          publicKey: qnet.publicKey,
          publicKeyShares: qnet.publicKeyShares,
          threshold: quorum,
        };
        const shares = signAll(qnet, message, subset(n, quorum));
        const { signature } = combineAndVerify({ ...q, shares });
        expect(verify(qnet.publicKey, message, signature)).to.equal(true);
        const fewer = shares.slice(0, 2 * t);
        expect(verify(qnet.publicKey, message, combineShares(fewer))).to.equal(false);
        expect(() => combineAndVerify({ ...q, shares: fewer })).to.throw(ThresholdError);
      });
    }
  });

  describe("with a network key from the DKG", () => {
    it("2t+1 nodes' shares combine into the group signature, which opens an IBE ciphertext", () => {
      const n = 4;
      const { t, quorum } = thresholdFor(n);
      const run = runDkgLocally(blsG1Group, n, t, { encrypt: false });
      const results = [...run.results.values()];
      const { publicKey, publicKeyShares } = results[0];
      const identity = "lit-accesscontrolcondition://" + "01".repeat(32) + "/" + "02".repeat(32);
      const shares = results.slice(0, quorum).map((r) => signShare(r.index, r.secretShare, identity));
      const { signature, culprits } = combineAndVerify({
        message: identity,
        publicKey,
        publicKeyShares,
        threshold: t + 1,
        shares,
      });
      expect(culprits).to.deep.equal([]);
      expect(verify(publicKey, identity, signature)).to.equal(true);
      const plaintext = new TextEncoder().encode("sealed to the network");
      expect(new TextDecoder().decode(decrypt(encrypt(publicKey, identity, plaintext), signature))).to.equal(
        "sealed to the network",
      );
    });
  });

  describe("combineAndVerify refusals", () => {
    const base = { message, publicKey: net.publicKey, publicKeyShares: net.publicKeyShares, threshold: 2 };

    it("refuses a participant given twice, naming it", () => {
      const s = signShare(1, net.keyShares[0], message);
      expect(() => combineAndVerify({ ...base, shares: [s, s, signShare(2, net.keyShares[1], message)] }))
        .to.throw(CulpritError, "given twice")
        .with.property("culprit", 1);
    });

    it("refuses a threshold that is not a positive integer", () => {
      const shares = signAll(net, message, [1, 2]);
      expect(() => combineAndVerify({ ...base, threshold: 0, shares })).to.throw(CryptoError, "threshold");
      expect(() => combineAndVerify({ ...base, threshold: 1.5, shares })).to.throw(CryptoError, "threshold");
    });

    it("names a share whose sender has no public key share", () => {
      const shares = [...signAll(net, message, [1, 2]), { index: 9, signature: sign(7n, message) }];
      const { culprits } = combineAndVerify({ ...base, shares });
      expect(culprits).to.deep.equal([9]);
    });

    it("reports public key shares inconsistent with the group key", () => {
      const shares = signAll(net, message, [1, 2, 3]);
      expect(() => combineAndVerify({ ...base, publicKey: publicKeyFromSecret(99n), shares })).to.throw(
        CryptoError,
        "inconsistent",
      );
    });

    it("refuses a malformed group public key", () => {
      expect(() =>
        combineAndVerify({ ...base, publicKey: new Uint8Array(48), shares: signAll(net, message, [1, 2]) }),
      ).to.throw(CryptoError);
    });
  });
});
