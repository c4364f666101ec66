// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPKPPermissions
/// @notice Who may use a PKP: Lit Actions (auth method type 2, by IPFS CID), Ethereum addresses (type 1) and
/// any other auth method (3 WebAuthn, 4 Discord, 5 Google, 6 Google JWT, 7 OTP, 8 Apple JWT, 9+ Stytch…), each
/// with a set of scopes (1 = SignAnything, 2 = PersonalSign). Every change is made by the PKP's current owner.
/// @dev `authMethodId = uint256(keccak256(abi.encode(authMethodType, id)))`. Lists come in insertion order (a
/// removal moves the last entry into the gap). Removing an auth method also clears its scopes.
interface IPKPPermissions {
    /// @notice An auth method.
    /// @param authMethodType The type (1 address, 2 action, 3 WebAuthn, …).
    /// @param id The id within that type (an address's 20 bytes, an action's CIDv0 multihash, …).
    /// @param userPubkey The user's public key where the type has one (WebAuthn), else empty.
    struct AuthMethod {
        uint256 authMethodType;
        bytes id;
        bytes userPubkey;
    }

    /// @notice The caller is not the PKP's owner (or the token does not exist).
    /// @param caller The caller.
    /// @param tokenId The token id.
    error PKPPermissionsNotOwner(address caller, uint256 tokenId);
    /// @notice The auth method is not permitted for this PKP.
    /// @param tokenId The token id.
    /// @param authMethodType The auth method type.
    /// @param id The auth method id.
    error PKPPermissionsAuthMethodNotPermitted(uint256 tokenId, uint256 authMethodType, bytes id);
    /// @notice The id is malformed for its type: type 1 ids are 20 bytes, type 2 ids 34-byte CIDv0 multihashes
    /// (0x1220…).
    /// @param authMethodType The auth method type.
    /// @param id The id.
    error PKPPermissionsInvalidAuthMethodId(uint256 authMethodType, bytes id);
    /// @notice Scope ids are 0 … 63.
    /// @param scopeId The scope id given.
    error PKPPermissionsInvalidScopeId(uint256 scopeId);
    /// @notice A WebAuthn auth method's public key can never be replaced by a different one.
    /// @param authMethodType The auth method type.
    /// @param id The auth method id.
    error PKPPermissionsUserPubkeyMismatch(uint256 authMethodType, bytes id);
    /// @notice The arrays of `batchAddRemoveAuthMethods` have different lengths.
    /// @param firstArray The name of one array.
    /// @param secondArray The name of the array whose length differs from it.
    error PKPPermissionsArrayLengthMismatch(string firstArray, string secondArray);
    /// @notice An address argument is the zero address.
    error PKPPermissionsZeroAddress();

    /// @notice An auth method was permitted (or permitted again, with more scopes).
    /// @param tokenId The token id.
    /// @param authMethodType The auth method type.
    /// @param id The auth method id.
    /// @param userPubkey The user public key given.
    event PermittedAuthMethodAdded(
        uint256 indexed tokenId,
        uint256 authMethodType,
        bytes id,
        bytes userPubkey
    );
    /// @notice An auth method was removed, with all its scopes.
    /// @param tokenId The token id.
    /// @param authMethodType The auth method type.
    /// @param id The auth method id.
    event PermittedAuthMethodRemoved(uint256 indexed tokenId, uint256 authMethodType, bytes id);
    /// @notice A scope was added to a permitted auth method.
    /// @param tokenId The token id.
    /// @param authMethodType The auth method type (the real type: Lit's contract put the id hash here).
    /// @param id The auth method id.
    /// @param scopeId The scope.
    event PermittedAuthMethodScopeAdded(
        uint256 indexed tokenId,
        uint256 authMethodType,
        bytes id,
        uint256 scopeId
    );
    /// @notice A scope was removed from a permitted auth method.
    /// @param tokenId The token id.
    /// @param authMethodType The auth method type (the real type: Lit's contract put the id hash here).
    /// @param id The auth method id.
    /// @param scopeId The scope.
    event PermittedAuthMethodScopeRemoved(
        uint256 indexed tokenId,
        uint256 authMethodType,
        bytes id,
        uint256 scopeId
    );
    /// @notice A Merkle root was set.
    /// @param tokenId The token id.
    /// @param group The group of state the root commits to.
    /// @param root The root.
    event RootHashUpdated(uint256 indexed tokenId, uint256 indexed group, bytes32 root);

    /// @notice Permits a Lit Action (owner only).
    /// @param tokenId The token id.
    /// @param ipfsCID The action's CIDv0 multihash bytes (34 bytes, 0x1220…).
    /// @param scopes The scopes to grant.
    function addPermittedAction(uint256 tokenId, bytes calldata ipfsCID, uint256[] calldata scopes) external;

    /// @notice Removes a Lit Action and its scopes (owner only).
    /// @param tokenId The token id.
    /// @param ipfsCID The action's CIDv0 multihash bytes.
    function removePermittedAction(uint256 tokenId, bytes calldata ipfsCID) external;

    /// @notice Permits an Ethereum address (owner only).
    /// @param tokenId The token id.
    /// @param user The address.
    /// @param scopes The scopes to grant.
    function addPermittedAddress(uint256 tokenId, address user, uint256[] calldata scopes) external;

    /// @notice Removes an Ethereum address and its scopes (owner only).
    /// @param tokenId The token id.
    /// @param user The address.
    function removePermittedAddress(uint256 tokenId, address user) external;

    /// @notice Permits an auth method (owner only). Adding one that is permitted already adds the scopes.
    /// @param tokenId The token id.
    /// @param authMethod The auth method.
    /// @param scopes The scopes to grant.
    function addPermittedAuthMethod(
        uint256 tokenId,
        AuthMethod calldata authMethod,
        uint256[] calldata scopes
    ) external;

    /// @notice Removes an auth method and its scopes (owner only).
    /// @param tokenId The token id.
    /// @param authMethodType The auth method type.
    /// @param id The auth method id.
    function removePermittedAuthMethod(uint256 tokenId, uint256 authMethodType, bytes calldata id) external;

    /// @notice Adds a scope to a permitted auth method (owner only).
    /// @param tokenId The token id.
    /// @param authMethodType The auth method type.
    /// @param id The auth method id.
    /// @param scopeId The scope.
    function addPermittedAuthMethodScope(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 scopeId
    ) external;

    /// @notice Removes a scope from a permitted auth method (owner only).
    /// @param tokenId The token id.
    /// @param authMethodType The auth method type.
    /// @param id The auth method id.
    /// @param scopeId The scope.
    function removePermittedAuthMethodScope(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 scopeId
    ) external;

    /// @notice Adds, then removes, several auth methods in one call (owner only).
    /// @param tokenId The token id.
    /// @param permittedAuthMethodTypesToAdd Types to add.
    /// @param permittedAuthMethodIdsToAdd Ids to add.
    /// @param permittedAuthMethodPubkeysToAdd User public keys to add.
    /// @param permittedAuthMethodScopesToAdd Scopes of each auth method to add.
    /// @param permittedAuthMethodTypesToRemove Types to remove.
    /// @param permittedAuthMethodIdsToRemove Ids to remove.
    function batchAddRemoveAuthMethods(
        uint256 tokenId,
        uint256[] calldata permittedAuthMethodTypesToAdd,
        bytes[] calldata permittedAuthMethodIdsToAdd,
        bytes[] calldata permittedAuthMethodPubkeysToAdd,
        uint256[][] calldata permittedAuthMethodScopesToAdd,
        uint256[] calldata permittedAuthMethodTypesToRemove,
        bytes[] calldata permittedAuthMethodIdsToRemove
    ) external;

    /// @notice Sets the Merkle root of a group of a PKP's state (owner only).
    /// @param tokenId The token id.
    /// @param group The group.
    /// @param root The root.
    function setRootHash(uint256 tokenId, uint256 group, bytes32 root) external;

    /// @notice Verifies a Merkle proof against a group's root (OpenZeppelin `MerkleProof.verify`: sorted-pair
    /// keccak256, the leaf used as given).
    /// @param tokenId The token id.
    /// @param group The group.
    /// @param proof The proof.
    /// @param leaf The leaf.
    /// @return True when the proof holds; false when it does not or no root is set.
    function verifyState(
        uint256 tokenId,
        uint256 group,
        bytes32[] calldata proof,
        bytes32 leaf
    ) external view returns (bool);

    /// @notice Verifies a Merkle multiproof against a group's root (OpenZeppelin `MerkleProof.multiProofVerify`).
    /// @param tokenId The token id.
    /// @param group The group.
    /// @param proof The proof.
    /// @param proofFlags The multiproof flags.
    /// @param leaves The leaves.
    /// @return True when the proof holds; false when it does not or no root is set.
    function verifyStates(
        uint256 tokenId,
        uint256 group,
        bytes32[] calldata proof,
        bool[] calldata proofFlags,
        bytes32[] calldata leaves
    ) external view returns (bool);

    /// @notice Whether a Lit Action is permitted.
    /// @param tokenId The token id.
    /// @param ipfsCID The action's CIDv0 multihash bytes.
    /// @return True when permitted.
    function isPermittedAction(uint256 tokenId, bytes calldata ipfsCID) external view returns (bool);

    /// @notice Whether an address is permitted: the owner always is; false for a token that does not exist.
    /// @param tokenId The token id.
    /// @param user The address.
    /// @return True when permitted.
    function isPermittedAddress(uint256 tokenId, address user) external view returns (bool);

    /// @notice Whether an auth method is permitted.
    /// @param tokenId The token id.
    /// @param authMethodType The auth method type.
    /// @param id The auth method id.
    /// @return True when permitted.
    function isPermittedAuthMethod(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id
    ) external view returns (bool);

    /// @notice Whether a permitted auth method has a scope.
    /// @param tokenId The token id.
    /// @param authMethodType The auth method type.
    /// @param id The auth method id.
    /// @param scopeId The scope.
    /// @return True when it has.
    function isPermittedAuthMethodScopePresent(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 scopeId
    ) external view returns (bool);

    /// @notice The permitted Lit Actions.
    /// @param tokenId The token id.
    /// @return Their CIDv0 multihash bytes, in insertion order.
    function getPermittedActions(uint256 tokenId) external view returns (bytes[] memory);

    /// @notice The permitted addresses: the owner first (while the token exists), then the others in insertion
    /// order.
    /// @param tokenId The token id.
    /// @return The addresses.
    function getPermittedAddresses(uint256 tokenId) external view returns (address[] memory);

    /// @notice Every permitted auth method, addresses and actions included, in insertion order.
    /// @param tokenId The token id.
    /// @return The auth methods.
    function getPermittedAuthMethods(uint256 tokenId) external view returns (AuthMethod[] memory);

    /// @notice The scopes of an auth method for scope ids 0 … maxScopeId-1.
    /// @param tokenId The token id.
    /// @param authMethodType The auth method type.
    /// @param id The auth method id.
    /// @param maxScopeId The number of scope ids to report.
    /// @return `maxScopeId` booleans.
    function getPermittedAuthMethodScopes(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 maxScopeId
    ) external view returns (bool[] memory);

    /// @notice The PKPs that permit an auth method.
    /// @param authMethodType The auth method type.
    /// @param id The auth method id.
    /// @return Their token ids.
    function getTokenIdsForAuthMethod(
        uint256 authMethodType,
        bytes calldata id
    ) external view returns (uint256[] memory);

    /// @notice The user public key stored for an auth method.
    /// @param authMethodType The auth method type.
    /// @param id The auth method id.
    /// @return The key, or empty bytes.
    function getUserPubkeyForAuthMethod(
        uint256 authMethodType,
        bytes calldata id
    ) external view returns (bytes memory);

    /// @notice `uint256(keccak256(abi.encode(authMethodType, id)))`.
    /// @param authMethodType The auth method type.
    /// @param id The auth method id.
    /// @return The auth method id.
    function getAuthMethodId(uint256 authMethodType, bytes calldata id) external pure returns (uint256);

    /// @notice The public key of a PKP (from the PubkeyRouter).
    /// @param tokenId The token id.
    /// @return The 65-byte key, or empty bytes.
    function getPubkey(uint256 tokenId) external view returns (bytes memory);

    /// @notice The Ethereum address of a PKP (from the PubkeyRouter).
    /// @param tokenId The token id.
    /// @return The address, or zero.
    function getEthAddress(uint256 tokenId) external view returns (address);

    /// @notice The PKPNFT whose owners this contract obeys (fixed at deployment).
    /// @return The address.
    function pkpNft() external view returns (address);

    /// @notice The PubkeyRouter (fixed at deployment).
    /// @return The address.
    function pubkeyRouter() external view returns (address);
}
