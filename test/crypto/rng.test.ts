/**
 * The one deterministic stream of the library (src/crypto/rng.ts), shared by the DKG and threshold
 * ECDSA with a domain per family.
 */
import { expect } from "chai";
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex, concatBytes, utf8ToBytes } from "@noble/hashes/utils";
import { blsG1Group, secp256k1Group } from "../../src/crypto/group";
import {
  RNG_DOMAIN,
  deterministicRng,
  randomScalarFrom,
  systemRng,
  type RngDomain,
} from "../../src/crypto/rng";
import * as dkg from "../../src/crypto/dkg";
import * as ecdsa from "../../src/crypto/ecdsa";
import { CryptoError } from "../../src/crypto/errors";

function block(label: string, seed: string, k: number): Uint8Array {
  const ctr = new Uint8Array(8);
  new DataView(ctr.buffer).setBigUint64(0, BigInt(k));
  return sha256(concatBytes(utf8ToBytes(label), utf8ToBytes(seed), ctr));
}

describe("deterministicRng", () => {
  it("is the stream SHA-256(label ‖ seed ‖ k as 8 big-endian bytes), blocks concatenated, for each domain", () => {
    for (const domain of Object.keys(RNG_DOMAIN) as RngDomain[]) {
      const label = RNG_DOMAIN[domain];
      const expected = concatBytes(block(label, "s", 0), block(label, "s", 1), block(label, "s", 2));
      expect(bytesToHex(deterministicRng("s", domain)(96)), domain).to.equal(bytesToHex(expected));
    }
  });

  it("keeps the labels the vectors were drawn from", () => {
    expect(RNG_DOMAIN).to.deep.equal({
      dkg: "pkp-network/test-rng/v1",
      ecdsa: "pkp-network/ecdsa/test-rng/v1",
    });
  });

  it("separates the domains: one seed gives unrelated streams to the DKG and to ECDSA", () => {
    expect(bytesToHex(deterministicRng("seed", "dkg")(64))).to.not.equal(
      bytesToHex(deterministicRng("seed", "ecdsa")(64)),
    );
  });

  it("does not depend on how the stream is cut into reads", () => {
    const whole = deterministicRng("cut", "ecdsa")(100);
    const rng = deterministicRng("cut", "ecdsa");
    const parts = concatBytes(rng(1), rng(31), rng(0), rng(33), rng(35));
    expect(bytesToHex(parts)).to.equal(bytesToHex(whole));
  });

  it("takes bytes and strings as seeds alike (a string is its UTF-8 bytes)", () => {
    expect(bytesToHex(deterministicRng(utf8ToBytes("é"), "dkg")(32))).to.equal(
      bytesToHex(deterministicRng("é", "dkg")(32)),
    );
  });

  it("is the same function through the DKG and ECDSA entry points", () => {
    expect(dkg.deterministicRng).to.equal(deterministicRng);
    expect(ecdsa.deterministicRng).to.equal(deterministicRng);
    expect(dkg.systemRng).to.equal(systemRng);
    expect(ecdsa.systemRng).to.equal(systemRng);
  });

  it("refuses an unknown domain", () => {
    expect(() => deterministicRng("s", "frost" as RngDomain)).to.throw(CryptoError, /unknown domain frost/);
  });

  it("refuses a length that is not a natural number", () => {
    const rng = deterministicRng("s", "dkg");
    for (const bad of [-1, 1.5, Number.NaN])
      expect(() => rng(bad), String(bad)).to.throw(CryptoError, /natural number/);
  });
});

describe("randomScalarFrom", () => {
  it("draws scalarLength + 32 bytes, reduced mod the order, for both groups", () => {
    for (const group of [secp256k1Group, blsG1Group]) {
      const bytes = deterministicRng("scalar", "dkg")(group.scalarLength + 32);
      const expected = group.Fn.create(BigInt("0x" + bytesToHex(bytes)));
      expect(randomScalarFrom(group, deterministicRng("scalar", "dkg")), group.name).to.equal(expected);
    }
  });

  it("skips a zero draw", () => {
    let calls = 0;
    const zeroThenOne = (length: number) => {
      const out = new Uint8Array(length);
      if (calls++ > 0) out[length - 1] = 1;
      return out;
    };
    expect(randomScalarFrom(secp256k1Group, zeroThenOne)).to.equal(1n);
    expect(calls).to.equal(2);
  });
});
