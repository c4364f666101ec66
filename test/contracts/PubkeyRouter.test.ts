import { expect } from "chai";
import { ethers } from "hardhat";
import type { BaseWallet } from "ethers";
import { secp256k1 } from "@noble/curves/secp256k1";
import {
  addValidators,
  deployPKPSystemFixture,
  deployWithValidatorsFixture,
  KEY_TYPE_ECDSA,
  loadFixture,
  randomKey,
  routeKey,
  routingDigest,
  routingSignatures,
  SECP256K1_P,
  signMessage,
  signRoutingData,
  submitRouting,
  type PKPSystemFixture,
  type RouterSignature,
  type TestKey,
  type Validators,
} from "./fixtures";

/** Who a routing signature recovers to under the router's own domain (for signatures made for another). */
async function recoverRoutingSigner(
  system: PKPSystemFixture,
  key: TestKey,
  signature: RouterSignature,
): Promise<string> {
  return ethers.recoverAddress(
    await routingDigest(system.pubkeyRouter, key, system.stakingAddress),
    signature,
  );
}

async function setRouting(
  system: PKPSystemFixture & Validators,
  key: { tokenId: bigint; pubkey: string },
  signers: BaseWallet[],
): Promise<ReturnType<typeof system.pubkeyRouter.setRoutingData>> {
  return submitRouting(system, key, await routingSignatures(system, key, { signers }));
}

describe("PubkeyRouter", () => {
  describe("constructor", () => {
    describe("when the staking contract is the zero address", () => {
      it("reverts with PubkeyRouterZeroAddress", async () => {
        const factory = await ethers.getContractFactory("PubkeyRouter");
        await expect(factory.deploy(ethers.ZeroAddress)).to.be.revertedWithCustomError(
          factory,
          "PubkeyRouterZeroAddress",
        );
      });
    });

    describe("when deployed by the Ignition module", () => {
      it("is wired to the staking contract and PKPNFT, and owned by the deployer", async () => {
        const { pubkeyRouter, pkpNft, stakingAddress, deployer } = await loadFixture(deployPKPSystemFixture);
        expect(await pubkeyRouter.stakingContract()).to.equal(stakingAddress);
        expect(await pubkeyRouter.pkpNft()).to.equal(await pkpNft.getAddress());
        expect(await pubkeyRouter.owner()).to.equal(deployer.address);
      });
    });
  });

  describe("setPkpNft", () => {
    describe("when the caller is not the owner", () => {
      it("reverts with OwnableUnauthorizedAccount", async () => {
        const { pubkeyRouter, alice } = await loadFixture(deployPKPSystemFixture);
        await expect(pubkeyRouter.connect(alice).setPkpNft(alice.address))
          .to.be.revertedWithCustomError(pubkeyRouter, "OwnableUnauthorizedAccount")
          .withArgs(alice.address);
      });
    });

    describe("when the address is zero", () => {
      it("reverts with PubkeyRouterZeroAddress", async () => {
        const { pubkeyRouter } = await loadFixture(deployPKPSystemFixture);
        await expect(pubkeyRouter.setPkpNft(ethers.ZeroAddress)).to.be.revertedWithCustomError(
          pubkeyRouter,
          "PubkeyRouterZeroAddress",
        );
      });
    });

    describe("when it is set already (the module set it)", () => {
      it("reverts with PubkeyRouterPkpNftAlreadySet: the wiring cannot change", async () => {
        const { pubkeyRouter, alice } = await loadFixture(deployPKPSystemFixture);
        await expect(pubkeyRouter.setPkpNft(alice.address)).to.be.revertedWithCustomError(
          pubkeyRouter,
          "PubkeyRouterPkpNftAlreadySet",
        );
      });
    });
  });

  describe("setRoutingData", () => {
    describe("when signed by the consensus count of distinct validators (2t+1 = 3 of 4)", () => {
      it("routes the key, emits PubkeyRoutingDataSet and pools it in PKPNFT", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const { pubkeyRouter, pkpNft, stakingAddress } = system;
        const key = randomKey();
        const tx = setRouting(system, key, system.wallets.slice(0, 3));
        await expect(tx)
          .to.emit(pubkeyRouter, "PubkeyRoutingDataSet")
          .withArgs(key.tokenId, key.pubkey, stakingAddress, KEY_TYPE_ECDSA, ethers.ZeroHash);
        await expect(tx).to.emit(pkpNft, "PkpRouted").withArgs(key.tokenId, KEY_TYPE_ECDSA);
        expect(await pubkeyRouter.isRouted(key.tokenId)).to.equal(true);
        expect(await pubkeyRouter.getPubkey(key.tokenId)).to.equal(key.pubkey);
        expect(await pubkeyRouter.getEthAddress(key.tokenId)).to.equal(key.ethAddress);
        expect(await pubkeyRouter.ethAddressToPkpId(key.ethAddress)).to.equal(key.tokenId);
        expect(await pubkeyRouter.getPubkeyCoordinates(key.tokenId)).to.deep.equal([
          ethers.dataSlice(key.pubkey, 1, 33),
          ethers.dataSlice(key.pubkey, 33, 65),
        ]);
        const data = await pubkeyRouter.getRoutingData(key.tokenId);
        expect([data.pubkey, data.keyType, data.derivedKeyId]).to.deep.equal([
          key.pubkey,
          KEY_TYPE_ECDSA,
          ethers.ZeroHash,
        ]);
        const same = await pubkeyRouter.pubkeys(key.tokenId);
        expect([same.pubkey, same.keyType, same.derivedKeyId]).to.deep.equal([
          key.pubkey,
          KEY_TYPE_ECDSA,
          ethers.ZeroHash,
        ]);
        expect(await pkpNft.getUnmintedRoutedTokenIdCount(KEY_TYPE_ECDSA)).to.equal(1n);
      });

      it("accepts more than the consensus count, and anyone may submit", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const key = randomKey();
        const signatures = await signRoutingData(
          system.wallets,
          system.pubkeyRouter,
          key,
          system.stakingAddress,
        );
        await expect(
          system.pubkeyRouter
            .connect(system.carol)
            .setRoutingData(key.tokenId, key.pubkey, system.stakingAddress, KEY_TYPE_ECDSA, signatures),
        ).to.emit(system.pubkeyRouter, "PubkeyRoutingDataSet");
      });
    });

    describe("when signed by fewer validators than the consensus count", () => {
      it("reverts with PubkeyRouterNotEnoughSignatures", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        await expect(setRouting(system, randomKey(), system.wallets.slice(0, 2)))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterNotEnoughSignatures")
          .withArgs(2, 3);
      });
    });

    describe("when a validator signed twice", () => {
      it("reverts with PubkeyRouterDuplicateSigner", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const [a, b] = system.wallets;
        await expect(setRouting(system, randomKey(), [a, b, a]))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterDuplicateSigner")
          .withArgs(a.address);
      });
    });

    describe("when a signer is not a validator", () => {
      it("reverts with PubkeyRouterSignerNotValidator", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const stranger = ethers.Wallet.createRandom();
        await expect(setRouting(system, randomKey(), [system.wallets[0], system.wallets[1], stranger]))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterSignerNotValidator")
          .withArgs(stranger.address);
      });
    });

    describe("when a signer is staged but its epoch has not started", () => {
      it("reverts with PubkeyRouterSignerNotValidator", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const staged = ethers.Wallet.createRandom();
        await system.staking.addValidator(1, 0, 1, staged.address, 0, 0);
        await expect(setRouting(system, randomKey(), [system.wallets[0], system.wallets[1], staged]))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterSignerNotValidator")
          .withArgs(staged.address);
      });
    });

    describe("when a signer was removed at the last epoch change", () => {
      it("reverts with PubkeyRouterSignerNotValidator", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        await system.staking.removeValidator(system.wallets[3].address);
        await system.staking.advanceEpoch();
        await expect(setRouting(system, randomKey(), system.wallets.slice(1, 4)))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterSignerNotValidator")
          .withArgs(system.wallets[3].address);
      });
    });

    describe("when the signatures are for another chain id (EIP-712 domain)", () => {
      it("reverts with PubkeyRouterSignerNotValidator for the address they recover to", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const key = randomKey();
        const signatures = await routingSignatures(system, key, { domain: { chainId: 1n } });
        await expect(submitRouting(system, key, signatures))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterSignerNotValidator")
          .withArgs(await recoverRoutingSigner(system, key, signatures[0]));
      });
    });

    describe("when the signatures are for another deployment (EIP-712 verifying contract)", () => {
      it("reverts with PubkeyRouterSignerNotValidator for the address they recover to", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const key = randomKey();
        const signatures = await routingSignatures(system, key, {
          domain: { verifyingContract: await system.pkpNft.getAddress() },
        });
        await expect(submitRouting(system, key, signatures))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterSignerNotValidator")
          .withArgs(await recoverRoutingSigner(system, key, signatures[0]));
      });
    });

    describe("when the signatures are for another key", () => {
      it("reverts with PubkeyRouterSignerNotValidator for the address they recover to", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const key = randomKey();
        const other = randomKey();
        const signatures = await routingSignatures(system, other);
        await expect(submitRouting(system, key, signatures))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterSignerNotValidator")
          .withArgs(await recoverRoutingSigner(system, key, signatures[0]));
      });
    });

    describe("when a signature is malformed", () => {
      it("reverts with PubkeyRouterInvalidSignature for a bad v", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const key = randomKey();
        const signatures = await routingSignatures(system, key);
        signatures[1] = { ...signatures[1], v: 0 };
        await expect(submitRouting(system, key, signatures))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterInvalidSignature")
          .withArgs(1);
      });

      it("reverts with PubkeyRouterInvalidSignature for a malleable (high-s) signature", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const key = randomKey();
        const signatures = await routingSignatures(system, key);
        const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
        const highS = ethers.toBeHex(n - BigInt(signatures[2].s), 32);
        signatures[2] = { r: signatures[2].r, s: highS, v: signatures[2].v === 27 ? 28 : 27 };
        await expect(submitRouting(system, key, signatures))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterInvalidSignature")
          .withArgs(2);
      });
    });

    describe("when the key was routed before (replay)", () => {
      it("reverts with PubkeyRouterAlreadyRouted", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const key = randomKey();
        const signatures = await routingSignatures(system, key);
        const route = () => submitRouting(system, key, signatures);
        await route();
        await expect(route())
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterAlreadyRouted")
          .withArgs(key.tokenId);
      });
    });

    describe("when the token id is not keccak256(pubkey)", () => {
      it("reverts with PubkeyRouterTokenIdMismatch", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const key = randomKey();
        const wrong = { ...key, tokenId: key.tokenId ^ 1n };
        await expect(setRouting(system, wrong, system.wallets.slice(0, 3)))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterTokenIdMismatch")
          .withArgs(wrong.tokenId, key.tokenId);
      });
    });

    describe("when the public key is malformed", () => {
      it("reverts with PubkeyRouterInvalidPubkeyLength for a 64-byte key", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const key = randomKey();
        const pubkey = ethers.dataSlice(key.pubkey, 1);
        const bad = { ...key, pubkey, tokenId: BigInt(ethers.keccak256(pubkey)) };
        await expect(setRouting(system, bad, system.wallets.slice(0, 3)))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterInvalidPubkeyLength")
          .withArgs(64);
      });

      it("reverts with PubkeyRouterInvalidPubkeyLength for a 33-byte compressed key", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const key = randomKey();
        const pubkey = ethers.SigningKey.computePublicKey(key.pubkey, true);
        const bad = { ...key, pubkey, tokenId: BigInt(ethers.keccak256(pubkey)) };
        await expect(setRouting(system, bad, system.wallets.slice(0, 3)))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterInvalidPubkeyLength")
          .withArgs(33);
      });

      it("reverts with PubkeyRouterInvalidPubkeyPrefix for a 65-byte key without the 0x04 prefix", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const key = randomKey();
        const pubkey = "0x02" + key.pubkey.slice(4);
        const bad = { ...key, pubkey, tokenId: BigInt(ethers.keccak256(pubkey)) };
        await expect(setRouting(system, bad, system.wallets.slice(0, 3)))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterInvalidPubkeyPrefix")
          .withArgs("0x02");
      });

      it("reverts with PubkeyRouterPubkeyNotOnCurve for a point off the curve", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const key = randomKey();
        const y = (BigInt("0x" + key.pubkey.slice(68)) + 1n) % SECP256K1_P;
        const pubkey = key.pubkey.slice(0, 68) + y.toString(16).padStart(64, "0");
        const bad = { ...key, pubkey, tokenId: BigInt(ethers.keccak256(pubkey)) };
        await expect(setRouting(system, bad, system.wallets.slice(0, 3))).to.be.revertedWithCustomError(
          system.pubkeyRouter,
          "PubkeyRouterPubkeyNotOnCurve",
        );
      });

      it("reverts with PubkeyRouterPubkeyNotOnCurve for an x coordinate not below the field prime", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        // (x0 + p, y0) satisfies the curve equation mod p for a point (x0, y0) with a small x0: it is still refused.
        const Fp = secp256k1.CURVE.Fp;
        let x0 = 1n;
        let y0: bigint | undefined;
        for (; y0 === undefined; x0++) {
          try {
            y0 = Fp.sqrt(Fp.add(Fp.mul(Fp.mul(x0, x0), x0), 7n));
          } catch {
            y0 = undefined;
          }
        }
        x0 -= 1n;
        const hex = (v: bigint) => v.toString(16).padStart(64, "0");
        const pubkey = "0x04" + hex(x0 + SECP256K1_P) + hex(y0);
        const bad = { pubkey, tokenId: BigInt(ethers.keccak256(pubkey)) };
        await expect(setRouting(system, bad, system.wallets.slice(0, 3))).to.be.revertedWithCustomError(
          system.pubkeyRouter,
          "PubkeyRouterPubkeyNotOnCurve",
        );
      });

      it("reverts with PubkeyRouterPubkeyNotOnCurve for a y coordinate not below the field prime", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const key = randomKey();
        const pubkey = key.pubkey.slice(0, 68) + "ff".repeat(32);
        const bad = { pubkey, tokenId: BigInt(ethers.keccak256(pubkey)) };
        await expect(setRouting(system, bad, system.wallets.slice(0, 3))).to.be.revertedWithCustomError(
          system.pubkeyRouter,
          "PubkeyRouterPubkeyNotOnCurve",
        );
      });
    });

    describe("when the key type is not ECDSA", () => {
      it("reverts with PubkeyRouterUnsupportedKeyType", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const key = randomKey();
        const signatures = await routingSignatures(system, key, { keyType: 1n });
        await expect(submitRouting(system, key, signatures, { keyType: 1n }))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterUnsupportedKeyType")
          .withArgs(1);
      });
    });

    describe("when the staking contract is not the trusted one", () => {
      it("reverts with PubkeyRouterWrongStakingContract", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const key = randomKey();
        const signatures = await routingSignatures(system, key, { stakingContract: system.alice.address });
        await expect(submitRouting(system, key, signatures, { stakingContract: system.alice.address }))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterWrongStakingContract")
          .withArgs(system.alice.address);
      });
    });

    describe("when PKPNFT has not been set", () => {
      it("reverts with PubkeyRouterPkpNftNotSet", async () => {
        const { staking } = await loadFixture(deployPKPSystemFixture);
        const router = await (
          await ethers.getContractFactory("PubkeyRouter")
        ).deploy(await staking.getAddress());
        const key = randomKey();
        await expect(
          router.setRoutingDataAsAdmin(key.tokenId, key.pubkey, await staking.getAddress(), KEY_TYPE_ECDSA),
        ).to.be.revertedWithCustomError(router, "PubkeyRouterPkpNftNotSet");
      });
    });
  });

  describe("setRoutingDataBatch", () => {
    describe("when every key carries enough signatures", () => {
      it("routes them all, in order", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const keys = [randomKey(), randomKey(), randomKey()];
        const signatures = await Promise.all(
          keys.map((k) =>
            signRoutingData(system.wallets.slice(1, 4), system.pubkeyRouter, k, system.stakingAddress),
          ),
        );
        const tx = system.pubkeyRouter.setRoutingDataBatch(
          keys.map((k) => k.tokenId),
          keys.map((k) => k.pubkey),
          system.stakingAddress,
          KEY_TYPE_ECDSA,
          signatures,
        );
        for (const key of keys) {
          await expect(tx)
            .to.emit(system.pubkeyRouter, "PubkeyRoutingDataSet")
            .withArgs(key.tokenId, key.pubkey, system.stakingAddress, KEY_TYPE_ECDSA, ethers.ZeroHash);
        }
        for (const key of keys) expect(await system.pubkeyRouter.isRouted(key.tokenId)).to.equal(true);
        expect(await system.pkpNft.getUnmintedRoutedTokenIdCount(KEY_TYPE_ECDSA)).to.equal(3n);
      });
    });

    describe("when one key's signatures fall short", () => {
      it("reverts with PubkeyRouterNotEnoughSignatures and routes none", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const keys = [randomKey(), randomKey()];
        const good = await routingSignatures(system, keys[0]);
        const short = await signRoutingData(
          system.wallets.slice(0, 2),
          system.pubkeyRouter,
          keys[1],
          system.stakingAddress,
        );
        await expect(
          system.pubkeyRouter.setRoutingDataBatch(
            keys.map((k) => k.tokenId),
            keys.map((k) => k.pubkey),
            system.stakingAddress,
            KEY_TYPE_ECDSA,
            [good, short],
          ),
        )
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterNotEnoughSignatures")
          .withArgs(2, 3);
        expect(await system.pubkeyRouter.isRouted(keys[0].tokenId)).to.equal(false);
      });
    });

    describe("when the arrays have different lengths", () => {
      it("reverts with PubkeyRouterArrayLengthMismatch", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const key = randomKey();
        await expect(
          system.pubkeyRouter.setRoutingDataBatch(
            [key.tokenId, 1n],
            [key.pubkey],
            system.stakingAddress,
            KEY_TYPE_ECDSA,
            [[], []],
          ),
        )
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterArrayLengthMismatch")
          .withArgs(2, 1, 2);
        await expect(
          system.pubkeyRouter.setRoutingDataBatch(
            [key.tokenId],
            [key.pubkey],
            system.stakingAddress,
            KEY_TYPE_ECDSA,
            [],
          ),
        )
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterArrayLengthMismatch")
          .withArgs(1, 1, 0);
      });
    });

    describe("when the staking contract is not the trusted one", () => {
      it("reverts with PubkeyRouterWrongStakingContract", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        await expect(
          system.pubkeyRouter.setRoutingDataBatch([], [], system.alice.address, KEY_TYPE_ECDSA, []),
        )
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterWrongStakingContract")
          .withArgs(system.alice.address);
      });
    });
  });

  describe("setRoutingDataAsAdmin", () => {
    describe("when the caller is not the owner", () => {
      it("reverts with OwnableUnauthorizedAccount", async () => {
        const system = await loadFixture(deployPKPSystemFixture);
        const key = randomKey();
        await expect(
          system.pubkeyRouter
            .connect(system.alice)
            .setRoutingDataAsAdmin(key.tokenId, key.pubkey, system.stakingAddress, KEY_TYPE_ECDSA),
        )
          .to.be.revertedWithCustomError(system.pubkeyRouter, "OwnableUnauthorizedAccount")
          .withArgs(system.alice.address);
      });
    });

    describe("when called by the owner", () => {
      it("routes the key without signatures", async () => {
        const system = await loadFixture(deployPKPSystemFixture);
        const key = randomKey();
        await expect(
          system.pubkeyRouter.setRoutingDataAsAdmin(
            key.tokenId,
            key.pubkey,
            system.stakingAddress,
            KEY_TYPE_ECDSA,
          ),
        )
          .to.emit(system.pubkeyRouter, "PubkeyRoutingDataSet")
          .withArgs(key.tokenId, key.pubkey, system.stakingAddress, KEY_TYPE_ECDSA, ethers.ZeroHash);
        expect(await system.pubkeyRouter.getPubkey(key.tokenId)).to.equal(key.pubkey);
      });

      it("applies the same checks (token id mismatch, staking contract)", async () => {
        const system = await loadFixture(deployPKPSystemFixture);
        const key = randomKey();
        await expect(
          system.pubkeyRouter.setRoutingDataAsAdmin(
            key.tokenId + 1n,
            key.pubkey,
            system.stakingAddress,
            KEY_TYPE_ECDSA,
          ),
        )
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterTokenIdMismatch")
          .withArgs(key.tokenId + 1n, key.tokenId);
        await expect(
          system.pubkeyRouter.setRoutingDataAsAdmin(
            key.tokenId,
            key.pubkey,
            system.alice.address,
            KEY_TYPE_ECDSA,
          ),
        )
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterWrongStakingContract")
          .withArgs(system.alice.address);
      });
    });
  });

  describe("views", () => {
    describe("when the token id is not routed", () => {
      it("returns empty data, the zero address and false", async () => {
        const { pubkeyRouter } = await loadFixture(deployPKPSystemFixture);
        const data = await pubkeyRouter.getRoutingData(42n);
        expect([data.pubkey, data.keyType, data.derivedKeyId]).to.deep.equal(["0x", 0n, ethers.ZeroHash]);
        expect(await pubkeyRouter.getPubkey(42n)).to.equal("0x");
        expect(await pubkeyRouter.getEthAddress(42n)).to.equal(ethers.ZeroAddress);
        expect(await pubkeyRouter.isRouted(42n)).to.equal(false);
        expect(await pubkeyRouter.ethAddressToPkpId(ethers.ZeroAddress)).to.equal(0n);
        expect(await pubkeyRouter.getPubkeyCoordinates(42n)).to.deep.equal([
          ethers.ZeroHash,
          ethers.ZeroHash,
        ]);
      });
    });

    describe("deriveEthAddressFromPubkey", () => {
      it("is the last 20 bytes of keccak256(pubkey[1:65])", async () => {
        const { pubkeyRouter } = await loadFixture(deployPKPSystemFixture);
        const key = randomKey();
        expect(await pubkeyRouter.deriveEthAddressFromPubkey(key.pubkey)).to.equal(key.ethAddress);
      });

      it("reverts with PubkeyRouterInvalidPubkeyLength for a key of the wrong length", async () => {
        const { pubkeyRouter } = await loadFixture(deployPKPSystemFixture);
        await expect(pubkeyRouter.deriveEthAddressFromPubkey("0x04"))
          .to.be.revertedWithCustomError(pubkeyRouter, "PubkeyRouterInvalidPubkeyLength")
          .withArgs(1);
      });
    });

    describe("routingDataDigest", () => {
      it("is the EIP-712 digest of RoutingData in the PubkeyRouter domain", async () => {
        const system = await loadFixture(deployPKPSystemFixture);
        const key = randomKey();
        const expected = await routingDigest(system.pubkeyRouter, key, system.stakingAddress);
        expect(
          await system.pubkeyRouter.routingDataDigest(
            key.tokenId,
            key.pubkey,
            KEY_TYPE_ECDSA,
            system.stakingAddress,
          ),
        ).to.equal(expected);
      });
    });
  });

  describe("voteForRootKeys", () => {
    const BLS_KEY = { pubkey: "0x" + "ab".repeat(48), keyType: 1n };
    const ECDSA_KEY = { pubkey: "0x02" + "cd".repeat(32), keyType: 2n };

    describe("when the caller is not a validator", () => {
      it("reverts with PubkeyRouterNotValidator", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        await expect(
          system.pubkeyRouter.connect(system.alice).voteForRootKeys(system.stakingAddress, [BLS_KEY]),
        )
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterNotValidator")
          .withArgs(system.alice.address);
      });
    });

    describe("when the staking contract is not the trusted one", () => {
      it("reverts with PubkeyRouterWrongStakingContract", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        await expect(
          system.pubkeyRouter.connect(system.wallets[0]).voteForRootKeys(system.alice.address, [BLS_KEY]),
        )
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterWrongStakingContract")
          .withArgs(system.alice.address);
      });
    });

    describe("when the vote is malformed", () => {
      for (const [title, keys] of [
        ["empty", []],
        ["a key with an empty public key", [{ pubkey: "0x", keyType: 1n }]],
        ["a key of type 0", [{ pubkey: "0x01", keyType: 0n }]],
        ["a key of type 3", [BLS_KEY, { pubkey: "0x01", keyType: 3n }]],
      ] as const) {
        it(`reverts with PubkeyRouterInvalidRootKeys for ${title}`, async () => {
          const system = await loadFixture(deployWithValidatorsFixture);
          await expect(
            system.pubkeyRouter.connect(system.wallets[0]).voteForRootKeys(system.stakingAddress, [...keys]),
          ).to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterInvalidRootKeys");
        });
      }
    });

    describe("when every current validator votes for the same keys", () => {
      it("stores them only at the last vote and emits RootKeySet for each", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const router = system.pubkeyRouter;
        for (const wallet of system.wallets.slice(0, 3)) {
          await expect(
            router.connect(wallet).voteForRootKeys(system.stakingAddress, [BLS_KEY, ECDSA_KEY]),
          ).not.to.emit(router, "RootKeySet");
        }
        expect(await router.getRootKeys(system.stakingAddress)).to.deep.equal([]);
        const tx = router
          .connect(system.wallets[3])
          .voteForRootKeys(system.stakingAddress, [BLS_KEY, ECDSA_KEY]);
        await expect(tx)
          .to.emit(router, "RootKeySet")
          .withArgs(system.stakingAddress, [BLS_KEY.pubkey, BLS_KEY.keyType]);
        await expect(tx)
          .to.emit(router, "RootKeySet")
          .withArgs(system.stakingAddress, [ECDSA_KEY.pubkey, ECDSA_KEY.keyType]);
        const stored = await router.getRootKeys(system.stakingAddress);
        expect(stored.map((k) => [k.pubkey, k.keyType])).to.deep.equal([
          [BLS_KEY.pubkey, 1n],
          [ECDSA_KEY.pubkey, 2n],
        ]);
      });

      it("then refuses any further vote with PubkeyRouterRootKeysAlreadySet", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        for (const wallet of system.wallets) {
          await system.pubkeyRouter.connect(wallet).voteForRootKeys(system.stakingAddress, [BLS_KEY]);
        }
        await system.staking.advanceEpoch();
        await expect(
          system.pubkeyRouter.connect(system.wallets[0]).voteForRootKeys(system.stakingAddress, [ECDSA_KEY]),
        )
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterRootKeysAlreadySet")
          .withArgs(system.stakingAddress);
      });
    });

    describe("when a validator votes twice in an epoch", () => {
      it("reverts with PubkeyRouterAlreadyVoted", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const voter = system.pubkeyRouter.connect(system.wallets[0]);
        await voter.voteForRootKeys(system.stakingAddress, [BLS_KEY]);
        await expect(voter.voteForRootKeys(system.stakingAddress, [BLS_KEY]))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterAlreadyVoted")
          .withArgs(system.wallets[0].address, 2);
      });
    });

    describe("when the validators disagree", () => {
      it("stores nothing; in a new epoch they can vote again", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const router = system.pubkeyRouter;
        await router.connect(system.wallets[0]).voteForRootKeys(system.stakingAddress, [BLS_KEY]);
        await router.connect(system.wallets[1]).voteForRootKeys(system.stakingAddress, [BLS_KEY]);
        await router.connect(system.wallets[2]).voteForRootKeys(system.stakingAddress, [BLS_KEY]);
        await router.connect(system.wallets[3]).voteForRootKeys(system.stakingAddress, [ECDSA_KEY]);
        expect(await router.getRootKeys(system.stakingAddress)).to.deep.equal([]);
        await system.staking.advanceEpoch();
        for (const wallet of system.wallets.slice(0, 3)) {
          await router.connect(wallet).voteForRootKeys(system.stakingAddress, [BLS_KEY]);
        }
        await expect(
          router.connect(system.wallets[3]).voteForRootKeys(system.stakingAddress, [BLS_KEY]),
        ).to.emit(router, "RootKeySet");
      });
    });
  });

  describe("checkNodeSignatures", () => {
    const message = ethers.toUtf8Bytes("the network approves this");

    describe("when the consensus count of validators signed the message", () => {
      it("returns true", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const signatures = await signMessage(system.wallets.slice(0, 3), message);
        expect(
          await system.pubkeyRouter.checkNodeSignatures(signatures, message, system.stakingAddress),
        ).to.equal(true);
      });
    });

    describe("when too few signed", () => {
      it("reverts with PubkeyRouterNotEnoughSignatures", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const signatures = await signMessage(system.wallets.slice(0, 2), message);
        await expect(system.pubkeyRouter.checkNodeSignatures(signatures, message, system.stakingAddress))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterNotEnoughSignatures")
          .withArgs(2, 3);
      });
    });

    describe("when a validator signed twice", () => {
      it("reverts with PubkeyRouterDuplicateSigner", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const [a, b] = system.wallets;
        const signatures = await signMessage([a, b, b], message);
        await expect(system.pubkeyRouter.checkNodeSignatures(signatures, message, system.stakingAddress))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterDuplicateSigner")
          .withArgs(b.address);
      });
    });

    describe("when a signer is not a validator", () => {
      it("reverts with PubkeyRouterSignerNotValidator", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const stranger = ethers.Wallet.createRandom();
        const signatures = await signMessage([stranger, ...system.wallets.slice(0, 2)], message);
        await expect(system.pubkeyRouter.checkNodeSignatures(signatures, message, system.stakingAddress))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterSignerNotValidator")
          .withArgs(stranger.address);
      });
    });

    describe("when the message differs from the one signed", () => {
      it("reverts with PubkeyRouterSignerNotValidator for the address the signature recovers to", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        const signatures = await signMessage(system.wallets.slice(0, 3), message);
        const other = ethers.toUtf8Bytes("something else");
        await expect(system.pubkeyRouter.checkNodeSignatures(signatures, other, system.stakingAddress))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterSignerNotValidator")
          .withArgs(ethers.verifyMessage(other, signatures[0]));
      });
    });

    describe("when the staking contract is not the trusted one", () => {
      it("reverts with PubkeyRouterWrongStakingContract", async () => {
        const system = await loadFixture(deployWithValidatorsFixture);
        await expect(system.pubkeyRouter.checkNodeSignatures([], message, system.alice.address))
          .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterWrongStakingContract")
          .withArgs(system.alice.address);
      });
    });
  });

  describe("with 7 validators (t = 2)", () => {
    it("routes with 5 signatures and refuses 4", async () => {
      const system = await loadFixture(deployWithValidatorsFixture);
      const more = await addValidators(system.staking, 3);
      await system.staking.advanceEpoch();
      const all = [...system.wallets, ...more];
      expect(await system.staking.currentValidatorCountForConsensus()).to.equal(5n);
      await expect(setRouting(system, randomKey(), all.slice(0, 4)))
        .to.be.revertedWithCustomError(system.pubkeyRouter, "PubkeyRouterNotEnoughSignatures")
        .withArgs(4, 5);
      await routeKey({ ...system, wallets: all });
      expect(await system.pkpNft.getUnmintedRoutedTokenIdCount(KEY_TYPE_ECDSA)).to.equal(1n);
    });
  });
});
