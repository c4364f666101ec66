/**
 * Interoperability of our weighted ECDSA shares with Lit's own client code: `@lit-protocol/wasm`'s
 * ecdsaCombine/ecdsaVerify, and `@lit-protocol/crypto`'s combineEcdsaShares (what the v7 SDK runs on
 * the `signedData` of an execute response).
 */
import { expect } from "chai";
import { ethers } from "ethers";
import { ecdsaCombine, ecdsaVerify } from "@lit-protocol/wasm";
import { combineEcdsaShares } from "@lit-protocol/crypto";
import { secp256k1Group as group } from "../../src/crypto/group";
import { thresholdFor } from "../../src/crypto/polynomial";
import {
  runPresignLocally,
  signWeightedShare,
  signatureShareToJSON,
  type EcdsaKeyShare,
  type SignatureShare,
} from "../../src/crypto/ecdsa";
import { dealtKey } from "../helpers/ecdsaKeys";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const ENTROPY = new TextEncoder().encode("lit interop request");

function weightedShares(n: number, hash: Uint8Array): { keys: EcdsaKeyShare[]; shares: SignatureShare[] } {
  const { quorum } = thresholdFor(n);
  const keys = dealtKey(n);
  const run = runPresignLocally(n);
  // A signing set that skips participant 1, as the leader may choose any 2t+1 live nodes.
  const set = Array.from({ length: quorum }, (_, k) => k + 2).filter((i) => i <= n);
  while (set.length < quorum) set.unshift(1);
  const shares = set.map((i) =>
    signWeightedShare(run.presignatures.get(i)!, keys[i - 1], hash, ENTROPY, set),
  );
  return { keys, shares };
}

async function rejects(p: Promise<unknown>): Promise<void> {
  let failed = false;
  try {
    await p;
  } catch {
    failed = true;
  }
  expect(failed, "expected a rejection").to.equal(true);
}

describe("interoperability with Lit's ECDSA combiner", () => {
  for (const n of [4, 7, 10]) {
    it(`@lit-protocol/wasm ecdsaCombine adds our weighted shares (N = ${n}) into a signature ecdsaVerify and ethers accept`, async () => {
      const hash = ethers.getBytes(ethers.id(`lit interop ${n}`));
      const { keys, shares } = weightedShares(n, hash);
      const Y = keys[0].publicKey;
      const [r, s, recId] = await ecdsaCombine(
        "K256",
        shares[0].bigR.toBytes(true),
        shares.map((sh) => group.scalarToBytes(sh.s)),
      );
      await ecdsaVerify("K256", hash, Y.toBytes(false), [r, s, recId]);
      const sig = ethers.Signature.from({ r: "0x" + hex(r), s: "0x" + hex(s), v: 27 + recId });
      expect(ethers.recoverAddress(hash, sig)).to.equal(ethers.computeAddress("0x" + hex(Y.toBytes(false))));
    });
  }

  it("@lit-protocol/crypto combineEcdsaShares takes our shares in the v7 signedData shape", async () => {
    const hash = ethers.getBytes(ethers.id("lit signedData"));
    const { keys, shares } = weightedShares(7, hash);
    const Y = keys[0].publicKey;
    const signedData = shares.map((sh) => {
      const json = signatureShareToJSON(sh);
      return {
        sigType: "K256",
        dataSigned: json.hash,
        signatureShare: json.share,
        shareIndex: sh.index - 1,
        bigR: hex(sh.bigR.toBytes(true)),
        publicKey: hex(Y.toBytes(false)),
        sigName: "sig1",
      };
    });
    // Hex without 0x everywhere, as the client decodes it with Buffer.from(…, "hex").
    for (const d of signedData)
      for (const v of [d.dataSigned, d.signatureShare, d.bigR]) expect(v).to.match(/^[0-9a-f]+$/);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const { r, s, recid } = await combineEcdsaShares(signedData as any);
    const sig = ethers.Signature.from({ r: "0x" + r, s: "0x" + s, v: 27 + recid });
    expect(ethers.recoverAddress(hash, sig)).to.equal(ethers.computeAddress("0x" + hex(Y.toBytes(false))));
  });

  describe("when a share is wrong or missing", () => {
    it("Lit's combination of the shares does not verify", async () => {
      const hash = ethers.getBytes(ethers.id("lit interop bad"));
      const { keys, shares } = weightedShares(4, hash);
      const Y = keys[0].publicKey;
      const bytes = shares.map((sh) => group.scalarToBytes(sh.s));
      bytes[1] = group.scalarToBytes(group.Fn.add(shares[1].s, 1n));
      const bad = await ecdsaCombine("K256", shares[0].bigR.toBytes(true), bytes);
      await rejects(ecdsaVerify("K256", hash, Y.toBytes(false), bad));
      const missing = await ecdsaCombine(
        "K256",
        shares[0].bigR.toBytes(true),
        shares.slice(1).map((sh) => group.scalarToBytes(sh.s)),
      );
      await rejects(ecdsaVerify("K256", hash, Y.toBytes(false), missing));
    });
  });
});
