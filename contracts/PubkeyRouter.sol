// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IPubkeyRouter} from "./interfaces/IPubkeyRouter.sol";
import {IStaking} from "./interfaces/IStaking.sol";
import {IPKPNFT} from "./interfaces/IPKPNFT.sol";
import {LibPKP} from "./libraries/LibPKP.sol";

/// @title PubkeyRouter
/// @notice Routes network-generated keys to token ids (see IPubkeyRouter).
contract PubkeyRouter is IPubkeyRouter, Ownable, EIP712 {
    /// @notice The EIP-712 type validators sign to route a key.
    bytes32 public constant ROUTING_DATA_TYPEHASH =
        keccak256("RoutingData(uint256 tokenId,bytes pubkey,uint256 keyType,address stakingContract)");

    /// @dev A routed key, stored once: the 0x04 prefix is implied and y is never zero for a curve point, so
    /// `y != 0` means "routed".
    struct StoredKey {
        bytes32 x;
        bytes32 y;
    }

    IStaking private immutable _staking;
    IPKPNFT private _pkpNft;

    mapping(uint256 tokenId => StoredKey) private _keys;
    mapping(address ethAddress => uint256 tokenId) private _ethAddressToPkpId;
    mapping(address stakingContract => RootKey[]) private _rootKeys;
    mapping(uint256 epochNumber => mapping(address validator => bool)) private _votedInEpoch;
    mapping(uint256 epochNumber => mapping(bytes32 rootKeysHash => uint256 votes)) private _rootKeyVotes;

    /// @param stakingContract_ The staking contract whose validators approve keys.
    constructor(address stakingContract_) Ownable(msg.sender) EIP712("PubkeyRouter", "1") {
        if (stakingContract_ == address(0)) revert PubkeyRouterZeroAddress();
        _staking = IStaking(stakingContract_);
    }

    /// @inheritdoc IPubkeyRouter
    function setPkpNft(address pkpNft_) external onlyOwner {
        if (pkpNft_ == address(0)) revert PubkeyRouterZeroAddress();
        if (address(_pkpNft) != address(0)) revert PubkeyRouterPkpNftAlreadySet();
        _pkpNft = IPKPNFT(pkpNft_);
    }

    /// @inheritdoc IPubkeyRouter
    function setRoutingData(
        uint256 tokenId,
        bytes calldata pubkey,
        address stakingContract_,
        uint256 keyType,
        Signature[] calldata signatures
    ) external {
        _checkStaking(stakingContract_);
        _checkRoutingSignatures(tokenId, pubkey, stakingContract_, keyType, signatures);
        _route(tokenId, pubkey, stakingContract_, keyType);
    }

    /// @inheritdoc IPubkeyRouter
    function setRoutingDataBatch(
        uint256[] calldata tokenIds,
        bytes[] calldata pubkeys_,
        address stakingContract_,
        uint256 keyType,
        Signature[][] calldata signatures
    ) external {
        uint256 count = tokenIds.length;
        if (pubkeys_.length != count || signatures.length != count) {
            revert PubkeyRouterArrayLengthMismatch(count, pubkeys_.length, signatures.length);
        }
        _checkStaking(stakingContract_);
        for (uint256 i = 0; i < count; ++i) {
            _checkRoutingSignatures(tokenIds[i], pubkeys_[i], stakingContract_, keyType, signatures[i]);
            _route(tokenIds[i], pubkeys_[i], stakingContract_, keyType);
        }
    }

    /// @inheritdoc IPubkeyRouter
    function setRoutingDataAsAdmin(
        uint256 tokenId,
        bytes calldata pubkey,
        address stakingContract_,
        uint256 keyType
    ) external onlyOwner {
        _checkStaking(stakingContract_);
        _route(tokenId, pubkey, stakingContract_, keyType);
    }

    /// @inheritdoc IPubkeyRouter
    function voteForRootKeys(address stakingContract_, RootKey[] calldata newRootKeys) external {
        _checkStaking(stakingContract_);
        if (!_staking.isActiveValidator(msg.sender)) revert PubkeyRouterNotValidator(msg.sender);
        if (_rootKeys[stakingContract_].length != 0) revert PubkeyRouterRootKeysAlreadySet(stakingContract_);
        uint256 count = newRootKeys.length;
        if (count == 0) revert PubkeyRouterInvalidRootKeys();
        for (uint256 i = 0; i < count; ++i) {
            uint256 keyType = newRootKeys[i].keyType;
            if (newRootKeys[i].pubkey.length == 0 || keyType == 0 || keyType > LibPKP.KEY_TYPE_ECDSA) {
                revert PubkeyRouterInvalidRootKeys();
            }
        }
        uint256 epochNumber = _staking.epoch().number;
        if (_votedInEpoch[epochNumber][msg.sender]) revert PubkeyRouterAlreadyVoted(msg.sender, epochNumber);
        _votedInEpoch[epochNumber][msg.sender] = true;

        bytes32 rootKeysHash = keccak256(abi.encode(newRootKeys));
        uint256 votes = _rootKeyVotes[epochNumber][rootKeysHash] + 1;
        _rootKeyVotes[epochNumber][rootKeysHash] = votes;
        if (votes < _staking.getValidatorsInCurrentEpochLength()) return;

        RootKey[] storage stored = _rootKeys[stakingContract_];
        for (uint256 i = 0; i < count; ++i) {
            stored.push(newRootKeys[i]);
            emit RootKeySet(stakingContract_, newRootKeys[i]);
        }
    }

    /// @inheritdoc IPubkeyRouter
    function getRoutingData(uint256 tokenId) public view returns (PubkeyRoutingData memory data) {
        StoredKey storage key = _keys[tokenId];
        bytes32 y = key.y;
        if (y == bytes32(0)) return data;
        data.pubkey = abi.encodePacked(bytes1(0x04), key.x, y);
        data.keyType = LibPKP.KEY_TYPE_ECDSA;
    }

    /// @inheritdoc IPubkeyRouter
    function pubkeys(uint256 tokenId) external view returns (PubkeyRoutingData memory) {
        return getRoutingData(tokenId);
    }

    /// @inheritdoc IPubkeyRouter
    function getPubkey(uint256 tokenId) external view returns (bytes memory) {
        StoredKey storage key = _keys[tokenId];
        bytes32 y = key.y;
        if (y == bytes32(0)) return "";
        return abi.encodePacked(bytes1(0x04), key.x, y);
    }

    /// @inheritdoc IPubkeyRouter
    function getPubkeyCoordinates(uint256 tokenId) external view returns (bytes32 x, bytes32 y) {
        StoredKey storage key = _keys[tokenId];
        return (key.x, key.y);
    }

    /// @inheritdoc IPubkeyRouter
    function getEthAddress(uint256 tokenId) external view returns (address) {
        StoredKey storage key = _keys[tokenId];
        bytes32 y = key.y;
        if (y == bytes32(0)) return address(0);
        return LibPKP.ethAddressOf(key.x, y);
    }

    /// @inheritdoc IPubkeyRouter
    function ethAddressToPkpId(address ethAddress) external view returns (uint256) {
        return _ethAddressToPkpId[ethAddress];
    }

    /// @inheritdoc IPubkeyRouter
    function isRouted(uint256 tokenId) external view returns (bool) {
        return _keys[tokenId].y != bytes32(0);
    }

    /// @inheritdoc IPubkeyRouter
    function deriveEthAddressFromPubkey(bytes calldata pubkey) external pure returns (address) {
        (bytes32 x, bytes32 y) = _parsePubkey(pubkey);
        return LibPKP.ethAddressOf(x, y);
    }

    /// @inheritdoc IPubkeyRouter
    function getRootKeys(address stakingContract_) external view returns (RootKey[] memory) {
        return _rootKeys[stakingContract_];
    }

    /// @inheritdoc IPubkeyRouter
    function checkNodeSignatures(
        Signature[] calldata signatures,
        bytes calldata signedMessage,
        address stakingContract_
    ) external view returns (bool) {
        _checkStaking(stakingContract_);
        _checkSigners(MessageHashUtils.toEthSignedMessageHash(signedMessage), signatures);
        return true;
    }

    /// @inheritdoc IPubkeyRouter
    function stakingContract() external view returns (address) {
        return address(_staking);
    }

    /// @inheritdoc IPubkeyRouter
    function pkpNft() external view returns (address) {
        return address(_pkpNft);
    }

    /// @notice The EIP-712 digest validators sign to route a key.
    /// @param tokenId The token id.
    /// @param pubkey The public key.
    /// @param keyType The key type.
    /// @param stakingContract_ The staking contract.
    /// @return The digest.
    function routingDataDigest(
        uint256 tokenId,
        bytes calldata pubkey,
        uint256 keyType,
        address stakingContract_
    ) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(ROUTING_DATA_TYPEHASH, tokenId, keccak256(pubkey), keyType, stakingContract_)
                )
            );
    }

    function _checkStaking(address stakingContract_) private view {
        if (stakingContract_ != address(_staking)) revert PubkeyRouterWrongStakingContract(stakingContract_);
    }

    function _checkRoutingSignatures(
        uint256 tokenId,
        bytes calldata pubkey,
        address stakingContract_,
        uint256 keyType,
        Signature[] calldata signatures
    ) private view {
        _checkSigners(routingDataDigest(tokenId, pubkey, keyType, stakingContract_), signatures);
    }

    /// @dev Every signature must be valid and by a distinct current validator, and there must be at least
    /// `currentValidatorCountForConsensus()` of them.
    function _checkSigners(bytes32 digest, Signature[] calldata signatures) private view {
        uint256 count = signatures.length;
        uint256 required = _staking.currentValidatorCountForConsensus();
        if (count < required) revert PubkeyRouterNotEnoughSignatures(count, required);
        address[] memory signers = new address[](count);
        for (uint256 i = 0; i < count; ++i) {
            Signature calldata signature = signatures[i];
            (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(
                digest,
                signature.v,
                signature.r,
                signature.s
            );
            if (error != ECDSA.RecoverError.NoError) revert PubkeyRouterInvalidSignature(i);
            for (uint256 j = 0; j < i; ++j) {
                if (signers[j] == signer) revert PubkeyRouterDuplicateSigner(signer);
            }
            if (!_staking.isActiveValidator(signer)) revert PubkeyRouterSignerNotValidator(signer);
            signers[i] = signer;
        }
    }

    function _parsePubkey(bytes calldata pubkey) private pure returns (bytes32 x, bytes32 y) {
        if (pubkey.length != 65) revert PubkeyRouterInvalidPubkeyLength(pubkey.length);
        if (pubkey[0] != 0x04) revert PubkeyRouterInvalidPubkeyPrefix(pubkey[0]);
        x = bytes32(pubkey[1:33]);
        y = bytes32(pubkey[33:65]);
        if (!LibPKP.isOnCurve(uint256(x), uint256(y))) revert PubkeyRouterPubkeyNotOnCurve();
    }

    function _route(
        uint256 tokenId,
        bytes calldata pubkey,
        address stakingContract_,
        uint256 keyType
    ) private {
        IPKPNFT nft = _pkpNft;
        if (address(nft) == address(0)) revert PubkeyRouterPkpNftNotSet();
        if (keyType != LibPKP.KEY_TYPE_ECDSA) revert PubkeyRouterUnsupportedKeyType(keyType);
        (bytes32 x, bytes32 y) = _parsePubkey(pubkey);
        uint256 expected = uint256(keccak256(pubkey));
        if (tokenId != expected) revert PubkeyRouterTokenIdMismatch(tokenId, expected);
        StoredKey storage key = _keys[tokenId];
        if (key.y != bytes32(0)) revert PubkeyRouterAlreadyRouted(tokenId);
        key.x = x;
        key.y = y;
        _ethAddressToPkpId[LibPKP.ethAddressOf(x, y)] = tokenId;
        emit PubkeyRoutingDataSet(tokenId, pubkey, stakingContract_, keyType, bytes32(0));
        nft.pkpRouted(tokenId, keyType);
    }
}
