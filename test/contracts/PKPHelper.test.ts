import { expect } from "chai";
import { ethers } from "hardhat";
import { impersonateAccount, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import {
  AUTH_METHOD_ACTION,
  AUTH_METHOD_ADDRESS,
  AUTH_METHOD_GOOGLE,
  AUTH_METHOD_WEBAUTHN,
  deployPKPSystemFixture,
  deployWithPoolFixture,
  fakeCid,
  KEY_TYPE_ECDSA,
  loadFixture,
  MINT_COST,
  mintedTokenId,
  mintPkp,
  SCOPE_PERSONAL_SIGN,
  SCOPE_SIGN_ANYTHING,
} from "./fixtures";

const cidA = fakeCid("helper action A");
const cidB = fakeCid("helper action B");
const googleId = ethers.keccak256(ethers.toUtf8Bytes("google user"));
const webauthnId = ethers.keccak256(ethers.toUtf8Bytes("webauthn user"));
const webauthnPubkey = "0x04" + "ee".repeat(64);

describe("PKPHelper", () => {
  describe("constructor", () => {
    describe("when an address is zero", () => {
      it("reverts with PKPHelperZeroAddress", async () => {
        const factory = await ethers.getContractFactory("PKPHelper");
        const [signer] = await ethers.getSigners();
        await expect(factory.deploy(ethers.ZeroAddress, signer.address)).to.be.revertedWithCustomError(
          factory,
          "PKPHelperZeroAddress",
        );
        await expect(factory.deploy(signer.address, ethers.ZeroAddress)).to.be.revertedWithCustomError(
          factory,
          "PKPHelperZeroAddress",
        );
      });
    });

    describe("when deployed by the Ignition module", () => {
      it("is wired to PKPNFT and PKPPermissions", async () => {
        const system = await loadFixture(deployPKPSystemFixture);
        expect(await system.pkpHelper.pkpNft()).to.equal(await system.pkpNft.getAddress());
        expect(await system.pkpHelper.pkpPermissions()).to.equal(await system.pkpPermissions.getAddress());
      });
    });
  });

  describe("mintNextAndAddAuthMethods", () => {
    describe("when every array is empty", () => {
      it("mints a PKP without permissions and hands it to the caller", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        const { pkpHelper, pkpNft, pkpPermissions, alice, pool } = system;
        const tx = pkpHelper
          .connect(alice)
          .mintNextAndAddAuthMethods(KEY_TYPE_ECDSA, [], [], [], [], false, false, { value: MINT_COST });
        await expect(tx)
          .to.emit(pkpNft, "Transfer")
          .withArgs(await pkpHelper.getAddress(), alice.address, pool[0].tokenId);
        expect(await pkpNft.ownerOf(pool[0].tokenId)).to.equal(alice.address);
        expect(await pkpNft.balanceOf(await pkpHelper.getAddress())).to.equal(0n);
        expect(await pkpPermissions.getPermittedAuthMethods(pool[0].tokenId)).to.deep.equal([]);
        expect(await pkpPermissions.getPermittedAddresses(pool[0].tokenId)).to.deep.equal([alice.address]);
      });

      it("returns the token id", async () => {
        const { pkpHelper, alice, pool } = await loadFixture(deployWithPoolFixture);
        expect(
          await pkpHelper
            .connect(alice)
            .mintNextAndAddAuthMethods.staticCall(KEY_TYPE_ECDSA, [], [], [], [], false, false, {
              value: MINT_COST,
            }),
        ).to.equal(pool[0].tokenId);
      });
    });

    describe("when given auth methods of every kind", () => {
      it("permits each with its scopes, in order", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        const { pkpHelper, pkpPermissions, alice, bob, pool } = system;
        const tokenId = pool[0].tokenId;
        const types = [AUTH_METHOD_ADDRESS, AUTH_METHOD_ACTION, AUTH_METHOD_GOOGLE, AUTH_METHOD_WEBAUTHN];
        const ids = [bob.address.toLowerCase(), cidA, googleId, webauthnId];
        const pubkeys = ["0x", "0x", "0x", webauthnPubkey];
        const scopes = [
          [SCOPE_SIGN_ANYTHING],
          [SCOPE_SIGN_ANYTHING, SCOPE_PERSONAL_SIGN],
          [],
          [SCOPE_PERSONAL_SIGN],
        ];
        const tx = pkpHelper
          .connect(alice)
          .mintNextAndAddAuthMethods(KEY_TYPE_ECDSA, types, ids, pubkeys, scopes, false, false, {
            value: MINT_COST,
          });
        for (let i = 0; i < types.length; i++) {
          await expect(tx)
            .to.emit(pkpPermissions, "PermittedAuthMethodAdded")
            .withArgs(tokenId, types[i], ids[i], pubkeys[i]);
        }
        const methods = await pkpPermissions.getPermittedAuthMethods(tokenId);
        expect(methods.map((m) => [m.authMethodType, m.id, m.userPubkey])).to.deep.equal(
          types.map((t, i) => [t, ids[i], pubkeys[i]]),
        );
        for (let i = 0; i < types.length; i++) {
          const present = await pkpPermissions.getPermittedAuthMethodScopes(tokenId, types[i], ids[i], 3);
          expect(present).to.deep.equal([0n, 1n, 2n].map((s) => scopes[i].includes(s)));
        }
        expect(await pkpPermissions.isPermittedAddress(tokenId, bob.address)).to.equal(true);
        expect(await pkpPermissions.isPermittedAction(tokenId, cidA)).to.equal(true);
      });
    });

    describe("when addPkpEthAddressAsPermittedAddress is set", () => {
      it("permits the PKP's own address, without scopes, after the others", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        const { pkpHelper, pkpPermissions, alice, pool } = system;
        const tokenId = pool[0].tokenId;
        await pkpHelper
          .connect(alice)
          .mintNextAndAddAuthMethods(
            KEY_TYPE_ECDSA,
            [AUTH_METHOD_ACTION],
            [cidA],
            ["0x"],
            [[1n]],
            true,
            false,
            {
              value: MINT_COST,
            },
          );
        expect(await pkpPermissions.getPermittedAddresses(tokenId)).to.deep.equal([
          alice.address,
          pool[0].ethAddress,
        ]);
        const methods = await pkpPermissions.getPermittedAuthMethods(tokenId);
        expect(methods.map((m) => m.authMethodType)).to.deep.equal([AUTH_METHOD_ACTION, AUTH_METHOD_ADDRESS]);
        expect(
          await pkpPermissions.getPermittedAuthMethodScopes(
            tokenId,
            AUTH_METHOD_ADDRESS,
            pool[0].ethAddress,
            3,
          ),
        ).to.deep.equal([false, false, false]);
      });
    });

    describe("when sendPkpToItself is set", () => {
      it("hands the token to the PKP's own address", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        const { pkpHelper, pkpNft, pkpPermissions, alice, pool } = system;
        await pkpHelper
          .connect(alice)
          .mintNextAndAddAuthMethods(KEY_TYPE_ECDSA, [], [], [], [], true, true, { value: MINT_COST });
        expect(await pkpNft.ownerOf(pool[0].tokenId)).to.equal(pool[0].ethAddress);
        expect(await pkpPermissions.getPermittedAddresses(pool[0].tokenId)).to.deep.equal([
          pool[0].ethAddress,
        ]);
        expect(await pkpPermissions.isPermittedAddress(pool[0].tokenId, alice.address)).to.equal(false);
      });
    });

    describe("when array lengths differ", () => {
      for (const [second, args] of [
        ["permittedAuthMethodIds", [[5n], [], ["0x"], [[]]]],
        ["permittedAuthMethodPubkeys", [[5n], ["0x01"], [], [[]]]],
        ["permittedAuthMethodScopes", [[5n], ["0x01"], ["0x"], []]],
      ] as const) {
        it(`reverts with PKPHelperArrayLengthMismatch("permittedAuthMethodTypes", "${second}")`, async () => {
          const { pkpHelper, alice } = await loadFixture(deployWithPoolFixture);
          await expect(
            pkpHelper.connect(alice).mintNextAndAddAuthMethods(
              KEY_TYPE_ECDSA,
              [...args[0]],
              [...args[1]],
              [...args[2]],
              args[3].map((s) => [...s]),
              false,
              false,
              { value: MINT_COST },
            ),
          )
            .to.be.revertedWithCustomError(pkpHelper, "PKPHelperArrayLengthMismatch")
            .withArgs("permittedAuthMethodTypes", second);
        });
      }
    });

    describe("when the value is not the mint cost", () => {
      it("reverts with PKPNFTIncorrectMintCost", async () => {
        const { pkpHelper, pkpNft, alice } = await loadFixture(deployWithPoolFixture);
        await expect(
          pkpHelper.connect(alice).mintNextAndAddAuthMethods(KEY_TYPE_ECDSA, [], [], [], [], false, false),
        )
          .to.be.revertedWithCustomError(pkpNft, "PKPNFTIncorrectMintCost")
          .withArgs(0, MINT_COST);
      });
    });

    describe("when the pool is empty", () => {
      it("reverts with PKPNFTNoUnmintedTokens", async () => {
        const { pkpHelper, pkpNft, alice } = await loadFixture(deployPKPSystemFixture);
        await expect(
          pkpHelper
            .connect(alice)
            .mintNextAndAddAuthMethods(KEY_TYPE_ECDSA, [], [], [], [], false, false, { value: MINT_COST }),
        )
          .to.be.revertedWithCustomError(pkpNft, "PKPNFTNoUnmintedTokens")
          .withArgs(KEY_TYPE_ECDSA);
      });
    });

    describe("when an auth method is malformed", () => {
      it("reverts with PKPPermissionsInvalidAuthMethodId and mints nothing", async () => {
        const { pkpHelper, pkpNft, pkpPermissions, alice } = await loadFixture(deployWithPoolFixture);
        await expect(
          pkpHelper
            .connect(alice)
            .mintNextAndAddAuthMethods(
              KEY_TYPE_ECDSA,
              [AUTH_METHOD_ACTION],
              ["0x1234"],
              ["0x"],
              [[]],
              false,
              false,
              {
                value: MINT_COST,
              },
            ),
        )
          .to.be.revertedWithCustomError(pkpPermissions, "PKPPermissionsInvalidAuthMethodId")
          .withArgs(AUTH_METHOD_ACTION, "0x1234");
        expect(await pkpNft.getUnmintedRoutedTokenIdCount(KEY_TYPE_ECDSA)).to.equal(5n);
      });
    });

    describe("when the caller is a contract that cannot receive ERC-721 tokens", () => {
      it("reverts with ERC721InvalidReceiver", async () => {
        const { pkpHelper, pkpNft } = await loadFixture(deployWithPoolFixture);
        const contract = await (await ethers.getContractFactory("EtherRejectingOwnerMock")).deploy();
        const address = await contract.getAddress();
        await impersonateAccount(address);
        await setBalance(address, ethers.parseEther("1"));
        const signer = await ethers.getSigner(address);
        await expect(
          pkpHelper
            .connect(signer)
            .mintNextAndAddAuthMethods(KEY_TYPE_ECDSA, [], [], [], [], false, false, { value: MINT_COST }),
        )
          .to.be.revertedWithCustomError(pkpNft, "ERC721InvalidReceiver")
          .withArgs(address);
      });
    });
  });

  describe("mintNextAndAddAuthMethodsWithTypes", () => {
    describe("when given actions, addresses and auth methods", () => {
      it("permits them in the order: actions, addresses, auth methods, the PKP's own address", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        const { pkpHelper, pkpNft, pkpPermissions, alice, bob, carol, pool } = system;
        const tokenId = pool[0].tokenId;
        const tx = pkpHelper
          .connect(alice)
          .mintNextAndAddAuthMethodsWithTypes(
            KEY_TYPE_ECDSA,
            [cidA, cidB],
            [[SCOPE_SIGN_ANYTHING], []],
            [bob.address, carol.address],
            [[SCOPE_PERSONAL_SIGN], [SCOPE_SIGN_ANYTHING]],
            [AUTH_METHOD_GOOGLE],
            [googleId],
            ["0x"],
            [[SCOPE_SIGN_ANYTHING]],
            true,
            false,
            { value: MINT_COST },
          );
        await expect(tx).to.emit(pkpNft, "PKPMinted").withArgs(tokenId, pool[0].pubkey);
        const methods = await pkpPermissions.getPermittedAuthMethods(tokenId);
        expect(methods.map((m) => [m.authMethodType, m.id])).to.deep.equal([
          [AUTH_METHOD_ACTION, cidA],
          [AUTH_METHOD_ACTION, cidB],
          [AUTH_METHOD_ADDRESS, bob.address.toLowerCase()],
          [AUTH_METHOD_ADDRESS, carol.address.toLowerCase()],
          [AUTH_METHOD_GOOGLE, googleId],
          [AUTH_METHOD_ADDRESS, pool[0].ethAddress.toLowerCase()],
        ]);
        expect(await pkpPermissions.getPermittedActions(tokenId)).to.deep.equal([cidA, cidB]);
        expect(await pkpPermissions.getPermittedAddresses(tokenId)).to.deep.equal([
          alice.address,
          bob.address,
          carol.address,
          pool[0].ethAddress,
        ]);
        expect(
          await pkpPermissions.isPermittedAuthMethodScopePresent(
            tokenId,
            AUTH_METHOD_ADDRESS,
            bob.address,
            2n,
          ),
        ).to.equal(true);
        expect(
          await pkpPermissions.isPermittedAuthMethodScopePresent(tokenId, AUTH_METHOD_ACTION, cidB, 1n),
        ).to.equal(false);
        expect(await pkpNft.ownerOf(tokenId)).to.equal(alice.address);
      });
    });

    describe("when every array is empty", () => {
      it("mints a bare PKP to the caller", async () => {
        const { pkpHelper, pkpNft, pkpPermissions, alice, pool } = await loadFixture(deployWithPoolFixture);
        await pkpHelper
          .connect(alice)
          .mintNextAndAddAuthMethodsWithTypes(KEY_TYPE_ECDSA, [], [], [], [], [], [], [], [], false, false, {
            value: MINT_COST,
          });
        expect(await pkpNft.ownerOf(pool[0].tokenId)).to.equal(alice.address);
        expect(await pkpPermissions.getPermittedAuthMethods(pool[0].tokenId)).to.deep.equal([]);
      });
    });

    describe("when sendPkpToItself is set", () => {
      it("hands the token to the PKP's own address", async () => {
        const { pkpHelper, pkpNft, alice, pool } = await loadFixture(deployWithPoolFixture);
        await pkpHelper
          .connect(alice)
          .mintNextAndAddAuthMethodsWithTypes(
            KEY_TYPE_ECDSA,
            [cidA],
            [[1n]],
            [],
            [],
            [],
            [],
            [],
            [],
            false,
            true,
            {
              value: MINT_COST,
            },
          );
        expect(await pkpNft.ownerOf(pool[0].tokenId)).to.equal(pool[0].ethAddress);
      });
    });

    describe("when array lengths differ", () => {
      const cases = [
        ["permittedIpfsCIDs", "permittedIpfsCIDScopes", [[cidA], [], [], [], [], [], [], []]],
        ["permittedAddresses", "permittedAddressScopes", [[], [], [ethers.ZeroAddress], [], [], [], [], []]],
        ["permittedAuthMethodTypes", "permittedAuthMethodIds", [[], [], [], [], [5n], [], ["0x"], [[]]]],
        [
          "permittedAuthMethodTypes",
          "permittedAuthMethodPubkeys",
          [[], [], [], [], [5n], ["0x01"], [], [[]]],
        ],
        [
          "permittedAuthMethodTypes",
          "permittedAuthMethodScopes",
          [[], [], [], [], [5n], ["0x01"], ["0x"], []],
        ],
      ] as const;
      for (const [first, second, args] of cases) {
        it(`reverts with PKPHelperArrayLengthMismatch("${first}", "${second}")`, async () => {
          const { pkpHelper, alice } = await loadFixture(deployWithPoolFixture);
          const [cids, cidScopes, addresses, addressScopes, types, ids, pubkeys, scopes] = args.map((a) => [
            ...a,
          ]) as [string[], bigint[][], string[], bigint[][], bigint[], string[], string[], bigint[][]];
          await expect(
            pkpHelper
              .connect(alice)
              .mintNextAndAddAuthMethodsWithTypes(
                KEY_TYPE_ECDSA,
                cids,
                cidScopes,
                addresses,
                addressScopes,
                types,
                ids,
                pubkeys,
                scopes,
                false,
                false,
                { value: MINT_COST },
              ),
          )
            .to.be.revertedWithCustomError(pkpHelper, "PKPHelperArrayLengthMismatch")
            .withArgs(first, second);
        });
      }
    });
  });

  describe("onERC721Received", () => {
    describe("when called by anything but PKPNFT", () => {
      it("reverts with PKPHelperUnexpectedToken", async () => {
        const { pkpHelper, alice } = await loadFixture(deployPKPSystemFixture);
        await expect(pkpHelper.connect(alice).onERC721Received(alice.address, ethers.ZeroAddress, 1n, "0x"))
          .to.be.revertedWithCustomError(pkpHelper, "PKPHelperUnexpectedToken")
          .withArgs(alice.address, alice.address, ethers.ZeroAddress);
      });
    });

    describe("when someone sends it an existing PKP", () => {
      it("reverts with PKPHelperUnexpectedToken, so no PKP gets stuck in the helper", async () => {
        const system = await loadFixture(deployPKPSystemFixture);
        const key = await mintPkp(system, system.alice);
        const nft = system.pkpNft.connect(system.alice);
        const helperAddress = await system.pkpHelper.getAddress();
        await expect(
          nft["safeTransferFrom(address,address,uint256)"](system.alice.address, helperAddress, key.tokenId),
        )
          .to.be.revertedWithCustomError(system.pkpHelper, "PKPHelperUnexpectedToken")
          .withArgs(await system.pkpNft.getAddress(), system.alice.address, system.alice.address);
      });
    });

    describe("when PKPNFT mints to it on its own request", () => {
      it("accepts (returns the ERC-721 selector)", async () => {
        const system = await loadFixture(deployWithPoolFixture);
        const tokenId = await mintedTokenId(
          system,
          system.pkpHelper
            .connect(system.alice)
            .mintNextAndAddAuthMethods(KEY_TYPE_ECDSA, [], [], [], [], false, false, { value: MINT_COST }),
        );
        expect(tokenId).to.equal(system.pool[0].tokenId);
      });
    });
  });
});
