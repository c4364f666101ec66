import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { addValidators, deployPKPSystemFixture, deployWithValidatorsFixture, loadFixture } from "./fixtures";

describe("Staking", () => {
  describe("constructor", () => {
    describe("when the epoch length or timeout is zero", () => {
      it("reverts with StakingInvalidEpochParameters", async () => {
        const factory = await ethers.getContractFactory("Staking");
        await expect(factory.deploy(0, 60)).to.be.revertedWithCustomError(
          factory,
          "StakingInvalidEpochParameters",
        );
        await expect(factory.deploy(3600, 0)).to.be.revertedWithCustomError(
          factory,
          "StakingInvalidEpochParameters",
        );
      });
    });

    describe("when deployed by the Ignition module", () => {
      it("starts at epoch 1 with the module's length and timeout, owned by the deployer", async () => {
        const { staking, deployer } = await loadFixture(deployPKPSystemFixture);
        const epoch = await staking.epoch();
        expect(epoch.number).to.equal(1n);
        expect(epoch.epochLength).to.equal(3600n);
        expect(epoch.timeout).to.equal(60n);
        expect(epoch.retries).to.equal(0n);
        expect(await staking.owner()).to.equal(deployer.address);
        expect(await staking.getValidatorsInCurrentEpoch()).to.deep.equal([]);
        expect(await staking.currentValidatorCountForConsensus()).to.equal(1n);
      });
    });
  });

  describe("addValidator", () => {
    describe("when the caller is not the owner", () => {
      it("reverts with OwnableUnauthorizedAccount", async () => {
        const { staking, alice } = await loadFixture(deployPKPSystemFixture);
        await expect(staking.connect(alice).addValidator(1, 0, 80, alice.address, 1, 2))
          .to.be.revertedWithCustomError(staking, "OwnableUnauthorizedAccount")
          .withArgs(alice.address);
      });
    });

    describe("when the node address is zero", () => {
      it("reverts with StakingZeroAddress", async () => {
        const { staking } = await loadFixture(deployPKPSystemFixture);
        await expect(staking.addValidator(1, 0, 80, ethers.ZeroAddress, 1, 2)).to.be.revertedWithCustomError(
          staking,
          "StakingZeroAddress",
        );
      });
    });

    describe("when the node is already staged", () => {
      it("reverts with StakingValidatorAlreadyAdded", async () => {
        const { staking, alice } = await loadFixture(deployPKPSystemFixture);
        await staking.addValidator(1, 0, 80, alice.address, 1, 2);
        await expect(staking.addValidator(1, 0, 80, alice.address, 1, 2))
          .to.be.revertedWithCustomError(staking, "StakingValidatorAlreadyAdded")
          .withArgs(alice.address);
      });
    });

    describe("when the node is new", () => {
      it("emits ValidatorAdded and takes effect only at the next epoch", async () => {
        const { staking, alice } = await loadFixture(deployPKPSystemFixture);
        await expect(staking.addValidator(2130706433, 1n << 100n, 7470, alice.address, 11, 12))
          .to.emit(staking, "ValidatorAdded")
          .withArgs(alice.address);
        expect(await staking.isActiveValidator(alice.address)).to.equal(false);
        await staking.advanceEpoch();
        expect(await staking.isActiveValidator(alice.address)).to.equal(true);
        expect(await staking.isActiveValidatorByNodeAddress(alice.address)).to.equal(true);
        const [validator] = await staking.getValidatorsStructsInCurrentEpoch();
        expect(validator.ip).to.equal(2130706433n);
        expect(validator.ipv6).to.equal(1n << 100n);
        expect(validator.port).to.equal(7470n);
        expect(validator.nodeAddress).to.equal(alice.address);
        expect(validator.reward).to.equal(0n);
        expect(validator.senderPubKey).to.equal(11n);
        expect(validator.receiverPubKey).to.equal(12n);
      });
    });
  });

  describe("removeValidator", () => {
    describe("when the caller is not the owner", () => {
      it("reverts with OwnableUnauthorizedAccount", async () => {
        const { staking, alice } = await loadFixture(deployWithValidatorsFixture);
        await expect(staking.connect(alice).removeValidator(alice.address))
          .to.be.revertedWithCustomError(staking, "OwnableUnauthorizedAccount")
          .withArgs(alice.address);
      });
    });

    describe("when the node is not staged", () => {
      it("reverts with StakingValidatorNotFound", async () => {
        const { staking, alice } = await loadFixture(deployWithValidatorsFixture);
        await expect(staking.removeValidator(alice.address))
          .to.be.revertedWithCustomError(staking, "StakingValidatorNotFound")
          .withArgs(alice.address);
      });
    });

    describe("when the node is staged", () => {
      it("emits ValidatorRemoved; the node leaves at the next epoch and the order of the others is kept but for the gap", async () => {
        const { staking, wallets } = await loadFixture(deployWithValidatorsFixture);
        await expect(staking.removeValidator(wallets[1].address))
          .to.emit(staking, "ValidatorRemoved")
          .withArgs(wallets[1].address);
        expect(await staking.isActiveValidator(wallets[1].address)).to.equal(true);
        await staking.advanceEpoch();
        expect(await staking.isActiveValidator(wallets[1].address)).to.equal(false);
        expect(await staking.getValidatorsInCurrentEpoch()).to.deep.equal([
          wallets[0].address,
          wallets[3].address,
          wallets[2].address,
        ]);
      });

      it("removes the last staged node without moving any other", async () => {
        const { staking, wallets } = await loadFixture(deployWithValidatorsFixture);
        await staking.removeValidator(wallets[3].address);
        await staking.advanceEpoch();
        expect(await staking.getValidatorsInCurrentEpoch()).to.deep.equal(
          wallets.slice(0, 3).map((w) => w.address),
        );
      });
    });
  });

  describe("advanceEpoch", () => {
    describe("when the caller is not the owner", () => {
      it("reverts with OwnableUnauthorizedAccount", async () => {
        const { staking, alice } = await loadFixture(deployPKPSystemFixture);
        await expect(staking.connect(alice).advanceEpoch())
          .to.be.revertedWithCustomError(staking, "OwnableUnauthorizedAccount")
          .withArgs(alice.address);
      });
    });

    describe("when called by the owner", () => {
      it("emits EpochAdvanced and StateChanged(1), and sets number and end time", async () => {
        const { staking } = await loadFixture(deployWithValidatorsFixture);
        const tx = staking.advanceEpoch();
        await expect(tx).to.emit(staking, "EpochAdvanced").withArgs(3n);
        await expect(tx).to.emit(staking, "StateChanged").withArgs(1);
        const epoch = await staking.epoch();
        expect(epoch.number).to.equal(3n);
        expect(epoch.endTime).to.equal(BigInt(await time.latest()) + 3600n);
      });
    });
  });

  describe("currentValidatorCountForConsensus", () => {
    for (const [n, expected] of [
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 3],
      [5, 4],
      [6, 5],
      [7, 5],
      [10, 7],
    ]) {
      describe(`when there are ${n} validators`, () => {
        it(`is floor(2n/3)+1 = ${expected}`, async () => {
          const { staking } = await loadFixture(deployPKPSystemFixture);
          await addValidators(staking, n);
          await staking.advanceEpoch();
          expect(await staking.currentValidatorCountForConsensus()).to.equal(BigInt(expected));
          expect(await staking.getValidatorsInCurrentEpochLength()).to.equal(BigInt(n));
        });
      });
    }
  });

  describe("getActiveUnkickedValidatorStructsAndCounts", () => {
    it("returns the epoch, the consensus count and the validators (what Lit's client reads)", async () => {
      const { staking, wallets } = await loadFixture(deployWithValidatorsFixture);
      const [epoch, minNodeCount, validators] = await staking.getActiveUnkickedValidatorStructsAndCounts();
      expect(epoch.number).to.equal(2n);
      expect(minNodeCount).to.equal(3n);
      expect(validators.map((v) => v.nodeAddress)).to.deep.equal(wallets.map((w) => w.address));
      expect(validators.map((v) => v.port)).to.deep.equal([7470n, 7471n, 7472n, 7473n]);
    });
  });
});
