import { expect } from "chai";
import { ethers } from "ethers";
import { secp256k1 } from "@noble/curves/secp256k1";
import { secp256k1Group as group, type Point } from "../../src/crypto/group";
import { share } from "../../src/crypto/polynomial";
import {
  combineSignatureShares,
  combineWeightedShares,
  deterministicRng,
  runPresignLocally,
  signShare,
  signWeightedShare,
  verificationContext,
  type EcdsaKeyShare,
} from "../../src/crypto/ecdsa";

/** A trusted-dealer key for tests (the DKG replaces the dealer in the node). */
function dealKey(n: number, t: number): EcdsaKeyShare[] {
  const secret = group.randomScalar();
  const { shares } = share(group, secret, t, n);
  const publicKey = group.G.multiply(secret);
  const publicKeyShares = new Map<number, Point>(shares.map((s, k) => [k + 1, group.G.multiply(s)]));
  return shares.map((s, k) => ({ index: k + 1, secretShare: s, publicKey, publicKeyShares }));
}

describe("threshold ECDSA", () => {
  for (const n of [4]) {
    it(`round trip N=${n}`, () => {
      const t = Math.floor((n - 1) / 3);
      const keys = dealKey(n, t);
      const { presignatures } = runPresignLocally(n, { rng: deterministicRng("x") });
      const hash = ethers.getBytes(ethers.id("hello"));
      const entropy = new Uint8Array([1, 2, 3]);
      const set = Array.from({ length: 2 * t + 1 }, (_, k) => k + 1);
      const shares = set.map((i) => signShare(presignatures.get(i)!, keys[i - 1], hash, entropy));
      const Y = keys[0].publicKey;
      const res = combineSignatureShares(shares, { hash, publicKey: Y, t });
      const addr = ethers.computeAddress("0x" + Buffer.from(Y.toBytes(false)).toString("hex"));
      expect(ethers.recoverAddress(hash, res.signature.serialized)).to.equal(addr);
      const vctx = verificationContext(presignatures.get(1)!.pub, hash, Y, keys[0].publicKeyShares, entropy);
      void vctx;
      void combineWeightedShares;
      void signWeightedShare;
      void secp256k1;
    });
  }
});
