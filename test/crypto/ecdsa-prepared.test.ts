/** Window tables for long-lived public points (src/crypto/ecdsa/common.ts `prepared4`). */
import { expect } from "chai";
import { secp256k1 } from "@noble/curves/secp256k1";
import { decodePoint, encodePoint, mulPublic, prepared4 } from "../../src/crypto/ecdsa/common";

describe("prepared4: a window table per public point, found again by value", () => {
  const key = secp256k1.Point.BASE.multiply(123456789n);
  const hex = encodePoint(key);

  it("returns the point that already has a table for an equal point decoded again", () => {
    const a = prepared4(decodePoint(hex, "a"));
    const b = prepared4(decodePoint(hex, "b"));
    const c = prepared4(decodePoint(encodePoint(key, "uncompressed"), "c"));
    expect(b).to.equal(a);
    expect(c).to.equal(a);
    expect(a.equals(key)).to.equal(true);
  });

  it("multiplies with the table exactly as without it, and keeps distinct points apart", () => {
    const other = prepared4(secp256k1.Point.BASE.multiply(987654321n));
    const k = 0xdeadbeefcafebaben;
    expect(mulPublic(prepared4(decodePoint(hex, "k")), k).equals(key.multiply(k))).to.equal(true);
    expect(other.equals(key)).to.equal(false);
    expect(mulPublic(other, k).equals(secp256k1.Point.BASE.multiply(987654321n * k))).to.equal(true);
  });
});
