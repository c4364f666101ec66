import { expect } from "chai";
import { ethers } from "hardhat";
import {
  deployPKPSystemFixture,
  KEY_TYPE_ECDSA,
  loadFixture,
  MINT_COST,
  mintedTokenId,
  mintPkp,
  pkpWallet,
  routeKeyAsAdmin,
  type PKPSystemFixture,
} from "./fixtures";
import { shouldBehaveLikePKPPermissions, type PermissionsContext } from "./PKPPermissions.behavior";

/** A PKP minted with PKPNFT.mintNext, owned by alice. */
async function mintedDirectlyFixture(): Promise<PermissionsContext> {
  const system = await deployPKPSystemFixture();
  const key = await mintPkp(system, system.alice);
  return { system, key, tokenId: key.tokenId, owner: system.alice, stranger: system.bob };
}

/** A fresh key minted by alice through PKPHelper with no permissions, kept by alice or sent to the PKP itself. */
async function mintBareThroughHelper(system: PKPSystemFixture, sendPkpToItself: boolean) {
  const key = await routeKeyAsAdmin(system);
  const tokenId = await mintedTokenId(
    system,
    system.pkpHelper
      .connect(system.alice)
      .mintNextAndAddAuthMethods(KEY_TYPE_ECDSA, [], [], [], [], false, sendPkpToItself, {
        value: MINT_COST,
      }),
  );
  return { key, tokenId };
}

/** A PKP minted through PKPHelper with no permissions, handed to alice. */
async function mintedThroughHelperFixture(): Promise<PermissionsContext> {
  const system = await deployPKPSystemFixture();
  const { key, tokenId } = await mintBareThroughHelper(system, false);
  return { system, key, tokenId, owner: system.alice, stranger: system.bob };
}

/** A PKP sent to itself: its owner is its own Ethereum address, driven with the test's copy of its key. */
async function sentToItselfFixture(): Promise<PermissionsContext> {
  const system = await deployPKPSystemFixture();
  const { key, tokenId } = await mintBareThroughHelper(system, true);
  const owner = await pkpWallet(key);
  return { system, key, tokenId, owner, stranger: system.alice };
}

describe("PKPPermissions", () => {
  describe("constructor", () => {
    describe("when an address is zero", () => {
      it("reverts with PKPPermissionsZeroAddress", async () => {
        const factory = await ethers.getContractFactory("PKPPermissions");
        const [signer] = await ethers.getSigners();
        await expect(factory.deploy(ethers.ZeroAddress, signer.address)).to.be.revertedWithCustomError(
          factory,
          "PKPPermissionsZeroAddress",
        );
        await expect(factory.deploy(signer.address, ethers.ZeroAddress)).to.be.revertedWithCustomError(
          factory,
          "PKPPermissionsZeroAddress",
        );
      });
    });

    describe("when deployed by the Ignition module", () => {
      it("is wired to PKPNFT and the router", async () => {
        const system = await loadFixture(deployPKPSystemFixture);
        expect(await system.pkpPermissions.pkpNft()).to.equal(await system.pkpNft.getAddress());
        expect(await system.pkpPermissions.pubkeyRouter()).to.equal(await system.pubkeyRouter.getAddress());
      });
    });
  });

  describe("for a PKP minted with mintNext", () => {
    shouldBehaveLikePKPPermissions(mintedDirectlyFixture);
  });

  describe("for a PKP minted through PKPHelper", () => {
    shouldBehaveLikePKPPermissions(mintedThroughHelperFixture);
  });

  describe("for a PKP sent to itself (every change signed with the PKP's own key)", () => {
    shouldBehaveLikePKPPermissions(sentToItselfFixture);
  });
});
