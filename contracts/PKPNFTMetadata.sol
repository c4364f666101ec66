// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IPKPNFTMetadata} from "./interfaces/IPKPNFTMetadata.sol";

/// @title PKPNFTMetadata
/// @notice Renders PKP metadata as a base64 JSON data URI (see IPKPNFTMetadata).
contract PKPNFTMetadata is IPKPNFTMetadata {
    bytes16 private constant HEX_DIGITS = "0123456789abcdef";

    /// @inheritdoc IPKPNFTMetadata
    function tokenURI(
        uint256 tokenId,
        bytes calldata pubKey,
        address ethAddress
    ) external pure returns (string memory) {
        string memory pubKeyHex = _toHex(pubKey);
        string memory ethAddressHex = Strings.toHexString(ethAddress);
        string memory tokenIdDecimal = Strings.toString(tokenId);
        // JSON keys need double quotes inside the literals; prettier then prefers single-quoted literals.
        // solhint-disable quotes
        bytes memory json = abi.encodePacked(
            '{"name":"Lit PKP #',
            tokenIdDecimal,
            '","description":"This NFT entitles the holder to use a Lit Protocol PKP, and to grant access to',
            ' other users and Lit Actions to use this PKP","image_data":"',
            _svg(ethAddressHex),
            '","attributes":[{"trait_type":"Public Key","value":"',
            pubKeyHex,
            '"},{"trait_type":"ETH Wallet Address","value":"',
            ethAddressHex,
            '"},{"trait_type":"Token ID","value":"',
            tokenIdDecimal,
            '"}]}'
        );
        // solhint-enable quotes
        return string.concat("data:application/json;base64,", Base64.encode(json));
    }

    function _svg(string memory ethAddressHex) private pure returns (bytes memory) {
        return
            abi.encodePacked(
                "<svg xmlns='http://www.w3.org/2000/svg' width='400' height='400' viewBox='0 0 400 400'>",
                "<rect width='400' height='400' fill='#1a1a2e'/>",
                "<circle cx='200' cy='170' r='90' fill='none' stroke='#ff6b35' stroke-width='8'/>",
                "<text x='200' y='185' font-family='monospace' font-size='40' fill='#ff6b35' text-anchor='middle'>",
                "PKP</text><text x='200' y='330' font-family='monospace' font-size='11' fill='#ffffff' ",
                "text-anchor='middle'>",
                ethAddressHex,
                "</text></svg>"
            );
    }

    function _toHex(bytes calldata data) private pure returns (string memory) {
        bytes memory out = new bytes(2 + data.length * 2);
        out[0] = "0";
        out[1] = "x";
        for (uint256 i = 0; i < data.length; ++i) {
            out[2 + i * 2] = HEX_DIGITS[uint8(data[i]) >> 4];
            out[3 + i * 2] = HEX_DIGITS[uint8(data[i]) & 0x0f];
        }
        return string(out);
    }
}
