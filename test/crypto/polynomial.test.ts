import { expect } from "chai";
import { blsG1Group, secp256k1Group, type Group } from "../../src/crypto/group";
import {
  commit,
  interpolateAtZero,
  interpolateInExponent,
  lagrangeCoefficient,
  lagrangeCoefficients,
  share,
  thresholdFor,
  verifyShare,
} from "../../src/crypto/polynomial";
import { CulpritError } from "../../src/crypto/errors";

for (const group of [secp256k1Group, blsG1Group] as Group[]) {
  describe(`polynomial (${group.name})`, () => {
    it("any t+1 shares recover the secret; the commitments verify every share", () => {
      const secret = group.randomScalar();
      const { shares, commitments } = share(group, secret, 3, 10);
      shares.forEach((s, k) => expect(verifyShare(group, commitments, BigInt(k + 1), s)).to.equal(true));
      const subset = new Map([2, 5, 7, 10].map((i) => [i, shares[i - 1]]));
      expect(interpolateAtZero(group, subset)).to.equal(secret);
      const inExp = new Map([1, 4, 6, 9].map((i) => [i, group.G.multiply(shares[i - 1])]));
      expect(interpolateInExponent(group, inExp).equals(group.G.multiply(secret))).to.equal(true);
    });

    it("rejects a share that does not match the commitments", () => {
      const { shares, commitments } = share(group, group.randomScalar(), 2, 4);
      expect(verifyShare(group, commitments, 2n, group.Fn.add(shares[1], 1n))).to.equal(false);
    });

    it("batched and single Lagrange coefficients agree", () => {
      const set = [1, 3, 4, 8];
      const all = lagrangeCoefficients(group, set);
      for (const i of set) expect(all.get(i)).to.equal(lagrangeCoefficient(group, i, set));
    });

    it("names a participant index given twice", () => {
      expect(() => lagrangeCoefficients(group, [1, 2, 2]))
        .to.throw(CulpritError)
        .with.property("culprit", 2);
    });

    it("commits a zero coefficient to the identity", () => {
      expect(commit(group, [0n, 1n])[0].equals(group.ZERO)).to.equal(true);
    });
  });
}

describe("thresholdFor", () => {
  it("gives t = floor((N-1)/3) and a quorum of 2t+1", () => {
    expect(thresholdFor(4)).to.deep.equal({ t: 1, quorum: 3 });
    expect(thresholdFor(10)).to.deep.equal({ t: 3, quorum: 7 });
    expect(thresholdFor(13)).to.deep.equal({ t: 4, quorum: 9 });
  });
});
