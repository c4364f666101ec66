// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Enumerable} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Enumerable.sol";

/// @title IPKPNFT
/// @notice Programmable Key Pairs as ERC-721 tokens (enumerable, burnable): owning the token is owning the key
/// pair's permissions. Tokens are minted from a pool of keys the network generated and routed through the
/// PubkeyRouter; `tokenId = uint256(keccak256(pubkey))`.
/// @dev A PKP can be sent to its own Ethereum address: then only a transaction signed by the PKP itself can
/// change its permissions.
interface IPKPNFT is IERC721Enumerable {
    /// @notice One PKP, as listed by `getPkpInfoFromOwnerAddress`.
    /// @param tokenId The token id.
    /// @param pubkey The 65-byte public key.
    /// @param ethAddress The key's Ethereum address.
    struct PkpInfo {
        uint256 tokenId;
        bytes pubkey;
        address ethAddress;
    }

    /// @notice `msg.value` is not the mint cost.
    /// @param value The value sent.
    /// @param mintCost The mint cost.
    error PKPNFTIncorrectMintCost(uint256 value, uint256 mintCost);
    /// @notice No routed, unminted key of this type is left in the pool.
    /// @param keyType The key type asked for.
    error PKPNFTNoUnmintedTokens(uint256 keyType);
    /// @notice Only the PubkeyRouter may add keys to the pool.
    /// @param caller The caller.
    error PKPNFTNotRouter(address caller);
    /// @notice Only ECDSA keys (key type 2) are PKPs.
    /// @param keyType The key type given.
    error PKPNFTUnsupportedKeyType(uint256 keyType);
    /// @notice The key is in the pool, or was minted, already.
    /// @param tokenId The token id.
    error PKPNFTAlreadyRouted(uint256 tokenId);
    /// @notice The mint cost does not fit in 96 bits.
    /// @param mintCost The mint cost given.
    error PKPNFTMintCostTooHigh(uint256 mintCost);
    /// @notice Sending the balance to the owner failed.
    error PKPNFTWithdrawFailed();
    /// @notice The PKPPermissions address was already set (it can be set once).
    error PKPNFTPkpPermissionsAlreadySet();
    /// @notice The PKPPermissions address has not been set yet.
    error PKPNFTPkpPermissionsNotSet();
    /// @notice An address argument is the zero address.
    error PKPNFTZeroAddress();
    /// @notice Tokens cannot be transferred to the PKPNFT contract itself (it could never move them on).
    error PKPNFTCannotReceiveTokens();
    /// @notice Same as OpenZeppelin's ERC721Enumerable error: an index past the end of an enumeration.
    /// @param owner The owner enumerated (zero for `tokenByIndex`).
    /// @param index The index.
    error ERC721OutOfBoundsIndex(address owner, uint256 index);

    /// @notice A PKP was minted.
    /// @param tokenId The token id.
    /// @param pubkey The 65-byte public key.
    event PKPMinted(uint256 indexed tokenId, bytes pubkey);
    /// @notice A key was added to the pool of mintable keys.
    /// @param tokenId The token id.
    /// @param keyType The key type.
    event PkpRouted(uint256 indexed tokenId, uint256 indexed keyType);
    /// @notice The mint cost changed.
    /// @param newMintCost The new cost in wei.
    event MintCostSet(uint256 newMintCost);
    /// @notice The owner withdrew the contract's balance.
    /// @param amount The amount in wei.
    event Withdrew(uint256 amount);

    /// @notice The price of a mint in wei (`msg.value` must equal it).
    /// @return The cost.
    function mintCost() external view returns (uint256);

    /// @notice Sets the mint cost (owner only).
    /// @param newMintCost The new cost in wei.
    function setMintCost(uint256 newMintCost) external;

    /// @notice Sends the contract's balance to the owner (owner only).
    function withdraw() external;

    /// @notice Mints the next routed, unminted key of a type to the caller.
    /// @param keyType The key type (2 = ECDSA).
    /// @return The token id.
    function mintNext(uint256 keyType) external payable returns (uint256);

    /// @notice In one transaction: mints the next key, permits exactly this Lit Action with scope 1
    /// (SignAnything), and burns the token, so that no one can ever change which code may sign with the key.
    /// @param keyType The key type (2 = ECDSA).
    /// @param ipfsCID The action's IPFS CIDv0 multihash bytes (34 bytes, 0x1220…).
    /// @return The token id.
    function mintGrantAndBurnNext(uint256 keyType, bytes calldata ipfsCID) external payable returns (uint256);

    /// @notice Adds a routed key to the pool (PubkeyRouter only).
    /// @param tokenId The token id.
    /// @param keyType The key type (2 = ECDSA).
    function pkpRouted(uint256 tokenId, uint256 keyType) external;

    /// @notice The number of routed keys of a type that can still be minted.
    /// @param keyType The key type.
    /// @return The count.
    function getUnmintedRoutedTokenIdCount(uint256 keyType) external view returns (uint256);

    /// @notice The public key of a token id (from the PubkeyRouter).
    /// @param tokenId The token id.
    /// @return The 65-byte key, or empty bytes when not routed.
    function getPubkey(uint256 tokenId) external view returns (bytes memory);

    /// @notice The Ethereum address of a token id's key (from the PubkeyRouter).
    /// @param tokenId The token id.
    /// @return The address, or zero when not routed.
    function getEthAddress(uint256 tokenId) external view returns (address);

    /// @notice Whether the token exists (minted and not burned).
    /// @param tokenId The token id.
    /// @return True when it exists.
    function exists(uint256 tokenId) external view returns (bool);

    /// @notice A page of the PKPs of an owner, in `tokenOfOwnerByIndex` order.
    /// @param owner The owner.
    /// @param pageSize Entries per page.
    /// @param pageIndex Zero-based page number.
    /// @return The page (shorter, or empty, past the end).
    function getPkpInfoFromOwnerAddress(
        address owner,
        uint256 pageSize,
        uint256 pageIndex
    ) external view returns (PkpInfo[] memory);

    /// @notice Sets the PKPPermissions contract that `mintGrantAndBurnNext` grants through (owner only, once).
    /// @param pkpPermissions The PKPPermissions contract.
    function setPkpPermissions(address pkpPermissions) external;

    /// @notice The PubkeyRouter (fixed at deployment).
    /// @return The address.
    function pubkeyRouter() external view returns (address);

    /// @notice The PKPPermissions contract.
    /// @return The address (zero until set).
    function pkpPermissions() external view returns (address);

    /// @notice The PKPNFTMetadata contract (fixed at deployment).
    /// @return The address.
    function pkpNftMetadata() external view returns (address);
}
