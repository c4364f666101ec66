/**
 * Interoperability with Lit's own published client code: `@lit-protocol/wasm` 7.4.0 (blsful compiled
 * to WebAssembly, embedded in the package, so this runs offline) and
 * `@lit-protocol/access-control-conditions` 7.4.0 (the hashes behind the encryption identity).
 */
import { expect } from "chai";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils";
import { blsCombine, blsDecrypt, blsEncrypt, blsVerify } from "@lit-protocol/wasm";
import {
  hashAccessControlConditions,
  hashEVMContractConditions,
  hashSolRpcConditions,
  hashUnifiedAccessControlConditions,
} from "@lit-protocol/access-control-conditions";
import {
  G1,
  combineAndVerify,
  decodeShare,
  encodeShare,
  encodeShareHex,
  publicKeyFromSecret,
  sign,
  signShare,
  type G1Point,
} from "../../src/crypto/bls";
import { decrypt, encrypt } from "../../src/crypto/ibe";
import { encryptionIdentity, hashConditionsHex, type ConditionKind } from "../../src/crypto/conditions";
import { blsG1Group } from "../../src/crypto/group";
import { share as shamir, thresholdFor } from "../../src/crypto/polynomial";
import blsVectors from "../vectors/bls-vectors.json";
import ibeVectors from "../vectors/ibe-vectors.json";
import conditionFixtures from "../vectors/ibe-conditions.json";

const VARIANT = "Bls12381G2";
const utf8 = new TextEncoder();

function network(n: number) {
  const { t, quorum } = thresholdFor(n);
  const secret = blsG1Group.randomScalar();
  const { shares } = shamir(blsG1Group, secret, t, n);
  const publicKeyShares = new Map<number, G1Point>(shares.map((s, k) => [k + 1, publicKeyFromSecret(s)]));
  return { t, quorum, secret, keyShares: shares, publicKey: publicKeyFromSecret(secret), publicKeyShares };
}

/** The error a promise rejects with (fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe("interoperability with @lit-protocol/wasm", () => {
  describe("blsCombine / blsVerify", () => {
    for (const n of [4, 10]) {
      it(`combines our 97-byte shares (N = ${n}, 2t+1 signers) into our signature, which blsVerify accepts`, async () => {
        const net = network(n);
        const message = "lit-accesscontrolcondition://" + "ab".repeat(32) + "/" + "cd".repeat(32);
        const signers = Array.from({ length: net.quorum }, (_, k) => n - k);
        const shares = signers.map((i) => signShare(i, net.keyShares[i - 1], message));
        const combined = await blsCombine(VARIANT, shares.map(encodeShare));
        const ours = combineAndVerify({
          message,
          publicKey: net.publicKey,
          publicKeyShares: net.publicKeyShares,
          threshold: net.t + 1,
          shares,
        }).signature;
        expect(bytesToHex(combined)).to.equal(bytesToHex(ours.toBytes(true)));
        await blsVerify(VARIANT, net.publicKey.toBytes(true), utf8.encode(message), combined);
      });
    }

    it("combines the known-answer shares into the known-answer signature", async () => {
      const t = blsVectors.threshold;
      const combined = await blsCombine(
        VARIANT,
        t.shares.slice(2, 2 + t.degree + 1).map((s) => hexToBytes(s.share)),
      );
      expect(bytesToHex(combined)).to.equal(t.signature);
      await blsVerify(VARIANT, hexToBytes(t.publicKey), utf8.encode(t.message), combined);
    });

    it("accepts our hash-to-G2 points under the PoP DST as signatures of the secret key 1", async () => {
      for (const v of blsVectors.hashToG2.filter((x) => x.dst.endsWith("_POP_")))
        await blsVerify(VARIANT, G1.BASE.toBytes(true), utf8.encode(v.msg), hexToBytes(v.point));
    });

    describe("when a share or the signature is wrong", () => {
      it("blsVerify rejects a combination with a corrupted share and a signature on another message", async () => {
        const net = network(4);
        const shares = [1, 2].map((i) => signShare(i, net.keyShares[i - 1], "m"));
        const bad = { index: 2, signature: shares[1].signature.add(sign(1n, "x")) };
        const combined = await blsCombine(VARIANT, [encodeShare(shares[0]), encodeShare(bad)]);
        expect(
          await rejection(blsVerify(VARIANT, net.publicKey.toBytes(true), utf8.encode("m"), combined)),
        ).to.be.instanceOf(Error);
        const other = sign(net.secret, "other").toBytes(true);
        expect(
          await rejection(blsVerify(VARIANT, net.publicKey.toBytes(true), utf8.encode("m"), other)),
        ).to.be.instanceOf(Error);
      });
    });
  });

  describe("blsEncrypt / blsDecrypt", () => {
    const sk = blsG1Group.randomScalar();
    const pk = publicKeyFromSecret(sk);
    const plaintextFor = (size: number) => bytes(size, size + 11);
    const identityFor = (p: Uint8Array) =>
      encryptionIdentity(
        { kind: "accessControlConditions", conditions: conditionFixtures.vectors[0].conditions },
        p,
      );

    for (const size of [0, 1, 31, 32, 1000, 100_000]) {
      it(`our decrypt opens blsEncrypt's ${size}-byte ciphertext, and blsDecrypt opens ours`, async () => {
        const plaintext = plaintextFor(size);
        const identity = identityFor(plaintext);
        const key = sign(sk, identity);
        const theirs = await blsEncrypt(VARIANT, pk.toBytes(true), plaintext, utf8.encode(identity));
        expect(bytesToHex(decrypt(theirs, key))).to.equal(bytesToHex(plaintext));
        const ours = encrypt(pk, identity, plaintext);
        expect(ours.length).to.equal(theirs.length);
        expect(bytesToHex(await blsDecrypt(VARIANT, ours, key.toBytes(true)))).to.equal(
          bytesToHex(plaintext),
        );
      });
    }

    it("blsDecrypt opens the known-answer ciphertext", async () => {
      const v = ibeVectors.ciphertext;
      const out = await blsDecrypt(VARIANT, hexToBytes(v.ciphertextHex), hexToBytes(v.identityKey));
      expect(bytesToHex(out)).to.equal(v.plaintextHex);
    });

    it("Lit's client steps (@lit-protocol/crypto v7) decrypt with our nodes' shares, and we decrypt theirs", async () => {
      const net = network(7);
      const plaintext = utf8.encode("threshold decryption");
      const identity = identityFor(plaintext);
      // encrypt(): blsEncrypt to the 96-hex-digit subnet key, base64 ciphertext.
      const subnetPubKey = bytesToHex(net.publicKey.toBytes(true));
      expect(subnetPubKey).to.have.length(96);
      const ciphertextBase64 = Buffer.from(
        await blsEncrypt(VARIANT, Buffer.from(subnetPubKey, "hex"), plaintext, utf8.encode(identity)),
      ).toString("base64");
      // Each node answers encryption/sign with signatureShare.ProofOfPossession (hex of 97 bytes).
      const responses = [2, 4, 5, 6, 7].map((i) => ({
        signatureShare: { ProofOfPossession: encodeShareHex(signShare(i, net.keyShares[i - 1], identity)) },
      }));
      // verifyAndDecryptWithSignatureShares(): blsCombine, blsVerify against the subnet key, blsDecrypt.
      const signature = await blsCombine(
        VARIANT,
        responses.map((r) => Buffer.from(r.signatureShare.ProofOfPossession, "hex")),
      );
      await blsVerify(VARIANT, Buffer.from(subnetPubKey, "hex"), utf8.encode(identity), signature);
      const ciphertext = Buffer.from(ciphertextBase64, "base64");
      expect(new TextDecoder().decode(await blsDecrypt(VARIANT, ciphertext, signature))).to.equal(
        "threshold decryption",
      );
      // Our client side: decode the shares strictly, combine with verification, decrypt.
      const shares = responses.map((r, k) =>
        decodeShare(r.signatureShare.ProofOfPossession, [2, 4, 5, 6, 7][k]),
      );
      const ours = combineAndVerify({
        message: identity,
        publicKey: net.publicKey,
        publicKeyShares: net.publicKeyShares,
        threshold: net.t + 1,
        shares,
      });
      expect(bytesToHex(ours.signature.toBytes(true))).to.equal(bytesToHex(signature));
      expect(new TextDecoder().decode(decrypt(ciphertext, ours.signature))).to.equal("threshold decryption");
    });

    describe("when the key or ciphertext is wrong", () => {
      it("both sides refuse a key for another identity and a tampered ciphertext", async () => {
        const plaintext = plaintextFor(64);
        const identity = identityFor(plaintext);
        const ours = encrypt(pk, identity, plaintext);
        const wrongKey = sign(sk, identity + "x").toBytes(true);
        expect(await rejection(blsDecrypt(VARIANT, ours, wrongKey))).to.be.instanceOf(Error);
        expect(() => decrypt(ours, wrongKey)).to.throw();
        const tampered = Uint8Array.from(ours);
        tampered[100] ^= 1;
        expect(
          await rejection(blsDecrypt(VARIANT, tampered, sign(sk, identity).toBytes(true))),
        ).to.be.instanceOf(Error);
        expect(() => decrypt(tampered, sign(sk, identity))).to.throw();
      });
    });
  });
});

describe("interoperability with @lit-protocol/access-control-conditions", () => {
  const litHash: Record<ConditionKind, (c: never) => Promise<ArrayBuffer>> = {
    accessControlConditions: hashAccessControlConditions as never,
    evmContractConditions: hashEVMContractConditions as never,
    solRpcConditions: hashSolRpcConditions as never,
    unifiedAccessControlConditions: hashUnifiedAccessControlConditions as never,
  };

  for (const v of conditionFixtures.vectors) {
    it(`hashes ${v.name} as Lit's client does`, async () => {
      const kind = v.kind as ConditionKind;
      const theirs = bytesToHex(new Uint8Array(await litHash[kind](v.conditions as never)));
      expect(hashConditionsHex(kind, v.conditions)).to.equal(theirs);
      expect(encryptionIdentity({ kind, conditions: v.conditions }, utf8.encode(v.plaintextUtf8))).to.equal(
        `lit-accesscontrolcondition://${theirs}/${v.dataToEncryptHash}`,
      );
    });
  }
});
