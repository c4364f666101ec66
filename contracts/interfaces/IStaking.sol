// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IStaking
/// @notice The validator registry of the network: which nodes run it, epoch by epoch. Owner-managed (no token
/// staking). The struct layout and `getActiveUnkickedValidatorStructsAndCounts` follow Lit Protocol's Staking
/// contract so that Lit's own client can discover our nodes.
/// @dev Changes to the validator set are staged and take effect at the next `advanceEpoch()`.
interface IStaking {
    /// @notice A node of the network.
    /// @param ip IPv4 address as a big-endian uint32 (127.0.0.1 = 2130706433).
    /// @param ipv6 IPv6 address (0 when unused).
    /// @param port TCP port of the node's HTTP API.
    /// @param nodeAddress The node's Ethereum address (it signs network decisions with this key).
    /// @param reward Always 0: this network has no token rewards (kept for ABI compatibility).
    /// @param senderPubKey The node's x25519 public key for encrypted node-to-node messages.
    /// @param receiverPubKey The node's x25519 public key for encrypted node-to-node messages.
    struct Validator {
        uint32 ip;
        uint128 ipv6;
        uint32 port;
        address nodeAddress;
        uint256 reward;
        uint256 senderPubKey;
        uint256 receiverPubKey;
    }

    /// @notice The current epoch.
    /// @param epochLength Seconds an epoch is meant to last.
    /// @param number Epoch number, starting at 1.
    /// @param endTime Timestamp at which the epoch is meant to end (set when it starts).
    /// @param retries Always 0 (kept for ABI compatibility).
    /// @param timeout Seconds the nodes wait for each other in a network round.
    struct Epoch {
        uint256 epochLength;
        uint256 number;
        uint256 endTime;
        uint256 retries;
        uint256 timeout;
    }

    /// @notice The node address is the zero address.
    error StakingZeroAddress();
    /// @notice The node is already in the next epoch's validator set.
    /// @param nodeAddress The node.
    error StakingValidatorAlreadyAdded(address nodeAddress);
    /// @notice The node is not in the next epoch's validator set.
    /// @param nodeAddress The node.
    error StakingValidatorNotFound(address nodeAddress);
    /// @notice The epoch length or timeout is zero.
    error StakingInvalidEpochParameters();

    /// @notice A new epoch started.
    /// @param number The new epoch's number.
    event EpochAdvanced(uint256 number);
    /// @notice The network changed state (1 = Active). Lit's client listens for it.
    /// @param newState The new state.
    event StateChanged(uint8 newState);
    /// @notice A node was staged to join the validator set at the next epoch.
    /// @param nodeAddress The node.
    event ValidatorAdded(address indexed nodeAddress);
    /// @notice A node was staged to leave the validator set at the next epoch.
    /// @param nodeAddress The node.
    event ValidatorRemoved(address indexed nodeAddress);

    /// @notice Stages a node to join the validator set at the next epoch (owner only).
    /// @param ip IPv4 address as a big-endian uint32.
    /// @param ipv6 IPv6 address (0 when unused).
    /// @param port TCP port of the node's HTTP API.
    /// @param nodeAddress The node's Ethereum address.
    /// @param senderPubKey The node's x25519 public key.
    /// @param receiverPubKey The node's x25519 public key.
    function addValidator(
        uint32 ip,
        uint128 ipv6,
        uint32 port,
        address nodeAddress,
        uint256 senderPubKey,
        uint256 receiverPubKey
    ) external;

    /// @notice Stages a node to leave the validator set at the next epoch (owner only).
    /// @param nodeAddress The node.
    function removeValidator(address nodeAddress) external;

    /// @notice Starts the next epoch with the staged validator set (owner only). Emits `EpochAdvanced` and
    /// `StateChanged(1)`.
    function advanceEpoch() external;

    /// @notice The current epoch.
    /// @return The epoch.
    function epoch() external view returns (Epoch memory);

    /// @notice The node addresses of the current epoch's validators.
    /// @return The addresses, in the order they were added.
    function getValidatorsInCurrentEpoch() external view returns (address[] memory);

    /// @notice The current epoch's validators.
    /// @return The validators, in the order they were added.
    function getValidatorsStructsInCurrentEpoch() external view returns (Validator[] memory);

    /// @notice The number of validators in the current epoch.
    /// @return The count.
    function getValidatorsInCurrentEpochLength() external view returns (uint256);

    /// @notice Whether an address is a validator of the current epoch.
    /// @param account The address.
    /// @return True when it is.
    function isActiveValidator(address account) external view returns (bool);

    /// @notice Whether a node address is a validator of the current epoch (same as `isActiveValidator`: here a
    /// validator's staker address and node address are one).
    /// @param nodeAddress The address.
    /// @return True when it is.
    function isActiveValidatorByNodeAddress(address nodeAddress) external view returns (bool);

    /// @notice The number of distinct validators that must approve a network decision: more than two thirds of
    /// the current validators, `floor(2n/3) + 1`.
    /// @return The count.
    function currentValidatorCountForConsensus() external view returns (uint256);

    /// @notice Everything Lit's client reads when it connects.
    /// @return The current epoch.
    /// @return minNodeCount `currentValidatorCountForConsensus()`.
    /// @return The current epoch's validators.
    function getActiveUnkickedValidatorStructsAndCounts()
        external
        view
        returns (Epoch memory, uint256 minNodeCount, Validator[] memory);
}
