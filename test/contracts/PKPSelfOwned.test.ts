import { expect } from "chai";
import {
  AUTH_METHOD_ACTION,
  deployWithPoolFixture,
  fakeCid,
  KEY_TYPE_ECDSA,
  loadFixture,
  MINT_COST,
  pkpWallet,
} from "./fixtures";

describe("a PKP sent to itself", () => {
  const cid = fakeCid("the PKP's own policy");
  const newCid = fakeCid("a policy the PKP itself approved");

  async function selfOwnedFixture() {
    const system = await deployWithPoolFixture();
    const key = system.pool[0];
    await system.pkpHelper
      .connect(system.alice)
      .mintNextAndAddAuthMethodsWithTypes(KEY_TYPE_ECDSA, [cid], [[1n]], [], [], [], [], [], [], true, true, {
        value: MINT_COST,
      });
    return { ...system, key, wallet: await pkpWallet(key) };
  }

  describe("when anyone but the PKP tries to change it", () => {
    it("reverts with PKPPermissionsNotOwner: the minter, the deployer and strangers alike", async () => {
      const { pkpPermissions, key, alice, bob, deployer } = await loadFixture(selfOwnedFixture);
      for (const caller of [alice, bob, deployer]) {
        await expect(pkpPermissions.connect(caller).addPermittedAction(key.tokenId, newCid, [1n]))
          .to.be.revertedWithCustomError(pkpPermissions, "PKPPermissionsNotOwner")
          .withArgs(caller.address, key.tokenId);
        await expect(pkpPermissions.connect(caller).removePermittedAction(key.tokenId, cid))
          .to.be.revertedWithCustomError(pkpPermissions, "PKPPermissionsNotOwner")
          .withArgs(caller.address, key.tokenId);
      }
    });

    it("cannot move the token either", async () => {
      const { pkpNft, key, alice } = await loadFixture(selfOwnedFixture);
      await expect(pkpNft.connect(alice).transferFrom(key.ethAddress, alice.address, key.tokenId))
        .to.be.revertedWithCustomError(pkpNft, "ERC721InsufficientApproval")
        .withArgs(alice.address, key.tokenId);
    });
  });

  describe("when a transaction signed with the PKP's own key changes it", () => {
    it("succeeds", async () => {
      const { pkpPermissions, key, wallet } = await loadFixture(selfOwnedFixture);
      expect(wallet.address).to.equal(key.ethAddress);
      await expect(pkpPermissions.connect(wallet).addPermittedAction(key.tokenId, newCid, [1n]))
        .to.emit(pkpPermissions, "PermittedAuthMethodAdded")
        .withArgs(key.tokenId, AUTH_METHOD_ACTION, newCid, "0x");
      await pkpPermissions.connect(wallet).removePermittedAction(key.tokenId, cid);
      expect(await pkpPermissions.getPermittedActions(key.tokenId)).to.deep.equal([newCid]);
      expect(await pkpPermissions.getPermittedAddresses(key.tokenId)).to.deep.equal([key.ethAddress]);
    });

    it("can give the token away, after which the PKP's key no longer controls it", async () => {
      const { pkpNft, pkpPermissions, key, wallet, bob } = await loadFixture(selfOwnedFixture);
      await pkpNft.connect(wallet).transferFrom(key.ethAddress, bob.address, key.tokenId);
      await expect(pkpPermissions.connect(wallet).addPermittedAction(key.tokenId, newCid, []))
        .to.be.revertedWithCustomError(pkpPermissions, "PKPPermissionsNotOwner")
        .withArgs(key.ethAddress, key.tokenId);
      await pkpPermissions.connect(bob).addPermittedAction(key.tokenId, newCid, []);
    });
  });
});
