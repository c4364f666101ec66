// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title LibPKP
/// @notice The pure rules every PKP contract agrees on: Ethereum addresses, auth method ids, curve points, CIDs.
/// (Token ids are `uint256(keccak256(pubkey))`, computed where the key is checked, in PubkeyRouter.)
library LibPKP {
    /// @notice The field prime of secp256k1.
    uint256 internal constant SECP256K1_P =
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;
    /// @notice Key type of secp256k1 (ECDSA) keys: the only kind of PKP.
    uint256 internal constant KEY_TYPE_ECDSA = 2;
    /// @notice Auth method type of an Ethereum address (id = the 20 address bytes).
    uint256 internal constant AUTH_METHOD_ADDRESS = 1;
    /// @notice Auth method type of a Lit Action (id = the CIDv0 multihash bytes).
    uint256 internal constant AUTH_METHOD_ACTION = 2;
    /// @notice Auth method type of a WebAuthn credential (its user public key can never be replaced).
    uint256 internal constant AUTH_METHOD_WEBAUTHN = 3;
    /// @notice Scope: sign anything.
    uint256 internal constant SCOPE_SIGN_ANYTHING = 1;

    /// @notice The Ethereum address of a point: the last 20 bytes of `keccak256(x ‖ y)`.
    /// @param x The x coordinate.
    /// @param y The y coordinate.
    /// @return The address.
    function ethAddressOf(bytes32 x, bytes32 y) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked(x, y)))));
    }

    /// @notice `uint256(keccak256(abi.encode(authMethodType, id)))`.
    /// @param authMethodType The auth method type.
    /// @param id The auth method id.
    /// @return The auth method id.
    function authMethodId(uint256 authMethodType, bytes memory id) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(authMethodType, id)));
    }

    /// @notice Whether (x, y) is a point of secp256k1 (y² = x³ + 7 mod p).
    /// @param x The x coordinate.
    /// @param y The y coordinate.
    /// @return True when it is.
    function isOnCurve(uint256 x, uint256 y) internal pure returns (bool) {
        if (x >= SECP256K1_P || y >= SECP256K1_P) return false;
        return
            mulmod(y, y, SECP256K1_P) ==
            addmod(mulmod(mulmod(x, x, SECP256K1_P), x, SECP256K1_P), 7, SECP256K1_P);
    }

    /// @notice Whether an id is a CIDv0 multihash: 34 bytes, sha2-256 (0x12), 32-byte digest (0x20).
    /// @param id The id.
    /// @return True when it is.
    function isCidV0Multihash(bytes memory id) internal pure returns (bool) {
        return id.length == 34 && id[0] == 0x12 && id[1] == 0x20;
    }
}
