// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IStaking} from "./interfaces/IStaking.sol";

/// @title Staking
/// @notice The owner-managed validator registry of the network (see IStaking).
contract Staking is IStaking, Ownable {
    /// @notice State reported by `StateChanged` when an epoch starts.
    uint8 private constant STATE_ACTIVE = 1;

    Epoch private _epoch;
    address[] private _current;
    address[] private _next;
    /// @dev 1-based position in `_next`; 0 = not staged.
    mapping(address nodeAddress => uint256) private _nextPosition;
    mapping(address nodeAddress => bool) private _isCurrent;
    mapping(address nodeAddress => Validator) private _validators;

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
        _next.push(nodeAddress);
        _nextPosition[nodeAddress] = _next.length;
        emit ValidatorAdded(nodeAddress);
    }

    /// @inheritdoc IStaking
    function removeValidator(address nodeAddress) external onlyOwner {
        uint256 position = _nextPosition[nodeAddress];
        if (position == 0) revert StakingValidatorNotFound(nodeAddress);
        uint256 last = _next.length;
        if (position != last) {
            address moved = _next[last - 1];
            _next[position - 1] = moved;
            _nextPosition[moved] = position;
        }
        _next.pop();
        delete _nextPosition[nodeAddress];
        emit ValidatorRemoved(nodeAddress);
    }

    /// @inheritdoc IStaking
    function advanceEpoch() external onlyOwner {
        uint256 count = _current.length;
        for (uint256 i = 0; i < count; ++i) {
            delete _isCurrent[_current[i]];
        }
        _current = _next;
        count = _current.length;
        for (uint256 i = 0; i < count; ++i) {
            _isCurrent[_current[i]] = true;
        }
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
    function getActiveUnkickedValidatorStructsAndCounts()
        external
        view
        returns (Epoch memory, uint256 minNodeCount, Validator[] memory)
    {
        return (_epoch, currentValidatorCountForConsensus(), getValidatorsStructsInCurrentEpoch());
    }
}
