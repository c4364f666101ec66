// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";

/// @title IPKPHelper
/// @notice One-transaction conveniences: mints a PKP to itself, sets its permissions while it owns it, then
/// hands the token on, to the caller or to the PKP's own Ethereum address.
/// @dev Order of effects: mint; actions; addresses; auth methods; the PKP's own address (if asked); transfer.
interface IPKPHelper is IERC721Receiver {
    /// @notice Two arrays that must have the same length do not.
    /// @param firstArray The name of one array.
    /// @param secondArray The name of the array whose length differs from it.
    error PKPHelperArrayLengthMismatch(string firstArray, string secondArray);
    /// @notice The helper only accepts the tokens it mints itself from the PKPNFT.
    /// @param sender The contract that sent the token.
    /// @param operator The operator of the transfer.
    /// @param from The previous owner.
    error PKPHelperUnexpectedToken(address sender, address operator, address from);
    /// @notice An address argument is the zero address.
    error PKPHelperZeroAddress();

    /// @notice Mints the next key and permits the given auth methods (of any type, actions and addresses
    /// included).
    /// @param keyType The key type (2 = ECDSA).
    /// @param permittedAuthMethodTypes Auth method types.
    /// @param permittedAuthMethodIds Auth method ids.
    /// @param permittedAuthMethodPubkeys User public keys.
    /// @param permittedAuthMethodScopes Scopes of each auth method.
    /// @param addPkpEthAddressAsPermittedAddress Also permit the PKP's own address (no scopes).
    /// @param sendPkpToItself Send the token to the PKP's own address instead of the caller.
    /// @return The token id.
    function mintNextAndAddAuthMethods(
        uint256 keyType,
        uint256[] calldata permittedAuthMethodTypes,
        bytes[] calldata permittedAuthMethodIds,
        bytes[] calldata permittedAuthMethodPubkeys,
        uint256[][] calldata permittedAuthMethodScopes,
        bool addPkpEthAddressAsPermittedAddress,
        bool sendPkpToItself
    ) external payable returns (uint256);

    /// @notice Mints the next key and permits actions, addresses and auth methods.
    /// @param keyType The key type (2 = ECDSA).
    /// @param permittedIpfsCIDs Actions' CIDv0 multihash bytes.
    /// @param permittedIpfsCIDScopes Scopes of each action.
    /// @param permittedAddresses Addresses.
    /// @param permittedAddressScopes Scopes of each address.
    /// @param permittedAuthMethodTypes Auth method types.
    /// @param permittedAuthMethodIds Auth method ids.
    /// @param permittedAuthMethodPubkeys User public keys.
    /// @param permittedAuthMethodScopes Scopes of each auth method.
    /// @param addPkpEthAddressAsPermittedAddress Also permit the PKP's own address (no scopes).
    /// @param sendPkpToItself Send the token to the PKP's own address instead of the caller.
    /// @return The token id.
    function mintNextAndAddAuthMethodsWithTypes(
        uint256 keyType,
        bytes[] calldata permittedIpfsCIDs,
        uint256[][] calldata permittedIpfsCIDScopes,
        address[] calldata permittedAddresses,
        uint256[][] calldata permittedAddressScopes,
        uint256[] calldata permittedAuthMethodTypes,
        bytes[] calldata permittedAuthMethodIds,
        bytes[] calldata permittedAuthMethodPubkeys,
        uint256[][] calldata permittedAuthMethodScopes,
        bool addPkpEthAddressAsPermittedAddress,
        bool sendPkpToItself
    ) external payable returns (uint256);

    /// @notice The PKPNFT (fixed at deployment).
    /// @return The address.
    function pkpNft() external view returns (address);

    /// @notice The PKPPermissions (fixed at deployment).
    /// @return The address.
    function pkpPermissions() external view returns (address);
}
