// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IStaking} from "./interfaces/IStaking.sol";

/// @title Staking
/// @notice The owner-managed validator registry of the network, with kicks voted by the validators (see IStaking).
contract Staking is IStaking, Ownable {
    /// @notice State reported by `StateChanged` when an epoch starts.
    uint8 private constant STATE_ACTIVE = 1;

    /// @dev The votes of one epoch against one target.
    struct KickVotes {
        uint256 votes;
        mapping(address voter => bool) voted;
    }

    Epoch private _epoch;
    address[] private _current;
    address[] private _next;
    /// @dev 1-based position in `_next`; 0 = not staged.
    mapping(address nodeAddress => uint256) private _nextPosition;
    mapping(address nodeAddress => bool) private _isCurrent;
    mapping(address nodeAddress => Validator) private _validators;
    mapping(uint256 epochNumber => mapping(address target => KickVotes)) private _kickVotes;
    /// @dev The validators kicked from the next epoch during the current one.
    address[] private _kicked;
    /// @dev The epoch a node was last kicked in; 0 = never.
    mapping(address nodeAddress => uint256) private _kickedInEpoch;
    /// @dev Kicked and not yet rejoined, nor added or removed by the owner since.
    mapping(address nodeAddress => bool) private _mayRejoin;
    /// @dev The owner staged a change (add or remove) since the epoch started.
    bool private _ownerChangesPending;
    /// @dev Kicks and rejoins since the epoch started.
    uint256 private _networkChangesPending;

    /// @param epochLength Seconds an epoch is meant to last.
    /// @param epochTimeout Seconds the nodes wait for each other in a network round.
    constructor(uint256 epochLength, uint256 epochTimeout) Ownable(msg.sender) {
        if (epochLength == 0 || epochTimeout == 0) revert StakingInvalidEpochParameters();
        _epoch = Epoch({
            epochLength: epochLength,
            number: 1,
            endTime: block.timestamp + epochLength,
            retries: 0,
            timeout: epochTimeout
        });
    }

    /// @inheritdoc IStaking
    function addValidator(
        uint32 ip,
        uint128 ipv6,
        uint32 port,
        address nodeAddress,
        uint256 senderPubKey,
        uint256 receiverPubKey
    ) external onlyOwner {
        if (nodeAddress == address(0)) revert StakingZeroAddress();
        if (_nextPosition[nodeAddress] != 0) revert StakingValidatorAlreadyAdded(nodeAddress);
        _validators[nodeAddress] = Validator({
            ip: ip,
            ipv6: ipv6,
            port: port,
            nodeAddress: nodeAddress,
            reward: 0,
            senderPubKey: senderPubKey,
            receiverPubKey: receiverPubKey
        });
        _stage(nodeAddress);
        delete _mayRejoin[nodeAddress];
        _ownerChangesPending = true;
        emit ValidatorAdded(nodeAddress);
    }

    /// @inheritdoc IStaking
    /// @dev A kicked node that is not staged can be removed too: that withdraws its right to `rejoin()`.
    function removeValidator(address nodeAddress) external onlyOwner {
        if (_nextPosition[nodeAddress] != 0) {
            _unstage(nodeAddress);
        } else if (!_mayRejoin[nodeAddress]) {
            revert StakingValidatorNotFound(nodeAddress);
        }
        delete _mayRejoin[nodeAddress];
        _ownerChangesPending = true;
        emit ValidatorRemoved(nodeAddress);
    }

    /// @inheritdoc IStaking
    function kickValidatorInNextEpoch(
        address validatorStakerAddress,
        uint256 reason,
        bytes calldata data
    ) external {
        address voter = msg.sender;
        uint256 number = _epoch.number;
        if (!_isCurrent[voter]) revert StakingVoterNotCurrentValidator(voter);
        if (_kickedInEpoch[voter] == number) revert StakingVoterKicked(voter);
        if (validatorStakerAddress == voter) revert StakingCannotVoteForSelf(voter);
        if (!_isCurrent[validatorStakerAddress])
            revert StakingKickTargetNotCurrentValidator(validatorStakerAddress);
        if (_kickedInEpoch[validatorStakerAddress] == number) {
            revert StakingValidatorAlreadyKicked(validatorStakerAddress);
        }
        KickVotes storage tally = _kickVotes[number][validatorStakerAddress];
        if (tally.voted[voter]) revert StakingCannotVoteTwice(voter, validatorStakerAddress);
        uint256 threshold = currentValidatorCountForConsensus();
        // One more kick must leave a threshold of the current validators, who hold the key shares, unkicked.
        if (_current.length - _kicked.length - 1 < threshold)
            revert StakingCannotKickBelowCurrentValidatorThreshold();

        tally.voted[voter] = true;
        uint256 votes = tally.votes + 1;
        tally.votes = votes;
        emit VotedToKickValidatorInNextEpoch(voter, validatorStakerAddress, reason, data);

        if (votes > threshold - 1) {
            if (_nextPosition[validatorStakerAddress] != 0) _unstage(validatorStakerAddress);
            _kicked.push(validatorStakerAddress);
            _kickedInEpoch[validatorStakerAddress] = number;
            _mayRejoin[validatorStakerAddress] = true;
            ++_networkChangesPending;
            emit ValidatorKickedFromNextEpoch(validatorStakerAddress, 0);
        }
    }

    /// @inheritdoc IStaking
    function rejoin() external {
        address nodeAddress = msg.sender;
        if (!_mayRejoin[nodeAddress]) revert StakingNotKicked(nodeAddress);
        if (_kickedInEpoch[nodeAddress] == _epoch.number) {
            revert StakingCannotRejoinUntilNextEpochBecauseKicked(nodeAddress);
        }
        // Never staged here: staging by the owner clears `_mayRejoin`, and a kicked node leaves the next set.
        _stage(nodeAddress);
        delete _mayRejoin[nodeAddress];
        ++_networkChangesPending;
        emit RequestToJoin(nodeAddress);
    }

    /// @inheritdoc IStaking
    function advanceEpoch() external {
        if (msg.sender != owner()) {
            if (!_isCurrent[msg.sender]) revert StakingNotOwnerOrValidator(msg.sender);
            if (_ownerChangesPending) revert StakingAdvanceNeedsOwner();
            if (_networkChangesPending == 0) revert StakingNothingToAdvance();
        }
        uint256 count = _current.length;
        for (uint256 i = 0; i < count; ++i) {
            delete _isCurrent[_current[i]];
        }
        _current = _next;
        count = _current.length;
        for (uint256 i = 0; i < count; ++i) {
            _isCurrent[_current[i]] = true;
        }
        delete _kicked;
        _ownerChangesPending = false;
        _networkChangesPending = 0;
        uint256 number = _epoch.number + 1;
        _epoch.number = number;
        _epoch.endTime = block.timestamp + _epoch.epochLength;
        emit EpochAdvanced(number);
        emit StateChanged(STATE_ACTIVE);
    }

    /// @inheritdoc IStaking
    function epoch() external view returns (Epoch memory) {
        return _epoch;
    }

    /// @inheritdoc IStaking
    function getValidatorsInCurrentEpoch() external view returns (address[] memory) {
        return _current;
    }

    /// @inheritdoc IStaking
    function getValidatorsStructsInCurrentEpoch() public view returns (Validator[] memory validators) {
        uint256 count = _current.length;
        validators = new Validator[](count);
        for (uint256 i = 0; i < count; ++i) {
            validators[i] = _validators[_current[i]];
        }
    }

    /// @inheritdoc IStaking
    function getValidatorsInCurrentEpochLength() external view returns (uint256) {
        return _current.length;
    }

    /// @inheritdoc IStaking
    function isActiveValidator(address account) external view returns (bool) {
        return _isCurrent[account];
    }

    /// @inheritdoc IStaking
    function isActiveValidatorByNodeAddress(address nodeAddress) external view returns (bool) {
        return _isCurrent[nodeAddress];
    }

    /// @inheritdoc IStaking
    function currentValidatorCountForConsensus() public view returns (uint256) {
        return (_current.length * 2) / 3 + 1;
    }

    /// @inheritdoc IStaking
    function getValidatorsInNextEpoch() external view returns (address[] memory) {
        return _next;
    }

    /// @inheritdoc IStaking
    function getKickedValidators() external view returns (address[] memory) {
        return _kicked;
    }

    /// @inheritdoc IStaking
    function getVotingStatusToKickValidator(
        uint256 epochNumber,
        address validatorStakerAddress,
        address voterStakerAddress
    ) external view returns (uint256, bool) {
        KickVotes storage tally = _kickVotes[epochNumber][validatorStakerAddress];
        return (tally.votes, tally.voted[voterStakerAddress]);
    }

    /// @inheritdoc IStaking
    function getActiveUnkickedValidatorStructsAndCounts()
        external
        view
        returns (Epoch memory, uint256 minNodeCount, Validator[] memory)
    {
        return (_epoch, currentValidatorCountForConsensus(), getValidatorsStructsInCurrentEpoch());
    }

    /// @dev Appends a node to the next set.
    function _stage(address nodeAddress) private {
        _next.push(nodeAddress);
        _nextPosition[nodeAddress] = _next.length;
    }

    /// @dev Takes a staged node out of the next set (the last staged node takes its place).
    function _unstage(address nodeAddress) private {
        uint256 position = _nextPosition[nodeAddress];
        uint256 last = _next.length;
        if (position != last) {
            address moved = _next[last - 1];
            _next[position - 1] = moved;
            _nextPosition[moved] = position;
        }
        _next.pop();
        delete _nextPosition[nodeAddress];
    }
}
