import { expect } from "chai";
import { Interface } from "ethers";

import { decodeRevert } from "../../src/chain/tx";

const iface = new Interface([
  "error PKPPermissionsNotOwner(address caller, uint256 tokenId)",
  "error PKPNFTNoUnmintedTokens(uint256 keyType)",
]);
const caller = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const data = iface.encodeErrorResult("PKPPermissionsNotOwner", [caller, 42n]);

describe("decodeRevert", function () {
  describe("when ethers already decoded the revert", function () {
    it("uses its name and arguments", function () {
      expect(decodeRevert({ revert: { name: "X", args: [1n] } }, [])).to.deep.equal({
        name: "X",
        args: [1n],
      });
    });
  });
  describe("when the revert data is nested in the error (as Hardhat's provider reports it)", function () {
    it("finds and decodes it with the given interfaces", function () {
      const decoded = decodeRevert({ error: { info: { error: { data } } } }, [new Interface([]), iface]);
      expect(decoded).to.deep.equal({ name: "PKPPermissionsNotOwner", args: [caller, 42n] });
    });
  });
  describe("when no interface knows the error or there is no data", function () {
    it("returns undefined", function () {
      expect(decodeRevert({ data: "0xdeadbeef00" }, [iface])).to.equal(undefined);
      expect(decodeRevert(new Error("boom"), [iface])).to.equal(undefined);
      expect(decodeRevert(null, [iface])).to.equal(undefined);
    });
  });
});
