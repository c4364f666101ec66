import { expect } from "chai";
import { ethers } from "ethers";
import { secp256k1 } from "@noble/curves/secp256k1";
import { secp256k1Group as group, type Point } from "../../src/crypto/group";
import { thresholdFor } from "../../src/crypto/polynomial";
import { CryptoError, CulpritsError, ReuseError, ThresholdError } from "../../src/crypto/errors";
import { runDkgLocally } from "../../src/crypto/dkg";
import {
  Presignature,
  combineSignatureShares,
  combineWeightedShares,
  deterministicRng,
  findInvalidShares,
  presignParams,
  presignRound1,
  presignRound2,
  runPresignLocally,
  signShare,
  signWeightedShare,
  signatureShareFromJSON,
  signatureShareToJSON,
  signingContext,
  verificationContext,
  verifySignatureShare,
  verifyWeightedShare,
  weightShare,
  type EcdsaKeyShare,
  type SignatureShare,
} from "../../src/crypto/ecdsa";
import { dealtKey } from "../helpers/ecdsaKeys";

/** Key shares from the real DKG (what the nodes use). */
function dkgKey(n: number): EcdsaKeyShare[] {
  const { results } = runDkgLocally(group, n, undefined, { encrypt: false });
  return [...results.values()].sort((x, y) => x.index - y.index);
}

function addressOf(Y: Point): string {
  return ethers.computeAddress("0x" + Buffer.from(Y.toBytes(false)).toString("hex"));
}

function hashOf(text: string): Uint8Array {
  return ethers.getBytes(ethers.id(text));
}

const ENTROPY = new TextEncoder().encode("request-id-0001");

/** The verification data of a signing with presignature run `run` (participant 1's public view). */
function contextFor(run: ReturnType<typeof runPresignLocally>, keys: EcdsaKeyShare[], hash: Uint8Array) {
  return verificationContext(
    run.presignatures.get(1)!.pub,
    hash,
    keys[0].publicKey,
    keys[0].publicKeyShares,
    ENTROPY,
  );
}

function expectValid(hash: Uint8Array, Y: Point, sig: { r: bigint; s: bigint; serialized: string }): void {
  expect(ethers.recoverAddress(hash, sig.serialized)).to.equal(addressOf(Y));
  const compact = new secp256k1.Signature(sig.r, sig.s).toBytes("compact");
  expect(secp256k1.verify(compact, hash, Y.toBytes(true), { prehash: false, lowS: true })).to.equal(true);
  expect(sig.s <= group.order / 2n).to.equal(true);
}

/** One presignature run and every participant's share for `hash`. */
function signAll(n: number, keys: EcdsaKeyShare[], hash: Uint8Array, who?: number[]) {
  const run = runPresignLocally(n);
  const signers = who ?? keys.map((k) => k.index);
  const shares = signers.map((i) => signShare(run.presignatures.get(i)!, keys[i - 1], hash, ENTROPY));
  const pub = run.presignatures.get(1)!.pub;
  const vctx = verificationContext(pub, hash, keys[0].publicKey, keys[0].publicKeyShares, ENTROPY);
  return { run, shares, pub, vctx };
}

describe("threshold ECDSA", () => {
  describe("round trips", () => {
    for (const n of [4, 7, 10, 13]) {
      it(`signs with 2t+1 of N=${n} (DKG key, recoverAddress, noble verify, low-s)`, () => {
        const { t, quorum } = thresholdFor(n);
        const keys = dkgKey(n);
        const hash = hashOf(`round trip ${n}`);
        // A signing set that is not simply 1..2t+1: the last quorum participants.
        const set = keys.map((k) => k.index).slice(n - quorum);
        const { shares, vctx } = signAll(n, keys, hash, set);
        const { signature, culprits, used } = combineSignatureShares(shares, {
          hash,
          publicKey: keys[0].publicKey,
          t,
          verification: vctx,
        });
        expectValid(hash, keys[0].publicKey, signature);
        expect(culprits).to.deep.equal([]);
        expect(used).to.deep.equal(set);
      });
    }

    it("every share verifies publicly, alone and in a batch", () => {
      const keys = dealtKey(4);
      const hash = hashOf("verify");
      const { shares, vctx } = signAll(4, keys, hash);
      for (const s of shares) expect(verifySignatureShare(s, vctx)).to.equal(true);
      expect(findInvalidShares(shares, vctx)).to.deep.equal([]);
    });
  });

  describe("threshold", () => {
    const n = 7;
    const { t } = thresholdFor(n);
    const keys = dealtKey(n);
    const hash = hashOf("threshold");
    let shares: SignatureShare[];
    before(() => {
      shares = signAll(n, keys, hash).shares;
    });

    it("any 2t+1 shares combine to the same valid signature", () => {
      const subsets = [
        [1, 2, 3, 4, 5],
        [3, 4, 5, 6, 7],
        [1, 3, 5, 6, 7],
        [2, 4, 5, 6, 7],
      ];
      const sigs = subsets.map(
        (sub) =>
          combineSignatureShares(
            shares.filter((s) => sub.includes(s.index)),
            { hash, publicKey: keys[0].publicKey, t },
          ).signature,
      );
      for (const sig of sigs) expectValid(hash, keys[0].publicKey, sig);
      expect(new Set(sigs.map((s) => s.serialized)).size).to.equal(1);
    });

    it("all N shares combine too", () => {
      const { signature } = combineSignatureShares(shares, { hash, publicKey: keys[0].publicKey, t });
      expectValid(hash, keys[0].publicKey, signature);
    });

    it("refuses 2t shares with ThresholdError", () => {
      expect(() =>
        combineSignatureShares(shares.slice(0, 2 * t), { hash, publicKey: keys[0].publicKey, t }),
      ).to.throw(ThresholdError, "need 5, have 4");
    });

    it("2t shares interpolate to a wrong s (they carry no information about it)", () => {
      // Force the interpolation with t' = t-1 (2t'+1 = 2t+1-2 shares): the result must not verify.
      expect(() =>
        combineSignatureShares(shares.slice(0, 2 * t - 1), { hash, publicKey: keys[0].publicKey, t: t - 1 }),
      ).to.throw(CryptoError, "does not verify");
    });
  });

  describe("Lit's additive form", () => {
    const n = 7;
    const { t } = thresholdFor(n);

    it("weighted shares of a signing set sum to a valid signature", () => {
      const keys = dealtKey(n);
      const hash = hashOf("weighted");
      const run = runPresignLocally(n);
      const set = [2, 3, 5, 6, 7];
      const shares = set.map((i) =>
        signWeightedShare(run.presignatures.get(i)!, keys[i - 1], hash, ENTROPY, set),
      );
      // What Lit's client does: add, normalise to low-s, r from bigR.
      let s = 0n;
      for (const sh of shares) s = group.Fn.add(s, sh.s);
      const r = shares[0].bigR.toAffine().x;
      const low = s > group.order / 2n ? group.order - s : s;
      const compact = new secp256k1.Signature(r, low).toBytes("compact");
      expect(secp256k1.verify(compact, hash, keys[0].publicKey.toBytes(true), { prehash: false })).to.equal(
        true,
      );

      const { signature } = combineWeightedShares(shares, { hash, publicKey: keys[0].publicKey, t });
      expectValid(hash, keys[0].publicKey, signature);
      expect(signature.s).to.equal(low);

      const vctx = contextFor(run, keys, hash);
      for (const sh of shares) expect(verifyWeightedShare(sh, vctx)).to.equal(true);
      const bad = { ...shares[1], s: group.Fn.add(shares[1].s, 1n) };
      expect(verifyWeightedShare(bad, vctx)).to.equal(false);
      expect(verifyWeightedShare({ ...shares[1], signingSet: [1, 2, 3, 5, 6] }, vctx)).to.equal(false);
    });

    it("refuses a signing set smaller than 2t+1 or not containing the signer", () => {
      const keys = dealtKey(n);
      const run = runPresignLocally(n);
      const hash = hashOf("small set");
      expect(() =>
        signWeightedShare(run.presignatures.get(1)!, keys[0], hash, ENTROPY, [1, 2, 3, 4]),
      ).to.throw(ThresholdError);
      expect(() =>
        signWeightedShare(run.presignatures.get(1)!, keys[0], hash, ENTROPY, [2, 3, 4, 5, 6]),
      ).to.throw(CryptoError, "not in the signing set");
      expect(() =>
        signWeightedShare(run.presignatures.get(1)!, keys[0], hash, ENTROPY, [1, 1, 3, 4, 5]),
      ).to.throw(CryptoError, "appears twice");
    });

    it("a wrong weighted share is named and the honest rest still signs", () => {
      const keys = dealtKey(n);
      const hash = hashOf("weighted culprit");
      const run = runPresignLocally(n);
      const set = [1, 2, 3, 4, 5, 6];
      const shares = set.map((i) =>
        signWeightedShare(run.presignatures.get(i)!, keys[i - 1], hash, ENTROPY, set),
      );
      shares[3] = { ...shares[3], s: group.Fn.add(shares[3].s, 7n) };
      const vctx = contextFor(run, keys, hash);
      const { signature, culprits, used } = combineWeightedShares(shares, {
        hash,
        publicKey: keys[0].publicKey,
        t,
        verification: vctx,
      });
      expectValid(hash, keys[0].publicKey, signature);
      expect(culprits).to.deep.equal([4]);
      expect(used).to.deep.equal([1, 2, 3, 5, 6]);
    });
  });

  describe("adversarial", () => {
    it("a dealer sending a bad share is complained about, and disqualified when its answer is bad too", () => {
      const n = 4;
      const keys = dealtKey(n);
      const run = runPresignLocally(n, {
        tamper: {
          share: (s) => (s.dealer === 2 && s.recipient === 3 ? { ...s, a: group.Fn.add(s.a, 1n) } : s),
          justification: (j) =>
            j.dealer === 2
              ? { ...j, revealed: j.revealed.map((s) => ({ ...s, a: group.Fn.add(s.a, 1n) })) }
              : j,
        },
      });
      expect(run.qualified).to.deep.equal([1, 3, 4]);
      for (const i of [1, 3, 4]) expect(run.faults.get(i)!.get(2)).to.equal("bad-justification");
      const hash = hashOf("after a bad dealing");
      const shares = [1, 2, 3, 4].map((i) =>
        signShare(run.presignatures.get(i)!, keys[i - 1], hash, ENTROPY),
      );
      const { signature } = combineSignatureShares(shares, { hash, publicKey: keys[0].publicKey, t: 1 });
      expectValid(hash, keys[0].publicKey, signature);
    });

    it("a complaint answered with the right share keeps the dealer", () => {
      const run = runPresignLocally(4, {
        tamper: {
          share: (s) => (s.dealer === 2 && s.recipient === 3 ? { ...s, k: group.Fn.add(s.k, 1n) } : s),
        },
      });
      expect(run.qualified).to.deep.equal([1, 2, 3, 4]);
    });

    it("a dealer that does not answer a complaint is disqualified", () => {
      const run = runPresignLocally(4, {
        tamper: {
          share: (s) => (s.dealer === 4 && s.recipient === 1 ? undefined : s),
          justification: (j) => (j.dealer === 4 ? { ...j, revealed: [] } : j),
        },
      });
      expect(run.qualified).to.deep.equal([1, 2, 3]);
      expect(run.faults.get(1)!.get(4)).to.equal("unanswered-complaint");
    });

    it("disqualifies a dealer with more than t complaints, even if it answers them", () => {
      // Dealer 1 cheats t+1 = 2 receivers; answering would reveal t+1 points of its polynomials.
      const run = runPresignLocally(4, {
        tamper: {
          share: (s) =>
            s.dealer === 1 && s.recipient !== 1 && s.recipient !== 4 ? { ...s, z: s.z + 1n } : s,
        },
      });
      expect(run.qualified).to.deep.equal([2, 3, 4]);
      for (const i of [2, 3, 4]) expect(run.faults.get(i)!.get(1)).to.equal("too-many-complaints");
    });

    it("a malformed dealing is left out", () => {
      const run = runPresignLocally(4, {
        tamper: { dealing: (b) => (b.dealer === 3 ? { ...b, k: b.k.slice(0, 1) } : b) },
      });
      expect(run.qualified).to.deep.equal([1, 2, 4]);
      expect(run.faults.get(1)!.get(3)).to.equal("malformed-dealing");
    });

    it("a wrong w_i names its sender and the presignature still signs", () => {
      const n = 4;
      const keys = dealtKey(n);
      const run = runPresignLocally(n, {
        tamper: { product: (p) => (p.sender === 3 ? { ...p, w: group.Fn.add(p.w, 1n) } : p) },
      });
      for (const i of [1, 2, 4]) expect(run.faults.get(i)!.get(3)).to.equal("bad-product");
      const hash = hashOf("after a bad product");
      const shares = [1, 2, 4].map((i) => signShare(run.presignatures.get(i)!, keys[i - 1], hash, ENTROPY));
      const { signature } = combineSignatureShares(shares, { hash, publicKey: keys[0].publicKey, t: 1 });
      expectValid(hash, keys[0].publicKey, signature);
    });

    it("with a missing w_j (no redundancy left) the proofs are checked and a wrong one named", () => {
      const n = 7;
      const run = runPresignLocally(n, {
        tamper: {
          product: (p) =>
            p.sender === 5 ? undefined : p.sender === 6 ? { ...p, proof: { ...p.proof, z: 1n } } : p,
        },
      });
      expect(run.faults.get(1)!.get(5)).to.equal("missing-product");
      expect(run.faults.get(1)!.get(6)).to.equal("bad-product");
      expect(run.faults.get(1)!.has(7)).to.equal(false);
    });

    it("a wrong signature share is named and the honest rest combines", () => {
      const n = 4;
      const keys = dealtKey(n);
      const hash = hashOf("bad share");
      const { shares, vctx } = signAll(n, keys, hash);
      shares[1] = { ...shares[1], s: group.Fn.add(shares[1].s, 1n) };
      expect(verifySignatureShare(shares[1], vctx)).to.equal(false);
      expect(findInvalidShares(shares, vctx)).to.deep.equal([2]);
      const { signature, culprits, used } = combineSignatureShares(shares, {
        hash,
        publicKey: keys[0].publicKey,
        t: 1,
        verification: vctx,
      });
      expectValid(hash, keys[0].publicKey, signature);
      expect(culprits).to.deep.equal([2]);
      expect(used).to.deep.equal([1, 3, 4]);
    });

    it("a wrong share without the verification context fails the combination instead of signing wrongly", () => {
      const keys = dealtKey(4);
      const hash = hashOf("no context");
      const { shares } = signAll(4, keys, hash, [1, 2, 3]);
      shares[0] = { ...shares[0], s: group.Fn.add(shares[0].s, 1n) };
      expect(() => combineSignatureShares(shares, { hash, publicKey: keys[0].publicKey, t: 1 })).to.throw(
        CryptoError,
        "does not verify",
      );
    });

    it("a share with a forged proof is named", () => {
      const keys = dealtKey(4);
      const hash = hashOf("forged proof");
      const { shares, vctx } = signAll(4, keys, hash);
      shares[2] = { ...shares[2], proof: { ...shares[2].proof!, P: group.G } };
      expect(findInvalidShares(shares, vctx)).to.deep.equal([3]);
    });

    it("rejects a presignature used twice", () => {
      const keys = dealtKey(4);
      const run = runPresignLocally(4);
      const p = run.presignatures.get(1)!;
      signShare(p, keys[0], hashOf("first"), ENTROPY);
      expect(p.used).to.equal(true);
      expect(() => signShare(p, keys[0], hashOf("second"), ENTROPY)).to.throw(
        ReuseError,
        "presignature already used",
      );
      // The persisted record keeps the flag.
      const restored = Presignature.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
      expect(() => signShare(restored, keys[0], hashOf("third"), ENTROPY)).to.throw(
        ReuseError,
        "presignature already used",
      );
    });

    it("shares for different message hashes never combine", () => {
      const n = 4;
      const keys = dealtKey(n);
      const run = runPresignLocally(n);
      const a = hashOf("pay alice");
      const b = hashOf("pay bob");
      const shares = [
        signShare(run.presignatures.get(1)!, keys[0], a, ENTROPY),
        signShare(run.presignatures.get(2)!, keys[1], a, ENTROPY),
        signShare(run.presignatures.get(3)!, keys[2], b, ENTROPY),
        signShare(run.presignatures.get(4)!, keys[3], b, ENTROPY),
      ];
      for (const hash of [a, b]) {
        expect(() => combineSignatureShares(shares, { hash, publicKey: keys[0].publicKey, t: 1 }))
          .to.throw(CulpritsError)
          .with.property("culprits")
          .that.has.length(2);
      }
      // Relabelling a share's hash does not help: its value is still for the other message.
      const relabelled = { ...shares[2], hash: a, bigR: shares[0].bigR };
      const vctx = contextFor(run, keys, a);
      expect(() =>
        combineSignatureShares([shares[0], shares[1], relabelled], {
          hash: a,
          publicKey: keys[0].publicKey,
          t: 1,
          verification: vctx,
        }),
      )
        .to.throw(CulpritsError)
        .with.property("culprits")
        .that.deep.equals([3]);
    });

    it("a share from a different presignature cannot be mixed in", () => {
      const n = 4;
      const keys = dealtKey(n);
      const hash = hashOf("mix");
      const one = runPresignLocally(n);
      const two = runPresignLocally(n);
      const shares = [
        signShare(one.presignatures.get(1)!, keys[0], hash, ENTROPY),
        signShare(one.presignatures.get(2)!, keys[1], hash, ENTROPY),
        signShare(two.presignatures.get(3)!, keys[2], hash, ENTROPY),
      ];
      expect(() => combineSignatureShares(shares, { hash, publicKey: keys[0].publicKey, t: 1 }))
        .to.throw(CulpritsError)
        .with.property("culprits")
        .that.deep.equals([3]);
      const vctx = contextFor(one, keys, hash);
      // Even relabelled with the first presignature's id and R', its value does not fit.
      const relabelled = { ...shares[2], presignatureId: shares[0].presignatureId, bigR: shares[0].bigR };
      expect(verifySignatureShare(relabelled, vctx)).to.equal(false);
    });

    it("round states are single-use", () => {
      const params = presignParams(4, 1, new Uint8Array([1]));
      const r1 = presignRound1(params);
      presignRound2(r1.secret, [r1.broadcast], r1.shares);
      expect(() => presignRound2(r1.secret, [r1.broadcast], r1.shares)).to.throw(ReuseError, "already used");
    });
  });

  describe("malformed input", () => {
    const keys = dealtKey(4);
    const hash = hashOf("malformed");
    let json: ReturnType<typeof signatureShareToJSON>;
    let presig: Presignature;
    before(() => {
      const run = runPresignLocally(4);
      presig = run.presignatures.get(2)!;
      json = signatureShareToJSON(signShare(run.presignatures.get(1)!, keys[0], hash, ENTROPY));
    });
    const n = group.order;

    it("round-trips a share through JSON", () => {
      const back = signatureShareFromJSON(JSON.parse(JSON.stringify(json)));
      expect(signatureShareToJSON(back)).to.deep.equal(json);
      expect(json.share).to.match(/^[0-9a-f]{64}$/);
    });

    it("refuses a scalar not below the group order", () => {
      expect(() => signatureShareFromJSON({ ...json, share: n.toString(16) })).to.throw(
        CryptoError,
        "not below",
      );
      expect(() =>
        signatureShareFromJSON({ ...json, proof: { ...json.proof!, z: "ff".repeat(32) } }),
      ).to.throw(CryptoError, "not below");
    });

    it("refuses a point not on the curve", () => {
      const off = "02" + "00".repeat(31) + "05"; // x = 5: x³+7 = 132 is not a square mod p
      expect(() => signatureShareFromJSON({ ...json, bigR: off })).to.throw(CryptoError, "not a point");
      expect(() =>
        signatureShareFromJSON({ ...json, proof: { ...json.proof!, P: "04" + "11".repeat(64) } }),
      ).to.throw(CryptoError, "not a point");
    });

    it("refuses wrong lengths and bad hex", () => {
      expect(() => signatureShareFromJSON({ ...json, share: "00" + json.share })).to.throw(
        CryptoError,
        "32 bytes",
      );
      expect(() => signatureShareFromJSON({ ...json, hash: json.hash.slice(2) })).to.throw(
        CryptoError,
        "32 bytes",
      );
      expect(() => signatureShareFromJSON({ ...json, bigR: json.bigR.slice(2) })).to.throw(
        CryptoError,
        "33 or 65",
      );
      expect(() => signatureShareFromJSON({ ...json, share: "zz".repeat(32) })).to.throw(
        CryptoError,
        "not valid hex",
      );
      expect(() => signatureShareFromJSON({ ...json, index: 0 })).to.throw(CryptoError, "bad index");
      expect(() => signatureShareFromJSON({ ...json, presignatureId: "x" })).to.throw(
        CryptoError,
        "presignature id",
      );
      expect(() => signatureShareFromJSON(null)).to.throw(CryptoError, "expected an object");
    });

    it("refuses a hash that is not 32 bytes and a key share of another participant", () => {
      expect(() => signShare(presig, keys[1], new Uint8Array(31), ENTROPY)).to.throw(CryptoError, "32 bytes");
      expect(() => signShare(presig, keys[0], hash, ENTROPY)).to.throw(CryptoError, "does not belong");
      expect(() => signingContext(presig.pub, hash, keys[0].publicKey, new Uint8Array(0))).to.throw(
        CryptoError,
        "entropy",
      );
      // None of these refusals used the presignature up.
      expect(presig.used).to.equal(false);
    });

    it("refuses a presignature record whose share does not match its commitments", () => {
      const record = presig.toJSON();
      expect(Presignature.fromJSON(JSON.parse(JSON.stringify(record))).id).to.equal(presig.id);
      const bumped = (BigInt("0x" + record.kInvShare) + 1n) % n;
      expect(() =>
        Presignature.fromJSON({ ...record, kInvShare: bumped.toString(16).padStart(64, "0") }),
      ).to.throw(CryptoError, "does not match");
      expect(() => Presignature.fromJSON({ ...record, mu: n.toString(16) })).to.throw(
        CryptoError,
        "not below",
      );
      expect(() => Presignature.fromJSON({ ...record, aCommitments: record.aCommitments.slice(1) })).to.throw(
        CryptoError,
        "list of 2 points",
      );
      expect(() => Presignature.fromJSON({ ...record, version: 2 })).to.throw(CryptoError, "version");
    });

    it("refuses bad presignature parameters", () => {
      expect(() => presignParams(4, 5, new Uint8Array([1]))).to.throw(CryptoError, "index");
      expect(() => presignParams(4, 1, new Uint8Array([1]), { t: 2 })).to.throw(CryptoError, "2t+1");
      expect(() => presignParams(4, 1, new Uint8Array(0))).to.throw(CryptoError, "session id");
    });

    it("refuses to weight a share twice or for a set without it", () => {
      const sh = signatureShareFromJSON(json);
      expect(() => weightShare(sh, [2, 3, 4])).to.throw(CryptoError, "not in the signing set");
      expect(() => weightShare(weightShare(sh, [1, 2, 3]), [1, 2, 3])).to.throw(
        CryptoError,
        "already weighted",
      );
    });
  });

  it("uses the deterministic RNG reproducibly", () => {
    const a = runPresignLocally(4, { rng: deterministicRng("same", "ecdsa") });
    const b = runPresignLocally(4, { rng: deterministicRng("same", "ecdsa") });
    expect(a.presignatures.get(1)!.id).to.equal(b.presignatures.get(1)!.id);
  });
});
