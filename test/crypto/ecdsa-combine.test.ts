/** A client's and a node's combination of weighted signature shares (src/crypto/ecdsa/combine.ts). */
import { expect } from "chai";
import { ethers } from "ethers";
import { secp256k1Group as group, type Point } from "../../src/crypto/group";
import {
  lagrangeCoefficients,
  lagrangeCoefficientsAt,
  evaluate,
  thresholdFor,
} from "../../src/crypto/polynomial";
import {
  combineLitShares,
  combineSigningSet,
  inconsistentKeyShares,
  runPresignLocally,
  signWeightedShare,
  sumShares,
  verificationContext,
  type EcdsaKeyShare,
  type SignatureShare,
  type VerificationContext,
} from "../../src/crypto/ecdsa";
import { dealtKey } from "../helpers/ecdsaKeys";

const ENTROPY = new TextEncoder().encode("request-id-combine");

function addressOf(Y: Point): string {
  return ethers.computeAddress("0x" + Buffer.from(Y.toBytes(false)).toString("hex"));
}

/** Weighted shares of the signing set `set` for `hash`, and a verification context builder that counts its calls. */
function weighted(n: number, keys: EcdsaKeyShare[], hash: Uint8Array, set: number[]) {
  const run = runPresignLocally(n);
  const shares = set.map((i) =>
    signWeightedShare(run.presignatures.get(i)!, keys[i - 1], hash, ENTROPY, set),
  );
  const calls: (readonly number[])[] = [];
  const verification = (inSet: readonly SignatureShare[]): VerificationContext => {
    calls.push(inSet.map((sh) => sh.index));
    return verificationContext(
      run.presignatures.get(1)!.pub,
      hash,
      keys[0].publicKey,
      keys[0].publicKeyShares,
      ENTROPY,
    );
  };
  return { shares, verification, calls };
}

function corrupt(share: SignatureShare): SignatureShare {
  return { ...share, s: (share.s + 1n) % group.order };
}

describe("ECDSA combination (combine.ts)", () => {
  const n = 4;
  const { t } = thresholdFor(n);
  const keys = dealtKey(n);
  const Y = keys[0].publicKey;
  const hash = ethers.getBytes(ethers.id("combine"));
  const set = [1, 2, 4];

  describe("combineSigningSet", () => {
    it("adds honest shares without building the verification context", () => {
      const { shares, verification, calls } = weighted(n, keys, hash, set);
      const out = combineSigningSet(shares, { hash, publicKey: Y, t, verification });
      expect(ethers.recoverAddress(hash, out.signature!.serialized)).to.equal(addressOf(Y));
      expect([out.used, out.culprits, out.missing, out.strays, out.signingSet]).to.deep.equal([
        set,
        [],
        [],
        [],
        set,
      ]);
      expect(calls).to.deep.equal([]);
    });

    it("with verify: true checks every share first, and still signs", () => {
      const { shares, verification, calls } = weighted(n, keys, hash, set);
      const out = combineSigningSet(shares, { hash, publicKey: Y, t, verify: true, verification });
      expect(out.signature).to.not.equal(undefined);
      expect(calls).to.deep.equal([set]);
    });

    it("names a wrong share when the sum does not verify, and fails for lack of 2t+1 honest ones", () => {
      const { shares, verification } = weighted(n, keys, hash, set);
      const out = combineSigningSet([shares[0], corrupt(shares[1]), shares[2]], {
        hash,
        publicKey: Y,
        t,
        verification,
      });
      expect(out.signature).to.equal(undefined);
      expect(out.culprits).to.deep.equal([2]);
      expect(out.error).to.match(/not enough signature shares: need 3, have 2/);
    });

    it("combines the honest rest of a larger set and names the wrong share", () => {
      const n7 = 7;
      const keys7 = dealtKey(n7);
      const set7 = [1, 2, 3, 4, 5, 6];
      const { shares, verification } = weighted(n7, keys7, hash, set7);
      shares[3] = corrupt(shares[3]);
      const out = combineSigningSet(shares, { hash, publicKey: keys7[0].publicKey, t: 2, verification });
      expect(ethers.recoverAddress(hash, out.signature!.serialized)).to.equal(addressOf(keys7[0].publicKey));
      expect(out.culprits).to.deep.equal([4]);
      expect(out.used).to.deep.equal([1, 2, 3, 5, 6]);
    });

    it("reports members of the signing set without a share, and shares for another set as strays", () => {
      const { shares, verification } = weighted(n, keys, hash, set);
      const stray = { ...shares[2], index: 3, signingSet: [1, 2, 3] };
      const out = combineSigningSet([shares[0], shares[1], stray], { hash, publicKey: Y, t, verification });
      expect(out.missing).to.deep.equal([4]);
      expect(out.strays).to.deep.equal([stray]);
      expect(out.signature).to.equal(undefined);
    });

    it("carries the message of a verification context that cannot be built", () => {
      const { shares } = weighted(n, keys, hash, set);
      const out = combineSigningSet([corrupt(shares[0]), shares[1], shares[2]], {
        hash,
        publicKey: Y,
        t,
        verification: () => {
          throw new Error("unusable presignature");
        },
      });
      expect([out.error, out.culprits, out.used]).to.deep.equal(["unusable presignature", [], []]);
    });

    it("names a signer whose public key share X_i is off the key's polynomial", () => {
      const n7 = 7;
      const keys7 = dealtKey(n7);
      const set7 = [1, 2, 3, 4, 5];
      const run = runPresignLocally(n7);
      // Signer 3 signs with another key share and claims X_3 to match: its proof holds, the sum does not.
      const lyingShare = keys7[2].secretShare + 1n;
      const claimed = new Map(keys7[0].publicKeyShares);
      claimed.set(3, group.G.multiply(lyingShare));
      const liar = { ...keys7[2], secretShare: lyingShare, publicKeyShares: claimed };
      const shares = set7.map((i) =>
        signWeightedShare(run.presignatures.get(i)!, i === 3 ? liar : keys7[i - 1], hash, ENTROPY, set7),
      );
      const out = combineSigningSet(shares, {
        hash,
        publicKey: keys7[0].publicKey,
        t: 2,
        verification: () =>
          verificationContext(run.presignatures.get(1)!.pub, hash, keys7[0].publicKey, claimed, ENTROPY),
      });
      expect(out.signature).to.equal(undefined);
      expect(out.culprits).to.deep.equal([3]);
    });
  });

  describe("inconsistentKeyShares", () => {
    it("is empty for the key's own public shares and names a replaced one", () => {
      const keys7 = dealtKey(7);
      expect(inconsistentKeyShares(keys7[0].publicKeyShares, keys7[0].publicKey, 2)).to.deep.equal([]);
      const bad = new Map(keys7[0].publicKeyShares);
      bad.set(5, group.G.multiply(7n));
      expect(inconsistentKeyShares(bad, keys7[0].publicKey, 2)).to.deep.equal([5]);
    });
  });

  describe("Lit's sum", () => {
    it("combineLitShares gives the signature that sumShares gives, checked against the key", () => {
      const { shares } = weighted(n, keys, hash, set);
      const s = shares.map((sh) => sh.s);
      const checked = combineLitShares(s, shares[0].bigR, hash, Y)!;
      expect(checked.serialized).to.equal(sumShares(s, shares[0].bigR).serialized);
      expect(ethers.recoverAddress(hash, checked.serialized)).to.equal(addressOf(Y));
      expect(checked.s <= group.order / 2n).to.equal(true);
    });

    it("combineLitShares refuses a sum that does not verify", () => {
      const { shares } = weighted(n, keys, hash, set);
      const s = shares.map((sh, k) => (k === 0 ? sh.s + 1n : sh.s));
      expect(combineLitShares(s, shares[0].bigR, hash, Y)).to.equal(undefined);
    });
  });

  describe("lagrangeCoefficientsAt", () => {
    it("interpolates a polynomial at x ≠ 0 and equals lagrangeCoefficients at 0", () => {
      const poly = [5n, 7n, 11n];
      const S = [2, 3, 6];
      for (const x of [0n, 1n, 4n, 9n]) {
        const l = lagrangeCoefficientsAt(group, S, x);
        let acc = 0n;
        for (const i of S) acc = group.Fn.add(acc, group.Fn.mul(l.get(i)!, evaluate(group, poly, BigInt(i))));
        expect(acc).to.equal(evaluate(group, poly, x));
      }
      expect([...lagrangeCoefficientsAt(group, S, 0n)]).to.deep.equal([...lagrangeCoefficients(group, S)]);
    });
  });
});
