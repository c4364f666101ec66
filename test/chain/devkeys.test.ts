import { expect } from "chai";
import { Network, computeAddress, keccak256 } from "ethers";
import type { Provider } from "ethers";
import { secp256k1 } from "@noble/curves/secp256k1";

import { assertDevChain, makeDevKey } from "../../src/chain/devkeys";
import { NotDevChainError } from "../../src/chain/errors";

/** A provider that only answers getNetwork, for the chain-id guard. */
function onChain(chainId: bigint): Provider {
  return { getNetwork: async () => new Network("test", chainId) } as unknown as Provider;
}

describe("makeDevKey", function () {
  it("makes a secp256k1 key pair whose token id and address follow the contracts' rules", function () {
    const key = makeDevKey();
    expect(key.pubkey).to.match(/^0x04[0-9a-f]{128}$/);
    expect(key.tokenId).to.equal(BigInt(keccak256(key.pubkey)));
    expect(key.ethAddress).to.equal(computeAddress(key.pubkey));
    const derived = secp256k1.getPublicKey(key.privateKey.slice(2), false);
    expect(`0x${Buffer.from(derived).toString("hex")}`).to.equal(key.pubkey);
  });
  it("makes a different key every time", function () {
    expect(makeDevKey().pubkey).to.not.equal(makeDevKey().pubkey);
  });
});

describe("assertDevChain", function () {
  describe("on a development chain", function () {
    for (const chainId of [31337n, 1337n]) {
      it(`accepts chain ${chainId.toString()}`, async function () {
        expect(await assertDevChain(onChain(chainId))).to.equal(chainId);
      });
    }
  });
  describe("on any other chain", function () {
    for (const chainId of [1n, 11155111n, 84532n, 175188n]) {
      it(`refuses chain ${chainId.toString()} with NotDevChainError`, async function () {
        let caught: unknown;
        try {
          await assertDevChain(onChain(chainId));
        } catch (error) {
          caught = error;
        }
        expect(caught).to.be.instanceOf(NotDevChainError);
        expect(caught).to.have.property("chainId", chainId);
      });
    }
  });
});
