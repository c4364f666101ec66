// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IPKPHelper} from "./interfaces/IPKPHelper.sol";
import {IPKPNFT} from "./interfaces/IPKPNFT.sol";
import {IPKPPermissions} from "./interfaces/IPKPPermissions.sol";

/// @title PKPHelper
/// @notice One-transaction PKP setups (see IPKPHelper). It holds a token only inside its own call.
/// @dev The arrays are decoded to memory: eleven calldata arrays do not fit on the EVM stack.
contract PKPHelper is IPKPHelper {
    IPKPNFT private immutable _pkpNft;
    IPKPPermissions private immutable _permissions;

    /// @param pkpNft_ The PKPNFT.
    /// @param pkpPermissions_ The PKPPermissions.
    constructor(address pkpNft_, address pkpPermissions_) {
        if (pkpNft_ == address(0) || pkpPermissions_ == address(0)) revert PKPHelperZeroAddress();
        _pkpNft = IPKPNFT(pkpNft_);
        _permissions = IPKPPermissions(pkpPermissions_);
    }

    /// @inheritdoc IPKPHelper
    function mintNextAndAddAuthMethods(
        uint256 keyType,
        uint256[] memory permittedAuthMethodTypes,
        bytes[] memory permittedAuthMethodIds,
        bytes[] memory permittedAuthMethodPubkeys,
        uint256[][] memory permittedAuthMethodScopes,
        bool addPkpEthAddressAsPermittedAddress,
        bool sendPkpToItself
    ) external payable returns (uint256 tokenId) {
        _checkAuthMethodArrays(
            permittedAuthMethodTypes,
            permittedAuthMethodIds,
            permittedAuthMethodPubkeys,
            permittedAuthMethodScopes
        );
        tokenId = _pkpNft.mintNext{value: msg.value}(keyType);
        _addAuthMethods(
            tokenId,
            permittedAuthMethodTypes,
            permittedAuthMethodIds,
            permittedAuthMethodPubkeys,
            permittedAuthMethodScopes
        );
        _finish(tokenId, addPkpEthAddressAsPermittedAddress, sendPkpToItself);
    }

    /// @inheritdoc IPKPHelper
    function mintNextAndAddAuthMethodsWithTypes(
        uint256 keyType,
        bytes[] memory permittedIpfsCIDs,
        uint256[][] memory permittedIpfsCIDScopes,
        address[] memory permittedAddresses,
        uint256[][] memory permittedAddressScopes,
        uint256[] memory permittedAuthMethodTypes,
        bytes[] memory permittedAuthMethodIds,
        bytes[] memory permittedAuthMethodPubkeys,
        uint256[][] memory permittedAuthMethodScopes,
        bool addPkpEthAddressAsPermittedAddress,
        bool sendPkpToItself
    ) external payable returns (uint256 tokenId) {
        if (permittedIpfsCIDs.length != permittedIpfsCIDScopes.length) {
            revert PKPHelperArrayLengthMismatch("permittedIpfsCIDs", "permittedIpfsCIDScopes");
        }
        if (permittedAddresses.length != permittedAddressScopes.length) {
            revert PKPHelperArrayLengthMismatch("permittedAddresses", "permittedAddressScopes");
        }
        _checkAuthMethodArrays(
            permittedAuthMethodTypes,
            permittedAuthMethodIds,
            permittedAuthMethodPubkeys,
            permittedAuthMethodScopes
        );
        tokenId = _pkpNft.mintNext{value: msg.value}(keyType);
        for (uint256 i = 0; i < permittedIpfsCIDs.length; ++i) {
            _permissions.addPermittedAction(tokenId, permittedIpfsCIDs[i], permittedIpfsCIDScopes[i]);
        }
        for (uint256 i = 0; i < permittedAddresses.length; ++i) {
            _permissions.addPermittedAddress(tokenId, permittedAddresses[i], permittedAddressScopes[i]);
        }
        _addAuthMethods(
            tokenId,
            permittedAuthMethodTypes,
            permittedAuthMethodIds,
            permittedAuthMethodPubkeys,
            permittedAuthMethodScopes
        );
        _finish(tokenId, addPkpEthAddressAsPermittedAddress, sendPkpToItself);
    }

    /// @inheritdoc IERC721Receiver
    function onERC721Received(
        address operator,
        address from,
        uint256,
        bytes calldata
    ) external view returns (bytes4) {
        if (msg.sender != address(_pkpNft) || operator != address(this) || from != address(0)) {
            revert PKPHelperUnexpectedToken(msg.sender, operator, from);
        }
        return IERC721Receiver.onERC721Received.selector;
    }

    /// @inheritdoc IPKPHelper
    function pkpNft() external view returns (address) {
        return address(_pkpNft);
    }

    /// @inheritdoc IPKPHelper
    function pkpPermissions() external view returns (address) {
        return address(_permissions);
    }

    function _checkAuthMethodArrays(
        uint256[] memory types,
        bytes[] memory ids,
        bytes[] memory pubkeys,
        uint256[][] memory scopes
    ) private pure {
        if (types.length != ids.length) {
            revert PKPHelperArrayLengthMismatch("permittedAuthMethodTypes", "permittedAuthMethodIds");
        }
        if (types.length != pubkeys.length) {
            revert PKPHelperArrayLengthMismatch("permittedAuthMethodTypes", "permittedAuthMethodPubkeys");
        }
        if (types.length != scopes.length) {
            revert PKPHelperArrayLengthMismatch("permittedAuthMethodTypes", "permittedAuthMethodScopes");
        }
    }

    function _addAuthMethods(
        uint256 tokenId,
        uint256[] memory types,
        bytes[] memory ids,
        bytes[] memory pubkeys,
        uint256[][] memory scopes
    ) private {
        for (uint256 i = 0; i < types.length; ++i) {
            _permissions.addPermittedAuthMethod(
                tokenId,
                IPKPPermissions.AuthMethod({authMethodType: types[i], id: ids[i], userPubkey: pubkeys[i]}),
                scopes[i]
            );
        }
    }

    function _finish(uint256 tokenId, bool addPkpEthAddressAsPermittedAddress, bool sendPkpToItself) private {
        address pkpEthAddress = _pkpNft.getEthAddress(tokenId);
        if (addPkpEthAddressAsPermittedAddress) {
            _permissions.addPermittedAddress(tokenId, pkpEthAddress, new uint256[](0));
        }
        _pkpNft.safeTransferFrom(address(this), sendPkpToItself ? pkpEthAddress : msg.sender, tokenId);
    }
}
