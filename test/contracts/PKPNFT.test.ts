import { expect } from "chai";
import { ethers } from "hardhat";
import { impersonateAccount, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import {
  AUTH_METHOD_ACTION,
  deployPKPSystemFixture,
  deployWithPoolFixture,
  fakeCid,
  KEY_TYPE_ECDSA,
  loadFixture,
  MINT_COST,
  mintedTokenId,
  mintPkp,
  randomKey,
  routeKeyAsAdmin,
  SCOPE_PERSONAL_SIGN,
  SCOPE_SIGN_ANYTHING,
  type PKPSystemFixture,
} from "./fixtures";

/** Every live token, by enumeration, must be exactly the set of tokens that exist, owner lists included. */
async function expectConsistentEnumeration(system: PKPSystemFixture, owners: string[]): Promise<void> {
  const { pkpNft } = system;
  const supply = await pkpNft.totalSupply();
  const all = new Set<bigint>();
  for (let i = 0n; i < supply; i++) all.add(await pkpNft.tokenByIndex(i));
  expect(all.size).to.equal(Number(supply));
  let owned = 0n;
  for (const owner of owners) {
    const balance = await pkpNft.balanceOf(owner);
    owned += balance;
    for (let i = 0n; i < balance; i++) {
      const tokenId = await pkpNft.tokenOfOwnerByIndex(owner, i);
      expect(await pkpNft.ownerOf(tokenId)).to.equal(owner);
      expect(all.has(tokenId)).to.equal(true);
    }
  }
  expect(owned).to.equal(supply);
}

describe("PKPNFT", () => {
  describe("constructor", () => {
    describe("when the router or metadata address is zero", () => {
      it("reverts with PKPNFTZeroAddress", async () => {
        const factory = await ethers.getContractFactory("PKPNFT");
        const [signer] = await ethers.getSigners();
        await expect(factory.deploy(ethers.ZeroAddress, signer.address, 1)).to.be.revertedWithCustomError(
          factory,
          "PKPNFTZeroAddress",
        );
        await expect(factory.deploy(signer.address, ethers.ZeroAddress, 1)).to.be.revertedWithCustomError(
          factory,
          "PKPNFTZeroAddress",
        );
      });
    });

    describe("when deployed by the Ignition module", () => {
      it("is 'Programmable Keypair' (PKP), costs 1 wei, is wired and owned by the deployer", async () => {
        const system = await loadFixture(deployPKPSystemFixture);
        const { pkpNft } = system;
        expect(await pkpNft.name()).to.equal("Programmable Keypair");
        expect(await pkpNft.symbol()).to.equal("PKP");
        expect(await pkpNft.mintCost()).to.equal(MINT_COST);
        expect(await pkpNft.owner()).to.equal(system.deployer.address);
        expect(await pkpNft.pubkeyRouter()).to.equal(await system.pubkeyRouter.getAddress());
        expect(await pkpNft.pkpPermissions()).to.equal(await system.pkpPermissions.getAddress());
        expect(await pkpNft.pkpNftMetadata()).to.equal(await system.pkpNftMetadata.getAddress());
        expect(await pkpNft.totalSupply()).to.equal(0n);
      });
    });
  });

  describe("supportsInterface", () => {
    it("supports ERC-165, ERC-721, ERC-721 Metadata and ERC-721 Enumerable, and nothing else", async () => {
      const { pkpNft } = await loadFixture(deployPKPSystemFixture);
      for (const id of ["0x01ffc9a7", "0x80ac58cd", "0x5b5e139f", "0x780e9d63"]) {
        expect(await pkpNft.supportsInterface(id)).to.equal(true);
      }
      expect(await pkpNft.supportsInterface("0xffffffff")).to.equal(false);
    });
  });

  describe("setPkpPermissions", () => {
    describe("when the caller is not the owner", () => {
      it("reverts with OwnableUnauthorizedAccount", async () => {
        const { pkpNft, alice } = await loadFixture(deployPKPSystemFixture);
        await expect(pkpNft.connect(alice).setPkpPermissions(alice.address))
          .to.be.revertedWithCustomError(pkpNft, "OwnableUnauthorizedAccount")
          .withArgs(alice.address);
      });
    });

    describe("when the address is zero", () => {
      it("reverts with PKPNFTZeroAddress", async () => {
        const { pkpNft } = await loadFixture(deployPKPSystemFixture);
        await expect(pkpNft.setPkpPermissions(ethers.ZeroAddress)).to.be.revertedWithCustomError(
          pkpNft,
          "PKPNFTZeroAddress",
        );
      });
    });

    describe("when it is set already (the module set it)", () => {
      it("reverts with PKPNFTPkpPermissionsAlreadySet: the wiring cannot change", async () => {
        const { pkpNft, alice } = await loadFixture(deployPKPSystemFixture);
        await expect(pkpNft.setPkpPermissions(alice.address)).to.be.revertedWithCustomError(
          pkpNft,
          "PKPNFTPkpPermissionsAlreadySet",
        );
      });
    });
  });

  describe("setMintCost", () => {
    describe("when the caller is not the owner", () => {
      it("reverts with OwnableUnauthorizedAccount", async () => {
        const { pkpNft, alice } = await loadFixture(deployPKPSystemFixture);
        await expect(pkpNft.connect(alice).setMintCost(5))
          .to.be.revertedWithCustomError(pkpNft, "OwnableUnauthorizedAccount")
          .withArgs(alice.address);
      });
    });

    describe("when the cost does not fit in 96 bits", () => {
      it("reverts with PKPNFTMintCostTooHigh", async () => {
        const { pkpNft } = await loadFixture(deployPKPSystemFixture);
        await expect(pkpNft.setMintCost(1n << 96n))
          .to.be.revertedWithCustomError(pkpNft, "PKPNFTMintCostTooHigh")
          .withArgs(1n << 96n);
      });
    });

    describe("when called by the owner", () => {
      it("emits MintCostSet and mints then cost the new price", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        const cost = ethers.parseEther("0.5");
        await expect(system.pkpNft.setMintCost(cost)).to.emit(system.pkpNft, "MintCostSet").withArgs(cost);
        expect(await system.pkpNft.mintCost()).to.equal(cost);
        await expect(system.pkpNft.connect(system.alice).mintNext(KEY_TYPE_ECDSA, { value: MINT_COST }))
          .to.be.revertedWithCustomError(system.pkpNft, "PKPNFTIncorrectMintCost")
          .withArgs(MINT_COST, cost);
        await expect(system.pkpNft.connect(system.alice).mintNext(KEY_TYPE_ECDSA, { value: cost })).to.emit(
          system.pkpNft,
          "PKPMinted",
        );
      });

      it("can make minting free", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        await system.pkpNft.setMintCost(0);
        await expect(system.pkpNft.connect(system.alice).mintNext(KEY_TYPE_ECDSA)).to.emit(
          system.pkpNft,
          "PKPMinted",
        );
      });
    });
  });

  describe("withdraw", () => {
    describe("when the caller is not the owner", () => {
      it("reverts with OwnableUnauthorizedAccount", async () => {
        const { pkpNft, alice } = await loadFixture(deployPKPSystemFixture);
        await expect(pkpNft.connect(alice).withdraw())
          .to.be.revertedWithCustomError(pkpNft, "OwnableUnauthorizedAccount")
          .withArgs(alice.address);
      });
    });

    describe("when called by the owner", () => {
      it("sends the mint fees to the owner and emits Withdrew", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        await system.pkpNft.setMintCost(1000);
        await system.pkpNft.connect(system.alice).mintNext(KEY_TYPE_ECDSA, { value: 1000 });
        await system.pkpNft.connect(system.bob).mintNext(KEY_TYPE_ECDSA, { value: 1000 });
        const tx = system.pkpNft.withdraw();
        await expect(tx).to.emit(system.pkpNft, "Withdrew").withArgs(2000);
        await expect(tx).to.changeEtherBalances([system.pkpNft, system.deployer], [-2000, 2000]);
      });
    });

    describe("when the owner cannot receive ether", () => {
      it("reverts with PKPNFTWithdrawFailed", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        const owner = await (await ethers.getContractFactory("EtherRejectingOwnerMock")).deploy();
        await system.pkpNft.connect(system.alice).mintNext(KEY_TYPE_ECDSA, { value: MINT_COST });
        await system.pkpNft.transferOwnership(await owner.getAddress());
        await expect(owner.withdrawFrom(await system.pkpNft.getAddress())).to.be.revertedWithCustomError(
          system.pkpNft,
          "PKPNFTWithdrawFailed",
        );
      });
    });
  });

  describe("mintNext", () => {
    describe("when the value is not the mint cost", () => {
      it("reverts with PKPNFTIncorrectMintCost", async () => {
        const { pkpNft, alice } = await loadFixture(deployWithPoolFixture);
        await expect(pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA))
          .to.be.revertedWithCustomError(pkpNft, "PKPNFTIncorrectMintCost")
          .withArgs(0, MINT_COST);
        await expect(pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: 2 }))
          .to.be.revertedWithCustomError(pkpNft, "PKPNFTIncorrectMintCost")
          .withArgs(2, MINT_COST);
      });
    });

    describe("when the pool is empty", () => {
      it("reverts with PKPNFTNoUnmintedTokens", async () => {
        const { pkpNft, alice } = await loadFixture(deployPKPSystemFixture);
        await expect(pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: MINT_COST }))
          .to.be.revertedWithCustomError(pkpNft, "PKPNFTNoUnmintedTokens")
          .withArgs(KEY_TYPE_ECDSA);
      });
    });

    describe("when the key type has no pool (only ECDSA keys are PKPs)", () => {
      it("reverts with PKPNFTNoUnmintedTokens", async () => {
        const { pkpNft, alice } = await loadFixture(deployWithPoolFixture);
        await expect(pkpNft.connect(alice).mintNext(1, { value: MINT_COST }))
          .to.be.revertedWithCustomError(pkpNft, "PKPNFTNoUnmintedTokens")
          .withArgs(1);
        expect(await pkpNft.getUnmintedRoutedTokenIdCount(1)).to.equal(0n);
      });
    });

    describe("when a key is in the pool", () => {
      it("mints the oldest pooled key to the caller and emits PKPMinted and Transfer", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        const { pkpNft, alice, pool } = system;
        const tx = pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: MINT_COST });
        await expect(tx).to.emit(pkpNft, "PKPMinted").withArgs(pool[0].tokenId, pool[0].pubkey);
        await expect(tx)
          .to.emit(pkpNft, "Transfer")
          .withArgs(ethers.ZeroAddress, alice.address, pool[0].tokenId);
        expect(await pkpNft.ownerOf(pool[0].tokenId)).to.equal(alice.address);
        expect(await pkpNft.exists(pool[0].tokenId)).to.equal(true);
        expect(await pkpNft.getUnmintedRoutedTokenIdCount(KEY_TYPE_ECDSA)).to.equal(4n);
        expect(await pkpNft.getPubkey(pool[0].tokenId)).to.equal(pool[0].pubkey);
        expect(await pkpNft.getEthAddress(pool[0].tokenId)).to.equal(pool[0].ethAddress);
        expect(await pkpNft.totalSupply()).to.equal(1n);
        expect(await pkpNft.tokenByIndex(0)).to.equal(pool[0].tokenId);
        expect(await pkpNft.tokenOfOwnerByIndex(alice.address, 0)).to.equal(pool[0].tokenId);
      });

      it("returns the token id", async () => {
        const { pkpNft, alice, pool } = await loadFixture(deployWithPoolFixture);
        expect(
          await pkpNft.connect(alice).mintNext.staticCall(KEY_TYPE_ECDSA, { value: MINT_COST }),
        ).to.equal(pool[0].tokenId);
      });

      it("empties the pool after as many mints as keys", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        for (const key of system.pool) {
          expect(
            await mintedTokenId(
              system,
              system.pkpNft.connect(system.bob).mintNext(KEY_TYPE_ECDSA, { value: MINT_COST }),
            ),
          ).to.equal(key.tokenId);
        }
        await expect(system.pkpNft.connect(system.bob).mintNext(KEY_TYPE_ECDSA, { value: MINT_COST }))
          .to.be.revertedWithCustomError(system.pkpNft, "PKPNFTNoUnmintedTokens")
          .withArgs(KEY_TYPE_ECDSA);
      });
    });

    describe("when the caller is a contract", () => {
      it("mints to it when it accepts ERC-721 tokens", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        const minter = await (
          await ethers.getContractFactory("PKPMinterMock")
        ).deploy(await system.pkpNft.getAddress());
        await minter.mint(KEY_TYPE_ECDSA, { value: MINT_COST });
        expect(await system.pkpNft.ownerOf(system.pool[0].tokenId)).to.equal(await minter.getAddress());
      });

      it("reverts with ERC721InvalidReceiver when it returns the wrong selector", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        const minter = await (
          await ethers.getContractFactory("PKPMinterMock")
        ).deploy(await system.pkpNft.getAddress());
        await minter.setMode(1);
        await expect(minter.mint(KEY_TYPE_ECDSA, { value: MINT_COST }))
          .to.be.revertedWithCustomError(system.pkpNft, "ERC721InvalidReceiver")
          .withArgs(await minter.getAddress());
      });

      it("reverts with the receiver's own error when it refuses", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        const minter = await (
          await ethers.getContractFactory("PKPMinterMock")
        ).deploy(await system.pkpNft.getAddress());
        await minter.setMode(2);
        await expect(minter.mint(KEY_TYPE_ECDSA, { value: MINT_COST })).to.be.revertedWithCustomError(
          minter,
          "PKPMinterMockRefused",
        );
      });

      it("reverts with ERC721InvalidReceiver when it cannot receive ERC-721 tokens", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        const owner = await (await ethers.getContractFactory("EtherRejectingOwnerMock")).deploy();
        // A contract without onERC721Received: send the call from its address.
        const address = await owner.getAddress();
        await impersonateAccount(address);
        await setBalance(address, ethers.parseEther("1"));
        const signer = await ethers.getSigner(address);
        await expect(system.pkpNft.connect(signer).mintNext(KEY_TYPE_ECDSA, { value: MINT_COST }))
          .to.be.revertedWithCustomError(system.pkpNft, "ERC721InvalidReceiver")
          .withArgs(address);
      });

      it("stays consistent when the receiver mints again from inside onERC721Received", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        const minter = await (
          await ethers.getContractFactory("PKPMinterMock")
        ).deploy(await system.pkpNft.getAddress());
        await system.deployer.sendTransaction({ to: await minter.getAddress(), value: MINT_COST });
        await minter.setMode(3);
        await minter.mint(KEY_TYPE_ECDSA, { value: MINT_COST });
        const address = await minter.getAddress();
        expect(await system.pkpNft.balanceOf(address)).to.equal(2n);
        expect(await minter.reentered()).to.equal(system.pool[1].tokenId);
        await expectConsistentEnumeration(system, [address]);
        expect(await system.pkpNft.getUnmintedRoutedTokenIdCount(KEY_TYPE_ECDSA)).to.equal(3n);
      });
    });
  });

  describe("mintGrantAndBurnNext", () => {
    const cid = fakeCid("console.log('only this code may sign')");

    describe("when the pool has a key", () => {
      it("mints, permits exactly that action with SignAnything and burns, in one transaction", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        const { pkpNft, pkpPermissions, alice, pool } = system;
        const tokenId = pool[0].tokenId;
        const tx = pkpNft.connect(alice).mintGrantAndBurnNext(KEY_TYPE_ECDSA, cid, { value: MINT_COST });
        await expect(tx).to.emit(pkpNft, "PKPMinted").withArgs(tokenId, pool[0].pubkey);
        await expect(tx)
          .to.emit(pkpNft, "Transfer")
          .withArgs(ethers.ZeroAddress, await pkpNft.getAddress(), tokenId);
        await expect(tx)
          .to.emit(pkpPermissions, "PermittedAuthMethodAdded")
          .withArgs(tokenId, AUTH_METHOD_ACTION, cid, "0x");
        await expect(tx)
          .to.emit(pkpPermissions, "PermittedAuthMethodScopeAdded")
          .withArgs(tokenId, AUTH_METHOD_ACTION, cid, SCOPE_SIGN_ANYTHING);
        await expect(tx)
          .to.emit(pkpNft, "Transfer")
          .withArgs(await pkpNft.getAddress(), ethers.ZeroAddress, tokenId);

        expect(await pkpNft.exists(tokenId)).to.equal(false);
        await expect(pkpNft.ownerOf(tokenId))
          .to.be.revertedWithCustomError(pkpNft, "ERC721NonexistentToken")
          .withArgs(tokenId);
        expect(await pkpNft.totalSupply()).to.equal(0n);
        expect(await pkpNft.getUnmintedRoutedTokenIdCount(KEY_TYPE_ECDSA)).to.equal(4n);
        expect(await pkpPermissions.isPermittedAction(tokenId, cid)).to.equal(true);
        expect(await pkpPermissions.isPermittedAction(tokenId, fakeCid("other"))).to.equal(false);
        expect(await pkpPermissions.getPermittedActions(tokenId)).to.deep.equal([cid]);
        expect(
          await pkpPermissions.isPermittedAuthMethodScopePresent(
            tokenId,
            AUTH_METHOD_ACTION,
            cid,
            SCOPE_SIGN_ANYTHING,
          ),
        ).to.equal(true);
        expect(
          await pkpPermissions.isPermittedAuthMethodScopePresent(
            tokenId,
            AUTH_METHOD_ACTION,
            cid,
            SCOPE_PERSONAL_SIGN,
          ),
        ).to.equal(false);
        expect(await pkpPermissions.getPermittedAddresses(tokenId)).to.deep.equal([]);
        expect(await pkpPermissions.isPermittedAddress(tokenId, alice.address)).to.equal(false);
        expect(await pkpPermissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, cid)).to.deep.equal([
          tokenId,
        ]);
        expect(await pkpNft.getPubkey(tokenId)).to.equal(pool[0].pubkey);
      });

      it("returns the token id", async () => {
        const { pkpNft, alice, pool } = await loadFixture(deployWithPoolFixture);
        expect(
          await pkpNft
            .connect(alice)
            .mintGrantAndBurnNext.staticCall(KEY_TYPE_ECDSA, cid, { value: MINT_COST }),
        ).to.equal(pool[0].tokenId);
      });

      it("afterwards, no one can add or remove any permission", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        const { pkpNft, pkpPermissions, alice, bob, deployer, pool } = system;
        const tokenId = pool[0].tokenId;
        await pkpNft.connect(alice).mintGrantAndBurnNext(KEY_TYPE_ECDSA, cid, { value: MINT_COST });
        const other = fakeCid("other code");
        for (const caller of [alice, bob, deployer]) {
          const p = pkpPermissions.connect(caller);
          const attempts = [
            () => p.addPermittedAction(tokenId, other, [SCOPE_SIGN_ANYTHING]),
            () => p.removePermittedAction(tokenId, cid),
            () => p.addPermittedAddress(tokenId, caller.address, [SCOPE_SIGN_ANYTHING]),
            () => p.removePermittedAddress(tokenId, caller.address),
            () =>
              p.addPermittedAuthMethod(tokenId, { authMethodType: 6n, id: "0x1234", userPubkey: "0x" }, [1n]),
            () => p.removePermittedAuthMethod(tokenId, AUTH_METHOD_ACTION, cid),
            () => p.addPermittedAuthMethodScope(tokenId, AUTH_METHOD_ACTION, cid, SCOPE_PERSONAL_SIGN),
            () => p.removePermittedAuthMethodScope(tokenId, AUTH_METHOD_ACTION, cid, SCOPE_SIGN_ANYTHING),
            () =>
              p.batchAddRemoveAuthMethods(
                tokenId,
                [6n],
                ["0x12"],
                ["0x"],
                [[1n]],
                [AUTH_METHOD_ACTION],
                [cid],
              ),
            () => p.setRootHash(tokenId, 0, ethers.ZeroHash),
          ];
          for (const attempt of attempts) {
            await expect(attempt())
              .to.be.revertedWithCustomError(pkpPermissions, "PKPPermissionsNotOwner")
              .withArgs(caller.address, tokenId);
          }
        }
        // The token cannot come back: its key left the pool for good.
        const minted: bigint[] = [];
        for (let i = 0; i < 4; i++) {
          minted.push(
            await mintedTokenId(system, pkpNft.connect(bob).mintNext(KEY_TYPE_ECDSA, { value: MINT_COST })),
          );
        }
        expect(minted).not.to.include(tokenId);
        await expect(
          pkpNft.connect(bob).mintNext(KEY_TYPE_ECDSA, { value: MINT_COST }),
        ).to.be.revertedWithCustomError(pkpNft, "PKPNFTNoUnmintedTokens");
        expect(await pkpPermissions.getPermittedActions(tokenId)).to.deep.equal([cid]);
      });
    });

    describe("when the CID is not a CIDv0 multihash", () => {
      it("reverts with PKPPermissionsInvalidAuthMethodId and mints nothing", async () => {
        const { pkpNft, pkpPermissions, alice } = await loadFixture(deployWithPoolFixture);
        const bad = "0x1220" + "00".repeat(31);
        await expect(pkpNft.connect(alice).mintGrantAndBurnNext(KEY_TYPE_ECDSA, bad, { value: MINT_COST }))
          .to.be.revertedWithCustomError(pkpPermissions, "PKPPermissionsInvalidAuthMethodId")
          .withArgs(AUTH_METHOD_ACTION, bad);
        expect(await pkpNft.getUnmintedRoutedTokenIdCount(KEY_TYPE_ECDSA)).to.equal(5n);
      });
    });

    describe("when the value is not the mint cost", () => {
      it("reverts with PKPNFTIncorrectMintCost", async () => {
        const { pkpNft, alice } = await loadFixture(deployWithPoolFixture);
        await expect(pkpNft.connect(alice).mintGrantAndBurnNext(KEY_TYPE_ECDSA, cid))
          .to.be.revertedWithCustomError(pkpNft, "PKPNFTIncorrectMintCost")
          .withArgs(0, MINT_COST);
      });
    });

    describe("when the pool is empty", () => {
      it("reverts with PKPNFTNoUnmintedTokens", async () => {
        const { pkpNft, alice } = await loadFixture(deployPKPSystemFixture);
        await expect(pkpNft.connect(alice).mintGrantAndBurnNext(KEY_TYPE_ECDSA, cid, { value: MINT_COST }))
          .to.be.revertedWithCustomError(pkpNft, "PKPNFTNoUnmintedTokens")
          .withArgs(KEY_TYPE_ECDSA);
      });
    });

    describe("when PKPPermissions has not been set", () => {
      it("reverts with PKPNFTPkpPermissionsNotSet", async () => {
        const system = await loadFixture(deployPKPSystemFixture);
        const nft = await (
          await ethers.getContractFactory("PKPNFT")
        ).deploy(await system.pubkeyRouter.getAddress(), await system.pkpNftMetadata.getAddress(), 1);
        await expect(
          nft.mintGrantAndBurnNext(KEY_TYPE_ECDSA, cid, { value: 1 }),
        ).to.be.revertedWithCustomError(nft, "PKPNFTPkpPermissionsNotSet");
      });
    });

    describe("when live tokens exist around it", () => {
      it("keeps the enumeration consistent", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        await system.pkpNft.connect(system.alice).mintNext(KEY_TYPE_ECDSA, { value: MINT_COST });
        await system.pkpNft
          .connect(system.bob)
          .mintGrantAndBurnNext(KEY_TYPE_ECDSA, cid, { value: MINT_COST });
        await system.pkpNft.connect(system.bob).mintNext(KEY_TYPE_ECDSA, { value: MINT_COST });
        expect(await system.pkpNft.totalSupply()).to.equal(2n);
        await expectConsistentEnumeration(system, [system.alice.address, system.bob.address]);
        expect(await system.pkpNft.getUnmintedRoutedTokenIdCount(KEY_TYPE_ECDSA)).to.equal(2n);
      });
    });
  });

  describe("pkpRouted", () => {
    describe("when the caller is not the router", () => {
      it("reverts with PKPNFTNotRouter", async () => {
        const { pkpNft, alice } = await loadFixture(deployPKPSystemFixture);
        await expect(pkpNft.connect(alice).pkpRouted(1n, KEY_TYPE_ECDSA))
          .to.be.revertedWithCustomError(pkpNft, "PKPNFTNotRouter")
          .withArgs(alice.address);
      });
    });

    describe("when the router passes a key type other than ECDSA", () => {
      it("reverts with PKPNFTUnsupportedKeyType", async () => {
        const system = await loadFixture(deployPKPSystemFixture);
        // A PKPNFT whose "router" is an account, to reach the checks the real router never fails.
        const nft = await (
          await ethers.getContractFactory("PKPNFT")
        ).deploy(system.alice.address, await system.pkpNftMetadata.getAddress(), 1);
        await expect(nft.connect(system.alice).pkpRouted(7n, 1n))
          .to.be.revertedWithCustomError(nft, "PKPNFTUnsupportedKeyType")
          .withArgs(1n);
      });
    });

    describe("when the key is pooled already", () => {
      it("reverts with PKPNFTAlreadyRouted", async () => {
        const system = await loadFixture(deployPKPSystemFixture);
        const nft = await (
          await ethers.getContractFactory("PKPNFT")
        ).deploy(system.alice.address, await system.pkpNftMetadata.getAddress(), 1);
        await expect(nft.connect(system.alice).pkpRouted(7n, KEY_TYPE_ECDSA))
          .to.emit(nft, "PkpRouted")
          .withArgs(7n, KEY_TYPE_ECDSA);
        await expect(nft.connect(system.alice).pkpRouted(7n, KEY_TYPE_ECDSA))
          .to.be.revertedWithCustomError(nft, "PKPNFTAlreadyRouted")
          .withArgs(7n);
      });
    });
  });

  describe("tokenURI", () => {
    describe("when the token exists", () => {
      it("returns a base64 JSON data URI from PKPNFTMetadata", async () => {
        const system = await loadFixture(deployPKPSystemFixture);
        const key = await mintPkp(system, system.alice);
        const uri = await system.pkpNft.tokenURI(key.tokenId);
        expect(uri).to.equal(await system.pkpNftMetadata.tokenURI(key.tokenId, key.pubkey, key.ethAddress));
        const json = JSON.parse(Buffer.from(uri.split(",")[1], "base64").toString("utf8"));
        expect(json.name).to.equal(`Lit PKP #${key.tokenId}`);
      });
    });

    describe("when the token does not exist", () => {
      it("reverts with ERC721NonexistentToken", async () => {
        const { pkpNft } = await loadFixture(deployPKPSystemFixture);
        await expect(pkpNft.tokenURI(5n))
          .to.be.revertedWithCustomError(pkpNft, "ERC721NonexistentToken")
          .withArgs(5n);
      });
    });
  });

  describe("getPkpInfoFromOwnerAddress", () => {
    it("pages through an owner's PKPs", async () => {
      const system = await loadFixture(deployWithPoolFixture);
      for (let i = 0; i < 5; i++) {
        await system.pkpNft.connect(system.alice).mintNext(KEY_TYPE_ECDSA, { value: MINT_COST });
      }
      const pages = [];
      for (let page = 0; page < 4; page++) {
        pages.push(await system.pkpNft.getPkpInfoFromOwnerAddress(system.alice.address, 2, page));
      }
      expect(pages.map((p) => p.length)).to.deep.equal([2, 2, 1, 0]);
      const infos = pages.flat();
      expect(infos.map((i) => i.tokenId)).to.deep.equal(system.pool.map((k) => k.tokenId));
      expect(infos.map((i) => i.pubkey)).to.deep.equal(system.pool.map((k) => k.pubkey));
      expect(infos.map((i) => i.ethAddress)).to.deep.equal(system.pool.map((k) => k.ethAddress));
      expect(await system.pkpNft.getPkpInfoFromOwnerAddress(system.alice.address, 0, 0)).to.deep.equal([]);
      expect(await system.pkpNft.getPkpInfoFromOwnerAddress(system.bob.address, 10, 0)).to.deep.equal([]);
    });
  });

  describe("views of unknown tokens", () => {
    it("exists is false, getPubkey empty, getEthAddress zero", async () => {
      const { pkpNft } = await loadFixture(deployPKPSystemFixture);
      const key = randomKey();
      expect(await pkpNft.exists(key.tokenId)).to.equal(false);
      expect(await pkpNft.getPubkey(key.tokenId)).to.equal("0x");
      expect(await pkpNft.getEthAddress(key.tokenId)).to.equal(ethers.ZeroAddress);
    });
  });

  describe("enumeration (ERC-721 Enumerable)", () => {
    describe("when an index is out of bounds", () => {
      it("reverts with ERC721OutOfBoundsIndex", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        await system.pkpNft.connect(system.alice).mintNext(KEY_TYPE_ECDSA, { value: MINT_COST });
        await expect(system.pkpNft.tokenByIndex(1))
          .to.be.revertedWithCustomError(system.pkpNft, "ERC721OutOfBoundsIndex")
          .withArgs(ethers.ZeroAddress, 1);
        await expect(system.pkpNft.tokenOfOwnerByIndex(system.alice.address, 1))
          .to.be.revertedWithCustomError(system.pkpNft, "ERC721OutOfBoundsIndex")
          .withArgs(system.alice.address, 1);
      });
    });

    it("stays consistent through mints, transfers, self-transfers and burns", async () => {
      const system = await loadFixture(deployWithPoolFixture);
      const { pkpNft, alice, bob, carol } = system;
      for (let i = 0; i < 5; i++) await routeKeyAsAdmin(system);
      const owners = [alice, bob, carol];
      const ids: bigint[] = [];
      for (let i = 0; i < 8; i++) {
        ids.push(
          await mintedTokenId(
            system,
            pkpNft.connect(owners[i % 3]).mintNext(KEY_TYPE_ECDSA, { value: MINT_COST }),
          ),
        );
      }
      const addresses = owners.map((o) => o.address);
      await expectConsistentEnumeration(system, addresses);
      await pkpNft.connect(alice).transferFrom(alice.address, bob.address, ids[0]);
      await pkpNft.connect(bob).transferFrom(bob.address, bob.address, ids[1]);
      await expectConsistentEnumeration(system, addresses);
      await pkpNft.connect(carol).burn(ids[2]);
      await pkpNft.connect(bob).burn(ids[7]);
      await expectConsistentEnumeration(system, addresses);
      await pkpNft.connect(alice).mintNext(KEY_TYPE_ECDSA, { value: MINT_COST });
      await pkpNft.connect(bob).burn(ids[0]);
      await expectConsistentEnumeration(system, addresses);
      expect(await pkpNft.totalSupply()).to.equal(6n);
      expect(await pkpNft.getUnmintedRoutedTokenIdCount(KEY_TYPE_ECDSA)).to.equal(1n);
      // The burned keys never come back out of the pool.
      const last = await mintedTokenId(
        system,
        pkpNft.connect(carol).mintNext(KEY_TYPE_ECDSA, { value: MINT_COST }),
      );
      expect([ids[0], ids[2], ids[7]]).not.to.include(last);
      await expectConsistentEnumeration(system, addresses);
    });
  });

  describe("burn", () => {
    describe("when the caller is neither owner nor approved", () => {
      it("reverts with ERC721InsufficientApproval", async () => {
        const system = await loadFixture(deployPKPSystemFixture);
        const key = await mintPkp(system, system.alice);
        await expect(system.pkpNft.connect(system.bob).burn(key.tokenId))
          .to.be.revertedWithCustomError(system.pkpNft, "ERC721InsufficientApproval")
          .withArgs(system.bob.address, key.tokenId);
      });
    });
  });

  describe("transfers to the PKPNFT contract", () => {
    it("revert with PKPNFTCannotReceiveTokens", async () => {
      const system = await loadFixture(deployPKPSystemFixture);
      const key = await mintPkp(system, system.alice);
      await expect(
        system.pkpNft
          .connect(system.alice)
          .transferFrom(system.alice.address, await system.pkpNft.getAddress(), key.tokenId),
      ).to.be.revertedWithCustomError(system.pkpNft, "PKPNFTCannotReceiveTokens");
    });
  });
});
