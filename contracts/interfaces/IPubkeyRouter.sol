// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPubkeyRouter
/// @notice Maps a PKP's token id to its public key, and lets the network's validators put freshly generated keys
/// (made by distributed key generation among the nodes) into PKPNFT's pool of mintable keys. A key is routed
/// once, ever, and only with the EIP-712 signatures of more than two thirds of the current validators.
/// @dev `tokenId = uint256(keccak256(pubkey))` over the 65-byte uncompressed secp256k1 key; the router stores
/// the key once and every other contract reads it from here.
interface IPubkeyRouter {
    /// @notice An ECDSA signature.
    /// @param r The r value.
    /// @param s The s value.
    /// @param v The recovery id (27 or 28).
    struct Signature {
        bytes32 r;
        bytes32 s;
        uint8 v;
    }

    /// @notice A network-wide root key.
    /// @param pubkey The public key bytes.
    /// @param keyType 1 = BLS, 2 = ECDSA (secp256k1).
    struct RootKey {
        bytes pubkey;
        uint256 keyType;
    }

    /// @notice What is known about a routed key.
    /// @param pubkey The 65-byte uncompressed secp256k1 public key (empty when not routed).
    /// @param keyType 2 = ECDSA (0 when not routed).
    /// @param derivedKeyId Always zero: keys here come from DKG, not from Lit's HD derivation.
    struct PubkeyRoutingData {
        bytes pubkey;
        uint256 keyType;
        bytes32 derivedKeyId;
    }

    /// @notice The public key is not 65 bytes long.
    /// @param length Its length.
    error PubkeyRouterInvalidPubkeyLength(uint256 length);
    /// @notice The public key does not start with 0x04 (uncompressed).
    /// @param prefix Its first byte.
    error PubkeyRouterInvalidPubkeyPrefix(bytes1 prefix);
    /// @notice The public key is not a point of secp256k1.
    error PubkeyRouterPubkeyNotOnCurve();
    /// @notice The token id is not `keccak256(pubkey)`.
    /// @param tokenId The token id given.
    /// @param expected `uint256(keccak256(pubkey))`.
    error PubkeyRouterTokenIdMismatch(uint256 tokenId, uint256 expected);
    /// @notice The key has been routed before.
    /// @param tokenId The key's token id.
    error PubkeyRouterAlreadyRouted(uint256 tokenId);
    /// @notice The staking contract is not the one this router trusts.
    /// @param stakingContract The address given.
    error PubkeyRouterWrongStakingContract(address stakingContract);
    /// @notice Only ECDSA keys (key type 2) can be routed as PKPs.
    /// @param keyType The key type given.
    error PubkeyRouterUnsupportedKeyType(uint256 keyType);
    /// @notice Fewer signatures than the validators' consensus count.
    /// @param provided Signatures given.
    /// @param required `currentValidatorCountForConsensus()`.
    error PubkeyRouterNotEnoughSignatures(uint256 provided, uint256 required);
    /// @notice A signature could not be recovered (malformed, or s in the upper half of the curve order).
    /// @param index Its position in the array.
    error PubkeyRouterInvalidSignature(uint256 index);
    /// @notice A signature is by an address that is not a validator of the current epoch.
    /// @param signer The recovered signer.
    error PubkeyRouterSignerNotValidator(address signer);
    /// @notice Two signatures are by the same validator.
    /// @param signer The repeated signer.
    error PubkeyRouterDuplicateSigner(address signer);
    /// @notice The arrays of a batch have different lengths.
    /// @param tokenIds Length of `tokenIds`.
    /// @param pubkeys Length of `pubkeys`.
    /// @param signatures Length of `signatures`.
    error PubkeyRouterArrayLengthMismatch(uint256 tokenIds, uint256 pubkeys, uint256 signatures);
    /// @notice The PKPNFT address was already set (it can be set once).
    error PubkeyRouterPkpNftAlreadySet();
    /// @notice The PKPNFT address has not been set yet.
    error PubkeyRouterPkpNftNotSet();
    /// @notice An address argument is the zero address.
    error PubkeyRouterZeroAddress();
    /// @notice The caller is not a validator of the current epoch.
    /// @param caller The caller.
    error PubkeyRouterNotValidator(address caller);
    /// @notice The validator already voted for root keys in this epoch.
    /// @param validator The validator.
    /// @param epochNumber The epoch.
    error PubkeyRouterAlreadyVoted(address validator, uint256 epochNumber);
    /// @notice The root keys of this staking contract are set already, for good.
    /// @param stakingContract The staking contract.
    error PubkeyRouterRootKeysAlreadySet(address stakingContract);
    /// @notice A root key vote is empty or holds a key with an empty public key or an unknown key type.
    error PubkeyRouterInvalidRootKeys();

    /// @notice A key was routed.
    /// @param tokenId The key's token id.
    /// @param pubkey The 65-byte public key.
    /// @param stakingContract The staking contract whose validators approved it.
    /// @param keyType The key type (2 = ECDSA).
    /// @param derivedKeyId Always zero (see `PubkeyRoutingData`).
    event PubkeyRoutingDataSet(
        uint256 indexed tokenId,
        bytes pubkey,
        address stakingContract,
        uint256 keyType,
        bytes32 derivedKeyId
    );
    /// @notice Every current validator voted for this root key; it is now the network's.
    /// @param stakingContract The staking contract.
    /// @param rootKey The key.
    event RootKeySet(address stakingContract, RootKey rootKey);

    /// @notice Routes a key generated by the network and puts it into PKPNFT's pool. Anyone may submit it; it
    /// takes the EIP-712 signatures over `RoutingData(uint256 tokenId,bytes pubkey,uint256 keyType,address
    /// stakingContract)` (domain "PubkeyRouter", "1", chain id, this contract) of at least
    /// `currentValidatorCountForConsensus()` distinct current validators.
    /// @param tokenId `uint256(keccak256(pubkey))`.
    /// @param pubkey The 65-byte uncompressed secp256k1 public key.
    /// @param stakingContract The staking contract this router trusts.
    /// @param keyType 2 (ECDSA).
    /// @param signatures The validators' signatures.
    function setRoutingData(
        uint256 tokenId,
        bytes calldata pubkey,
        address stakingContract,
        uint256 keyType,
        Signature[] calldata signatures
    ) external;

    /// @notice `setRoutingData` for several keys (all or nothing).
    /// @param tokenIds The token ids.
    /// @param pubkeys The public keys.
    /// @param stakingContract The staking contract this router trusts.
    /// @param keyType 2 (ECDSA).
    /// @param signatures For each key, the validators' signatures.
    function setRoutingDataBatch(
        uint256[] calldata tokenIds,
        bytes[] calldata pubkeys,
        address stakingContract,
        uint256 keyType,
        Signature[][] calldata signatures
    ) external;

    /// @notice Routes a key without signatures (owner only, for development networks). Same checks and effects
    /// as `setRoutingData` otherwise.
    /// @param tokenId `uint256(keccak256(pubkey))`.
    /// @param pubkey The 65-byte uncompressed secp256k1 public key.
    /// @param stakingContract The staking contract this router trusts.
    /// @param keyType 2 (ECDSA).
    function setRoutingDataAsAdmin(
        uint256 tokenId,
        bytes calldata pubkey,
        address stakingContract,
        uint256 keyType
    ) external;

    /// @notice A current validator's vote for the network's root keys; once every current validator voted for
    /// the same keys in the same epoch, they are stored for good and `RootKeySet` is emitted for each.
    /// @param stakingContract The staking contract this router trusts.
    /// @param newRootKeys The keys voted for.
    function voteForRootKeys(address stakingContract, RootKey[] calldata newRootKeys) external;

    /// @notice The routing data of a token id.
    /// @param tokenId The token id.
    /// @return The routing data (empty when not routed).
    function getRoutingData(uint256 tokenId) external view returns (PubkeyRoutingData memory);

    /// @notice Same as `getRoutingData` (Lit's name for it).
    /// @param tokenId The token id.
    /// @return The routing data (empty when not routed).
    function pubkeys(uint256 tokenId) external view returns (PubkeyRoutingData memory);

    /// @notice The public key of a token id.
    /// @param tokenId The token id.
    /// @return The 65-byte public key, or empty bytes when not routed.
    function getPubkey(uint256 tokenId) external view returns (bytes memory);

    /// @notice The coordinates of a token id's key (what `getPubkey` encodes as 0x04 ‖ x ‖ y); a cheaper read
    /// for contracts.
    /// @param tokenId The token id.
    /// @return x The x coordinate (zero when not routed).
    /// @return y The y coordinate (zero when not routed).
    function getPubkeyCoordinates(uint256 tokenId) external view returns (bytes32 x, bytes32 y);

    /// @notice The Ethereum address of a token id's key.
    /// @param tokenId The token id.
    /// @return The address, or the zero address when not routed.
    function getEthAddress(uint256 tokenId) external view returns (address);

    /// @notice The token id whose key has this Ethereum address.
    /// @param ethAddress The address.
    /// @return The token id, or 0 when none.
    function ethAddressToPkpId(address ethAddress) external view returns (uint256);

    /// @notice Whether a token id has been routed.
    /// @param tokenId The token id.
    /// @return True when routed.
    function isRouted(uint256 tokenId) external view returns (bool);

    /// @notice The Ethereum address of a public key: the last 20 bytes of `keccak256(pubkey[1:65])`.
    /// @param pubkey The 65-byte uncompressed secp256k1 public key.
    /// @return The address.
    function deriveEthAddressFromPubkey(bytes calldata pubkey) external pure returns (address);

    /// @notice The root keys of a staking contract.
    /// @param stakingContract The staking contract.
    /// @return The keys (empty until voted in).
    function getRootKeys(address stakingContract) external view returns (RootKey[] memory);

    /// @notice Checks that at least `currentValidatorCountForConsensus()` distinct current validators signed
    /// `signedMessage` as an EIP-191 personal message. Reverts with a custom error otherwise.
    /// @param signatures The signatures.
    /// @param signedMessage The message.
    /// @param stakingContract The staking contract this router trusts.
    /// @return Always true (it reverts otherwise).
    function checkNodeSignatures(
        Signature[] calldata signatures,
        bytes calldata signedMessage,
        address stakingContract
    ) external view returns (bool);

    /// @notice Sets the PKPNFT contract keys are routed to (owner only, once).
    /// @param pkpNft The PKPNFT contract.
    function setPkpNft(address pkpNft) external;

    /// @notice The staking contract this router trusts (fixed at deployment).
    /// @return The address.
    function stakingContract() external view returns (address);

    /// @notice The PKPNFT contract keys are routed to.
    /// @return The address (zero until set).
    function pkpNft() external view returns (address);
}
