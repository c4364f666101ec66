import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { BaseWallet } from "ethers";
import type { Staking } from "../../typechain-types";
import {
  addValidators,
  advanceEpoch,
  deployPKPSystemFixture,
  deployWithValidatorsFixture,
  loadFixture,
} from "./fixtures";

/** The system with 10 validators in the current epoch (consensus count 7). */
async function deployWithTenValidatorsFixture() {
  const system = await deployPKPSystemFixture();
  const wallets = await addValidators(system.staking, 10);
  await advanceEpoch(system);
  return { ...system, wallets };
}

/** Each of `voters` votes to kick `target` (reason 1, no data). */
async function voteToKick(staking: Staking, voters: BaseWallet[], target: string): Promise<void> {
  for (const voter of voters) {
    await (await staking.connect(voter).kickValidatorInNextEpoch(target, 1, "0x")).wait();
  }
}

const sorted = (addresses: readonly string[]) => [...addresses].sort();

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
    describe("when the caller is neither the owner nor a current validator", () => {
      it("reverts with StakingNotOwnerOrValidator", async () => {
        const { staking, alice } = await loadFixture(deployPKPSystemFixture);
        await expect(staking.connect(alice).advanceEpoch())
          .to.be.revertedWithCustomError(staking, "StakingNotOwnerOrValidator")
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

  describe("kickValidatorInNextEpoch", () => {
    describe("when the caller is not a current validator", () => {
      it("reverts with StakingVoterNotCurrentValidator, also for a node staged for the next epoch only", async () => {
        const { staking, alice, bob, wallets } = await loadFixture(deployWithValidatorsFixture);
        await expect(staking.connect(alice).kickValidatorInNextEpoch(wallets[0].address, 1, "0x"))
          .to.be.revertedWithCustomError(staking, "StakingVoterNotCurrentValidator")
          .withArgs(alice.address);
        await staking.addValidator(2130706433, 0, 7480, bob.address, 21, 22);
        await expect(staking.connect(bob).kickValidatorInNextEpoch(wallets[0].address, 1, "0x"))
          .to.be.revertedWithCustomError(staking, "StakingVoterNotCurrentValidator")
          .withArgs(bob.address);
      });
    });

    describe("when the caller votes to kick itself", () => {
      it("reverts with StakingCannotVoteForSelf", async () => {
        const { staking, wallets } = await loadFixture(deployWithValidatorsFixture);
        await expect(staking.connect(wallets[0]).kickValidatorInNextEpoch(wallets[0].address, 1, "0x"))
          .to.be.revertedWithCustomError(staking, "StakingCannotVoteForSelf")
          .withArgs(wallets[0].address);
      });
    });

    describe("when the target is not a current validator", () => {
      it("reverts with StakingKickTargetNotCurrentValidator, also for a node staged for the next epoch only", async () => {
        const { staking, alice, wallets } = await loadFixture(deployWithValidatorsFixture);
        await expect(staking.connect(wallets[0]).kickValidatorInNextEpoch(alice.address, 1, "0x"))
          .to.be.revertedWithCustomError(staking, "StakingKickTargetNotCurrentValidator")
          .withArgs(alice.address);
        await staking.addValidator(2130706433, 0, 7480, alice.address, 21, 22);
        await expect(staking.connect(wallets[0]).kickValidatorInNextEpoch(alice.address, 1, "0x"))
          .to.be.revertedWithCustomError(staking, "StakingKickTargetNotCurrentValidator")
          .withArgs(alice.address);
      });
    });

    describe("when the caller already voted against the target in this epoch", () => {
      it("reverts with StakingCannotVoteTwice", async () => {
        const { staking, wallets } = await loadFixture(deployWithValidatorsFixture);
        await voteToKick(staking, [wallets[0]], wallets[3].address);
        await expect(staking.connect(wallets[0]).kickValidatorInNextEpoch(wallets[3].address, 2, "0x"))
          .to.be.revertedWithCustomError(staking, "StakingCannotVoteTwice")
          .withArgs(wallets[0].address, wallets[3].address);
      });
    });

    describe("when a current validator votes", () => {
      it("emits VotedToKickValidatorInNextEpoch with the reason and data and counts the vote for this epoch", async () => {
        const { staking, wallets } = await loadFixture(deployWithValidatorsFixture);
        await expect(staking.connect(wallets[0]).kickValidatorInNextEpoch(wallets[3].address, 7, "0xc0ffee"))
          .to.emit(staking, "VotedToKickValidatorInNextEpoch")
          .withArgs(wallets[0].address, wallets[3].address, 7n, "0xc0ffee");
        expect(
          await staking.getVotingStatusToKickValidator(2, wallets[3].address, wallets[0].address),
        ).to.deep.equal([1n, true]);
        expect(
          await staking.getVotingStatusToKickValidator(2, wallets[3].address, wallets[1].address),
        ).to.deep.equal([1n, false]);
        expect(
          await staking.getVotingStatusToKickValidator(1, wallets[3].address, wallets[0].address),
        ).to.deep.equal([0n, false]);
        expect(await staking.getKickedValidators()).to.deep.equal([]);
      });
    });

    describe("at N = 4 (threshold 3)", () => {
      it("two votes do not kick; the third kicks: out of the next set, listed, emitted, current set unchanged", async () => {
        const { staking, wallets } = await loadFixture(deployWithValidatorsFixture);
        const target = wallets[1].address;
        await voteToKick(staking, wallets.slice(2, 4), target);
        expect(await staking.getKickedValidators()).to.deep.equal([]);
        expect(await staking.getValidatorsInNextEpoch()).to.include(target);
        await expect(staking.connect(wallets[0]).kickValidatorInNextEpoch(target, 1, "0x"))
          .to.emit(staking, "ValidatorKickedFromNextEpoch")
          .withArgs(target, 0n);
        expect(await staking.getKickedValidators()).to.deep.equal([target]);
        expect(sorted(await staking.getValidatorsInNextEpoch())).to.deep.equal(
          sorted([wallets[0], wallets[2], wallets[3]].map((w) => w.address)),
        );
        expect(await staking.getValidatorsInCurrentEpoch()).to.deep.equal(wallets.map((w) => w.address));
        expect(await staking.isActiveValidator(target)).to.equal(true);
        expect((await staking.getVotingStatusToKickValidator(2, target, wallets[0].address))[0]).to.equal(3n);
      });

      it("keeps the kicked validator in getActiveUnkickedValidatorStructsAndCounts until the epoch advances", async () => {
        const { staking, wallets } = await loadFixture(deployWithValidatorsFixture);
        await voteToKick(staking, [wallets[0], wallets[2], wallets[3]], wallets[1].address);
        const [epoch, minNodeCount, validators] = await staking.getActiveUnkickedValidatorStructsAndCounts();
        expect(epoch.number).to.equal(2n);
        expect(minNodeCount).to.equal(3n);
        expect(validators.map((v) => v.nodeAddress)).to.deep.equal(wallets.map((w) => w.address));
      });

      it("refuses a second kick: StakingCannotKickBelowCurrentValidatorThreshold", async () => {
        const { staking, wallets } = await loadFixture(deployWithValidatorsFixture);
        await voteToKick(staking, [wallets[0], wallets[2], wallets[3]], wallets[1].address);
        await expect(
          staking.connect(wallets[0]).kickValidatorInNextEpoch(wallets[3].address, 1, "0x"),
        ).to.be.revertedWithCustomError(staking, "StakingCannotKickBelowCurrentValidatorThreshold");
      });
    });

    describe("at N = 10 (threshold 7)", () => {
      it("six votes do not kick, the seventh does", async () => {
        const { staking, wallets } = await loadFixture(deployWithTenValidatorsFixture);
        const target = wallets[9].address;
        await voteToKick(staking, wallets.slice(0, 6), target);
        expect(await staking.getKickedValidators()).to.deep.equal([]);
        await expect(staking.connect(wallets[6]).kickValidatorInNextEpoch(target, 1, "0x"))
          .to.emit(staking, "ValidatorKickedFromNextEpoch")
          .withArgs(target, 0n);
        expect(await staking.getKickedValidators()).to.deep.equal([target]);
        expect(await staking.getValidatorsInNextEpoch()).to.have.length(9);
        expect(await staking.getValidatorsInNextEpoch()).not.to.include(target);
      });

      it("kicks up to three validators; votes against a fourth are refused", async () => {
        const { staking, wallets } = await loadFixture(deployWithTenValidatorsFixture);
        const voters = wallets.slice(0, 7);
        for (const target of wallets.slice(7, 10)) await voteToKick(staking, voters, target.address);
        expect(await staking.getKickedValidators()).to.deep.equal(wallets.slice(7, 10).map((w) => w.address));
        expect(await staking.getValidatorsInNextEpoch()).to.have.length(7);
        await expect(
          staking.connect(wallets[0]).kickValidatorInNextEpoch(wallets[6].address, 1, "0x"),
        ).to.be.revertedWithCustomError(staking, "StakingCannotKickBelowCurrentValidatorThreshold");
      });
    });

    describe("when the target was kicked already", () => {
      it("refuses further votes against it (StakingValidatorAlreadyKicked) and its own votes (StakingVoterKicked)", async () => {
        const { staking, wallets } = await loadFixture(deployWithTenValidatorsFixture);
        const target = wallets[1].address;
        await voteToKick(staking, [wallets[0], ...wallets.slice(2, 8)], target);
        await expect(staking.connect(wallets[8]).kickValidatorInNextEpoch(target, 1, "0x"))
          .to.be.revertedWithCustomError(staking, "StakingValidatorAlreadyKicked")
          .withArgs(target);
        await expect(staking.connect(wallets[1]).kickValidatorInNextEpoch(wallets[0].address, 1, "0x"))
          .to.be.revertedWithCustomError(staking, "StakingVoterKicked")
          .withArgs(target);
      });
    });

    describe("when the epoch advanced before the threshold was reached", () => {
      it("starts the count again: the earlier votes do not carry over", async () => {
        const { staking, wallets } = await loadFixture(deployWithValidatorsFixture);
        const target = wallets[3].address;
        await voteToKick(staking, wallets.slice(0, 2), target);
        await staking.advanceEpoch();
        expect(await staking.getVotingStatusToKickValidator(3, target, wallets[0].address)).to.deep.equal([
          0n,
          false,
        ]);
        await voteToKick(staking, wallets.slice(0, 2), target);
        expect(await staking.getKickedValidators()).to.deep.equal([]);
        expect((await staking.getVotingStatusToKickValidator(3, target, wallets[0].address))[0]).to.equal(2n);
      });
    });
  });

  describe("advanceEpoch after a kick", () => {
    describe("when a current validator calls it", () => {
      it("starts the next epoch without the kicked validator and empties getKickedValidators", async () => {
        const { staking, wallets } = await loadFixture(deployWithValidatorsFixture);
        await voteToKick(staking, [wallets[0], wallets[2], wallets[3]], wallets[1].address);
        const tx = staking.connect(wallets[2]).advanceEpoch();
        await expect(tx).to.emit(staking, "EpochAdvanced").withArgs(3n);
        await expect(tx).to.emit(staking, "StateChanged").withArgs(1);
        expect(sorted(await staking.getValidatorsInCurrentEpoch())).to.deep.equal(
          sorted([wallets[0], wallets[2], wallets[3]].map((w) => w.address)),
        );
        expect(await staking.isActiveValidator(wallets[1].address)).to.equal(false);
        expect(await staking.getKickedValidators()).to.deep.equal([]);
        expect(await staking.currentValidatorCountForConsensus()).to.equal(3n);
      });
    });

    describe("when the caller is not a validator", () => {
      it("reverts with StakingNotOwnerOrValidator", async () => {
        const { staking, alice, wallets } = await loadFixture(deployWithValidatorsFixture);
        await voteToKick(staking, [wallets[0], wallets[2], wallets[3]], wallets[1].address);
        await expect(staking.connect(alice).advanceEpoch())
          .to.be.revertedWithCustomError(staking, "StakingNotOwnerOrValidator")
          .withArgs(alice.address);
      });
    });

    describe("when a validator calls it and nothing was kicked", () => {
      it("reverts with StakingNothingToAdvance", async () => {
        const { staking, wallets } = await loadFixture(deployWithValidatorsFixture);
        await voteToKick(staking, wallets.slice(0, 2), wallets[3].address);
        await expect(staking.connect(wallets[0]).advanceEpoch()).to.be.revertedWithCustomError(
          staking,
          "StakingNothingToAdvance",
        );
      });
    });

    describe("when a validator calls it and the owner staged a change too", () => {
      it("reverts with StakingAdvanceNeedsOwner; the owner may advance", async () => {
        const { staking, alice, wallets } = await loadFixture(deployWithValidatorsFixture);
        await voteToKick(staking, [wallets[0], wallets[2], wallets[3]], wallets[1].address);
        await staking.addValidator(2130706433, 0, 7480, alice.address, 21, 22);
        await expect(staking.connect(wallets[0]).advanceEpoch()).to.be.revertedWithCustomError(
          staking,
          "StakingAdvanceNeedsOwner",
        );
        await expect(staking.advanceEpoch()).to.emit(staking, "EpochAdvanced").withArgs(3n);
      });
    });
  });

  describe("rejoin", () => {
    /** 4 validators; wallets[1] kicked in epoch 2 and the epoch advanced (by a validator) to 3. */
    async function kickedAndAdvancedFixture() {
      const system = await deployWithValidatorsFixture();
      const { staking, wallets } = system;
      await voteToKick(staking, [wallets[0], wallets[2], wallets[3]], wallets[1].address);
      await (await staking.connect(wallets[0]).advanceEpoch()).wait();
      return system;
    }

    describe("when the caller was never kicked", () => {
      it("reverts with StakingNotKicked", async () => {
        const { staking, alice, wallets } = await loadFixture(deployWithValidatorsFixture);
        await expect(staking.connect(alice).rejoin())
          .to.be.revertedWithCustomError(staking, "StakingNotKicked")
          .withArgs(alice.address);
        await expect(staking.connect(wallets[0]).rejoin())
          .to.be.revertedWithCustomError(staking, "StakingNotKicked")
          .withArgs(wallets[0].address);
      });
    });

    describe("when the caller was kicked in this epoch", () => {
      it("reverts with StakingCannotRejoinUntilNextEpochBecauseKicked", async () => {
        const { staking, wallets } = await loadFixture(deployWithValidatorsFixture);
        await voteToKick(staking, [wallets[0], wallets[2], wallets[3]], wallets[1].address);
        await expect(staking.connect(wallets[1]).rejoin())
          .to.be.revertedWithCustomError(staking, "StakingCannotRejoinUntilNextEpochBecauseKicked")
          .withArgs(wallets[1].address);
      });
    });

    describe("when the caller was kicked in an earlier epoch", () => {
      it("emits RequestToJoin, stages the node with its registration, and a validator may advance so it serves again", async () => {
        const { staking, wallets } = await loadFixture(kickedAndAdvancedFixture);
        const node = wallets[1];
        await expect(staking.connect(node).rejoin()).to.emit(staking, "RequestToJoin").withArgs(node.address);
        expect(await staking.getValidatorsInNextEpoch()).to.include(node.address);
        expect(await staking.isActiveValidator(node.address)).to.equal(false);
        await expect(staking.connect(wallets[3]).advanceEpoch())
          .to.emit(staking, "EpochAdvanced")
          .withArgs(4n);
        expect(await staking.isActiveValidator(node.address)).to.equal(true);
        const [, , validators] = await staking.getActiveUnkickedValidatorStructsAndCounts();
        const entry = validators.find((v) => v.nodeAddress === node.address);
        expect(entry?.port).to.equal(7471n);
        expect(entry?.senderPubKey).to.equal(2n);
        expect(entry?.receiverPubKey).to.equal(102n);
        expect(sorted(await staking.getValidatorsInCurrentEpoch())).to.deep.equal(
          sorted(wallets.map((w) => w.address)),
        );
      });

      it("refuses a second rejoin: StakingNotKicked", async () => {
        const { staking, wallets } = await loadFixture(kickedAndAdvancedFixture);
        await staking.connect(wallets[1]).rejoin();
        await expect(staking.connect(wallets[1]).rejoin())
          .to.be.revertedWithCustomError(staking, "StakingNotKicked")
          .withArgs(wallets[1].address);
      });
    });

    describe("when the owner removed the kicked node", () => {
      it("emits ValidatorRemoved and the node may no longer rejoin (StakingNotKicked)", async () => {
        const { staking, wallets } = await loadFixture(kickedAndAdvancedFixture);
        await expect(staking.removeValidator(wallets[1].address))
          .to.emit(staking, "ValidatorRemoved")
          .withArgs(wallets[1].address);
        await expect(staking.connect(wallets[1]).rejoin())
          .to.be.revertedWithCustomError(staking, "StakingNotKicked")
          .withArgs(wallets[1].address);
      });
    });
  });

  describe("kick views", () => {
    it("before any vote: the next set is the current set, nothing kicked, no votes", async () => {
      const { staking, wallets } = await loadFixture(deployWithValidatorsFixture);
      expect(sorted(await staking.getValidatorsInNextEpoch())).to.deep.equal(
        sorted(wallets.map((w) => w.address)),
      );
      expect(await staking.getKickedValidators()).to.deep.equal([]);
      expect(
        await staking.getVotingStatusToKickValidator(2, wallets[0].address, wallets[1].address),
      ).to.deep.equal([0n, false]);
    });

    it("getValidatorsInNextEpoch follows the owner's staged changes", async () => {
      const { staking, alice, wallets } = await loadFixture(deployWithValidatorsFixture);
      await staking.addValidator(2130706433, 0, 7480, alice.address, 21, 22);
      await staking.removeValidator(wallets[0].address);
      expect(sorted(await staking.getValidatorsInNextEpoch())).to.deep.equal(
        sorted([...wallets.slice(1).map((w) => w.address), alice.address]),
      );
    });
  });
});
