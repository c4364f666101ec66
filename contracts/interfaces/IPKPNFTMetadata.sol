// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPKPNFTMetadata
/// @notice Renders a PKP's ERC-721 metadata as a `data:application/json;base64,…` URI with an SVG image.
interface IPKPNFTMetadata {
    /// @notice The metadata URI of a PKP: `name` "Lit PKP #<tokenId>", a description, an SVG `image_data`, and
    /// the attributes "Public Key" (0x-hex), "ETH Wallet Address" and "Token ID" (decimal).
    /// @param tokenId The token id.
    /// @param pubKey The public key.
    /// @param ethAddress The key's Ethereum address.
    /// @return The data URI.
    function tokenURI(
        uint256 tokenId,
        bytes calldata pubKey,
        address ethAddress
    ) external pure returns (string memory);
}
