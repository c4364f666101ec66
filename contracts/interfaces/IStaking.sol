// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IStaking
/// @notice The validator registry of the network: which nodes run it, epoch by epoch. Owner-managed (no token
/// staking). The struct layout and `getActiveUnkickedValidatorStructsAndCounts` follow Lit Protocol's Staking
/// contract so that Lit's own client can discover our nodes.
/// @dev Changes to the validator set are staged and take effect at the next `advanceEpoch()`. Besides the owner,
/// the current validators can remove one of them from the next set by vote (`kickValidatorInNextEpoch`, Lit's
/// name and signature): once `currentValidatorCountForConsensus()` of them voted in one epoch, the target is
/// kicked. A kicked node may `rejoin()` from the epoch after the one it was kicked in. When the next set differs
/// from the current one only by kicks and rejoins, any current validator may `advanceEpoch()`, not only the owner.
/// A validator's staker address and node address are one here.
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
    /// @notice Only a validator of the current epoch may vote to kick (Lit: `MustBeValidatorInNextEpochToKick`).
    /// @param voter The caller.
    error StakingVoterNotCurrentValidator(address voter);
    /// @notice A validator kicked from the next epoch may not vote to kick others.
    /// @param voter The caller.
    error StakingVoterKicked(address voter);
    /// @notice A validator may not vote to kick itself.
    /// @param voter The caller.
    error StakingCannotVoteForSelf(address voter);
    /// @notice The target of a kick vote is not a validator of the current epoch.
    /// @param validator The target.
    error StakingKickTargetNotCurrentValidator(address validator);
    /// @notice The target was already kicked from the next epoch.
    /// @param validator The target.
    error StakingValidatorAlreadyKicked(address validator);
    /// @notice The voter already voted to kick this target in this epoch (Lit: `CannotVoteTwice`).
    /// @param voter The caller.
    /// @param validator The target.
    error StakingCannotVoteTwice(address voter, address validator);
    /// @notice Kicking one more validator would leave fewer unkicked current validators than
    /// `currentValidatorCountForConsensus()`, too few to carry the network's key shares into the next epoch
    /// (Lit: `CannotKickBelowCurrentValidatorThreshold`).
    error StakingCannotKickBelowCurrentValidatorThreshold();
    /// @notice The caller of `advanceEpoch` is neither the owner nor a validator of the current epoch.
    /// @param caller The caller.
    error StakingNotOwnerOrValidator(address caller);
    /// @notice The owner staged changes to the next set since the epoch started: only the owner may advance.
    error StakingAdvanceNeedsOwner();
    /// @notice The next set is the current set (nothing was kicked or rejoined): a validator may not advance.
    error StakingNothingToAdvance();
    /// @notice The caller of `rejoin` was not kicked (or the owner has since added or removed it).
    /// @param nodeAddress The caller.
    error StakingNotKicked(address nodeAddress);
    /// @notice A node kicked in this epoch may rejoin only from the next one (Lit:
    /// `CannotRejoinUntilNextEpochBecauseKicked`).
    /// @param nodeAddress The caller.
    error StakingCannotRejoinUntilNextEpochBecauseKicked(address nodeAddress);

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
    /// @notice A current validator voted to kick another from the next epoch (Lit's event).
    /// @param reporter The voter.
    /// @param validatorStakerAddress The target.
    /// @param reason The reason code the voter gave (not interpreted by the contract).
    /// @param data Free-form evidence the voter gave (not interpreted by the contract).
    event VotedToKickValidatorInNextEpoch(
        address indexed reporter,
        address indexed validatorStakerAddress,
        uint256 indexed reason,
        bytes data
    );
    /// @notice Enough votes were cast: the validator leaves the set at the next epoch (Lit's event).
    /// @param staker The kicked validator.
    /// @param amountBurned Always 0: this network has no stake to slash (kept for ABI compatibility).
    event ValidatorKickedFromNextEpoch(address indexed staker, uint256 amountBurned);
    /// @notice A kicked node staged itself to serve again from the next epoch (Lit's event name).
    /// @param staker The node.
    event RequestToJoin(address indexed staker);

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

    /// @notice Starts the next epoch with the staged validator set. Emits `EpochAdvanced` and `StateChanged(1)`.
    /// Callable by the owner at any time; by a current validator only when the owner staged no change since the
    /// epoch started and at least one validator was kicked or a kicked node rejoined (the next set then differs
    /// from the current one only by the network's own decisions).
    function advanceEpoch() external;

    /// @notice Votes, as a current validator, to remove `validatorStakerAddress` from the next epoch. When the
    /// votes of this epoch against it reach `currentValidatorCountForConsensus()` (the target's own vote is never
    /// counted: it may not vote for itself), it is removed from the next set, listed by `getKickedValidators()`,
    /// and emits `ValidatorKickedFromNextEpoch`. Every vote emits `VotedToKickValidatorInNextEpoch`.
    /// @dev Lit's name and signature. The voter must not be kicked itself; the target must be a current,
    /// unkicked validator; one vote per (epoch, voter, target); a kick must leave at least
    /// `currentValidatorCountForConsensus()` unkicked current validators.
    /// @param validatorStakerAddress The target's node address.
    /// @param reason A reason code, passed to the event.
    /// @param data Evidence, passed to the event.
    function kickValidatorInNextEpoch(
        address validatorStakerAddress,
        uint256 reason,
        bytes calldata data
    ) external;

    /// @notice Stages the caller, a node kicked in an earlier epoch, to serve again from the next epoch, with the
    /// IP, port and keys the owner registered for it. Emits `RequestToJoin`.
    /// @dev Lit's `requestToJoin` registers a staker with its stake; here the owner registers the nodes, so a
    /// kicked node only asks to be put back. The owner's `addValidator` or `removeValidator` of the node
    /// withdraws this right.
    function rejoin() external;

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

    /// @notice The node addresses staged for the next epoch.
    /// @return The addresses (their order is not meaningful).
    function getValidatorsInNextEpoch() external view returns (address[] memory);

    /// @notice The validators kicked from the next epoch during the current one (Lit's view; emptied when the
    /// epoch advances).
    /// @return The addresses, in the order they were kicked.
    function getKickedValidators() external view returns (address[] memory);

    /// @notice The votes cast in an epoch to kick a validator, and whether a given voter cast one (Lit's view).
    /// @param epochNumber The epoch.
    /// @param validatorStakerAddress The target.
    /// @param voterStakerAddress The voter asked about.
    /// @return The number of votes.
    /// @return Whether `voterStakerAddress` voted.
    function getVotingStatusToKickValidator(
        uint256 epochNumber,
        address validatorStakerAddress,
        address voterStakerAddress
    ) external view returns (uint256, bool);

    /// @notice Everything Lit's client reads when it connects.
    /// @dev Unlike Lit's, the list keeps the validators kicked in this epoch: they serve until the epoch
    /// advances, and clients and nodes number the validators by their place in the whole current set.
    /// @return The current epoch.
    /// @return minNodeCount `currentValidatorCountForConsensus()`.
    /// @return The current epoch's validators.
    function getActiveUnkickedValidatorStructsAndCounts()
        external
        view
        returns (Epoch memory, uint256 minNodeCount, Validator[] memory);
}
