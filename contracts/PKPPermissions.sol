// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IPKPPermissions} from "./interfaces/IPKPPermissions.sol";
import {IPKPNFT} from "./interfaces/IPKPNFT.sol";
import {IPubkeyRouter} from "./interfaces/IPubkeyRouter.sol";
import {LibPKP} from "./libraries/LibPKP.sol";

/// @title PKPPermissions
/// @notice Who may use a PKP (see IPKPPermissions). It has no privileged caller: every change is made by the
/// token's current owner, as PKPNFT reports it (PKPNFT and PKPHelper act as owners of the tokens they hold).
/// @dev Storage is laid out for gas:
/// - one slot per (token, auth method): scopes (bits 0-63), the length of the token's list (64-127, kept only
///   in the slot of the list's first entry, so a token's first permission costs no separate length slot),
///   1-based index in the token's list (128-191) and 1-based index in the auth method's list of tokens
///   (192-255); zero means "not permitted";
/// - one header slot per auth method, written once: flags, id length, type (when < 2^32), the number of tokens
///   that permit it, and the first 20 id bytes (a whole address); a second slot holds id bytes 20-51 (a whole
///   CIDv0 or 32-byte hash). Longer ids, larger types and user public keys go to their own mappings.
contract PKPPermissions is IPKPPermissions {
    uint256 private constant REGISTERED = 1;
    uint256 private constant BIG_TYPE = 1 << 1;
    uint256 private constant LONG_ID = 1 << 2;
    uint256 private constant HAS_PUBKEY = 1 << 3;
    uint256 private constant ID_LENGTH_SHIFT = 8;
    uint256 private constant TYPE_SHIFT = 16;
    uint256 private constant TOKEN_COUNT_SHIFT = 48;
    uint256 private constant TOKEN_COUNT_MASK = type(uint48).max;
    uint256 private constant ID_HEAD_SHIFT = 96;
    uint256 private constant SHORT_ID_MAX = 52;
    uint256 private constant SCOPE_COUNT = 64;
    uint256 private constant LIST_LENGTH_SHIFT = 64;
    uint256 private constant TOKEN_INDEX_SHIFT = 128;
    uint256 private constant AUTH_INDEX_SHIFT = 192;
    uint256 private constant INDEX_MASK = type(uint64).max;

    struct Record {
        uint256 header;
        bytes32 tail;
    }

    IPKPNFT private immutable _pkpNft;
    IPubkeyRouter private immutable _router;

    mapping(uint256 tokenId => mapping(uint256 authMethodId => uint256)) private _permissions;
    mapping(uint256 tokenId => mapping(uint256 index => uint256 authMethodId)) private _tokenAuthMethods;
    mapping(uint256 authMethodId => mapping(uint256 index => uint256 tokenId)) private _authMethodTokens;
    mapping(uint256 authMethodId => Record) private _records;
    mapping(uint256 authMethodId => uint256) private _bigTypes;
    mapping(uint256 authMethodId => bytes) private _longIds;
    mapping(uint256 authMethodId => bytes) private _userPubkeys;
    mapping(uint256 tokenId => mapping(uint256 group => bytes32)) private _rootHashes;

    /// @param pkpNft_ The PKPNFT whose owners this contract obeys.
    /// @param router The PubkeyRouter.
    constructor(address pkpNft_, address router) {
        if (pkpNft_ == address(0) || router == address(0)) revert PKPPermissionsZeroAddress();
        _pkpNft = IPKPNFT(pkpNft_);
        _router = IPubkeyRouter(router);
    }

    modifier onlyPkpOwner(uint256 tokenId) {
        _checkOwner(tokenId);
        _;
    }

    // ---------------------------------------------------------------- mutations

    /// @inheritdoc IPKPPermissions
    function addPermittedAction(
        uint256 tokenId,
        bytes calldata ipfsCID,
        uint256[] calldata scopes
    ) external onlyPkpOwner(tokenId) {
        _add(tokenId, LibPKP.AUTH_METHOD_ACTION, ipfsCID, "", scopes);
    }

    /// @inheritdoc IPKPPermissions
    function removePermittedAction(uint256 tokenId, bytes calldata ipfsCID) external onlyPkpOwner(tokenId) {
        _remove(tokenId, LibPKP.AUTH_METHOD_ACTION, ipfsCID);
    }

    /// @inheritdoc IPKPPermissions
    function addPermittedAddress(
        uint256 tokenId,
        address user,
        uint256[] calldata scopes
    ) external onlyPkpOwner(tokenId) {
        _add(tokenId, LibPKP.AUTH_METHOD_ADDRESS, abi.encodePacked(user), "", scopes);
    }

    /// @inheritdoc IPKPPermissions
    function removePermittedAddress(uint256 tokenId, address user) external onlyPkpOwner(tokenId) {
        _remove(tokenId, LibPKP.AUTH_METHOD_ADDRESS, abi.encodePacked(user));
    }

    /// @inheritdoc IPKPPermissions
    function addPermittedAuthMethod(
        uint256 tokenId,
        AuthMethod calldata authMethod,
        uint256[] calldata scopes
    ) external onlyPkpOwner(tokenId) {
        _add(tokenId, authMethod.authMethodType, authMethod.id, authMethod.userPubkey, scopes);
    }

    /// @inheritdoc IPKPPermissions
    function removePermittedAuthMethod(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id
    ) external onlyPkpOwner(tokenId) {
        _remove(tokenId, authMethodType, id);
    }

    /// @inheritdoc IPKPPermissions
    function addPermittedAuthMethodScope(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 scopeId
    ) external onlyPkpOwner(tokenId) {
        _checkScope(scopeId);
        uint256 authMethodId = LibPKP.authMethodId(authMethodType, id);
        uint256 permission = _permissions[tokenId][authMethodId];
        if (permission == 0) revert PKPPermissionsAuthMethodNotPermitted(tokenId, authMethodType, id);
        _permissions[tokenId][authMethodId] = permission | (1 << scopeId);
        emit PermittedAuthMethodScopeAdded(tokenId, authMethodType, id, scopeId);
    }

    /// @inheritdoc IPKPPermissions
    function removePermittedAuthMethodScope(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 scopeId
    ) external onlyPkpOwner(tokenId) {
        _checkScope(scopeId);
        uint256 authMethodId = LibPKP.authMethodId(authMethodType, id);
        uint256 permission = _permissions[tokenId][authMethodId];
        if (permission == 0) revert PKPPermissionsAuthMethodNotPermitted(tokenId, authMethodType, id);
        _permissions[tokenId][authMethodId] = permission & ~(1 << scopeId);
        emit PermittedAuthMethodScopeRemoved(tokenId, authMethodType, id, scopeId);
    }

    /// @inheritdoc IPKPPermissions
    function batchAddRemoveAuthMethods(
        uint256 tokenId,
        uint256[] memory permittedAuthMethodTypesToAdd,
        bytes[] memory permittedAuthMethodIdsToAdd,
        bytes[] memory permittedAuthMethodPubkeysToAdd,
        uint256[][] memory permittedAuthMethodScopesToAdd,
        uint256[] memory permittedAuthMethodTypesToRemove,
        bytes[] memory permittedAuthMethodIdsToRemove
    ) external onlyPkpOwner(tokenId) {
        // Memory arguments: seven calldata arrays do not fit on the EVM stack.
        uint256 addCount = permittedAuthMethodTypesToAdd.length;
        if (permittedAuthMethodIdsToAdd.length != addCount) {
            revert PKPPermissionsArrayLengthMismatch(
                "permittedAuthMethodTypesToAdd",
                "permittedAuthMethodIdsToAdd"
            );
        }
        if (permittedAuthMethodPubkeysToAdd.length != addCount) {
            revert PKPPermissionsArrayLengthMismatch(
                "permittedAuthMethodTypesToAdd",
                "permittedAuthMethodPubkeysToAdd"
            );
        }
        if (permittedAuthMethodScopesToAdd.length != addCount) {
            revert PKPPermissionsArrayLengthMismatch(
                "permittedAuthMethodTypesToAdd",
                "permittedAuthMethodScopesToAdd"
            );
        }
        uint256 removeCount = permittedAuthMethodTypesToRemove.length;
        if (permittedAuthMethodIdsToRemove.length != removeCount) {
            revert PKPPermissionsArrayLengthMismatch(
                "permittedAuthMethodTypesToRemove",
                "permittedAuthMethodIdsToRemove"
            );
        }
        for (uint256 i = 0; i < addCount; ++i) {
            _add(
                tokenId,
                permittedAuthMethodTypesToAdd[i],
                permittedAuthMethodIdsToAdd[i],
                permittedAuthMethodPubkeysToAdd[i],
                permittedAuthMethodScopesToAdd[i]
            );
        }
        for (uint256 i = 0; i < removeCount; ++i) {
            _remove(tokenId, permittedAuthMethodTypesToRemove[i], permittedAuthMethodIdsToRemove[i]);
        }
    }

    /// @inheritdoc IPKPPermissions
    function setRootHash(uint256 tokenId, uint256 group, bytes32 root) external onlyPkpOwner(tokenId) {
        _rootHashes[tokenId][group] = root;
        emit RootHashUpdated(tokenId, group, root);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IPKPPermissions
    function verifyState(
        uint256 tokenId,
        uint256 group,
        bytes32[] calldata proof,
        bytes32 leaf
    ) external view returns (bool) {
        bytes32 root = _rootHashes[tokenId][group];
        if (root == bytes32(0)) return false;
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @inheritdoc IPKPPermissions
    function verifyStates(
        uint256 tokenId,
        uint256 group,
        bytes32[] calldata proof,
        bool[] calldata proofFlags,
        bytes32[] calldata leaves
    ) external view returns (bool) {
        bytes32 root = _rootHashes[tokenId][group];
        if (root == bytes32(0)) return false;
        return MerkleProof.multiProofVerifyCalldata(proof, proofFlags, root, leaves);
    }

    /// @inheritdoc IPKPPermissions
    function isPermittedAction(uint256 tokenId, bytes calldata ipfsCID) external view returns (bool) {
        return _permissions[tokenId][LibPKP.authMethodId(LibPKP.AUTH_METHOD_ACTION, ipfsCID)] != 0;
    }

    /// @inheritdoc IPKPPermissions
    function isPermittedAddress(uint256 tokenId, address user) external view returns (bool) {
        address owner = _ownerOrZero(tokenId);
        if (owner == address(0)) return false;
        if (owner == user) return true;
        return
            _permissions[tokenId][LibPKP.authMethodId(LibPKP.AUTH_METHOD_ADDRESS, abi.encodePacked(user))] !=
            0;
    }

    /// @inheritdoc IPKPPermissions
    function isPermittedAuthMethod(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id
    ) external view returns (bool) {
        return _permissions[tokenId][LibPKP.authMethodId(authMethodType, id)] != 0;
    }

    /// @inheritdoc IPKPPermissions
    function isPermittedAuthMethodScopePresent(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 scopeId
    ) external view returns (bool) {
        if (scopeId >= SCOPE_COUNT) return false;
        return (_permissions[tokenId][LibPKP.authMethodId(authMethodType, id)] >> scopeId) & 1 == 1;
    }

    /// @inheritdoc IPKPPermissions
    function getPermittedActions(uint256 tokenId) external view returns (bytes[] memory actions) {
        mapping(uint256 => uint256) storage list = _tokenAuthMethods[tokenId];
        uint256 count = _listLength(tokenId);
        actions = new bytes[](count);
        uint256 found = 0;
        for (uint256 i = 0; i < count; ++i) {
            uint256 authMethodId = list[i];
            uint256 header = _records[authMethodId].header;
            if (_type(authMethodId, header) == LibPKP.AUTH_METHOD_ACTION) {
                actions[found++] = _id(authMethodId, header);
            }
        }
        assembly ("memory-safe") {
            mstore(actions, found)
        }
    }

    /// @inheritdoc IPKPPermissions
    function getPermittedAddresses(uint256 tokenId) external view returns (address[] memory addresses) {
        mapping(uint256 => uint256) storage list = _tokenAuthMethods[tokenId];
        uint256 count = _listLength(tokenId);
        addresses = new address[](count + 1);
        address owner = _ownerOrZero(tokenId);
        uint256 found = 0;
        if (owner != address(0)) addresses[found++] = owner;
        for (uint256 i = 0; i < count; ++i) {
            uint256 authMethodId = list[i];
            uint256 header = _records[authMethodId].header;
            if (_type(authMethodId, header) == LibPKP.AUTH_METHOD_ADDRESS) {
                address user = address(bytes20(_id(authMethodId, header)));
                if (user != owner) addresses[found++] = user;
            }
        }
        assembly ("memory-safe") {
            mstore(addresses, found)
        }
    }

    /// @inheritdoc IPKPPermissions
    function getPermittedAuthMethods(
        uint256 tokenId
    ) external view returns (AuthMethod[] memory authMethods) {
        mapping(uint256 => uint256) storage list = _tokenAuthMethods[tokenId];
        uint256 count = _listLength(tokenId);
        authMethods = new AuthMethod[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 authMethodId = list[i];
            uint256 header = _records[authMethodId].header;
            authMethods[i] = AuthMethod({
                authMethodType: _type(authMethodId, header),
                id: _id(authMethodId, header),
                userPubkey: header & HAS_PUBKEY != 0 ? _userPubkeys[authMethodId] : bytes("")
            });
        }
    }

    /// @inheritdoc IPKPPermissions
    function getPermittedAuthMethodScopes(
        uint256 tokenId,
        uint256 authMethodType,
        bytes calldata id,
        uint256 maxScopeId
    ) external view returns (bool[] memory scopes) {
        uint256 permission = _permissions[tokenId][LibPKP.authMethodId(authMethodType, id)];
        scopes = new bool[](maxScopeId);
        uint256 known = maxScopeId < SCOPE_COUNT ? maxScopeId : SCOPE_COUNT;
        for (uint256 i = 0; i < known; ++i) {
            scopes[i] = (permission >> i) & 1 == 1;
        }
    }

    /// @inheritdoc IPKPPermissions
    function getTokenIdsForAuthMethod(
        uint256 authMethodType,
        bytes calldata id
    ) external view returns (uint256[] memory tokenIds) {
        uint256 authMethodId = LibPKP.authMethodId(authMethodType, id);
        uint256 count = (_records[authMethodId].header >> TOKEN_COUNT_SHIFT) & TOKEN_COUNT_MASK;
        tokenIds = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            tokenIds[i] = _authMethodTokens[authMethodId][i];
        }
    }

    /// @inheritdoc IPKPPermissions
    function getUserPubkeyForAuthMethod(
        uint256 authMethodType,
        bytes calldata id
    ) external view returns (bytes memory) {
        return _userPubkeys[LibPKP.authMethodId(authMethodType, id)];
    }

    /// @inheritdoc IPKPPermissions
    function getAuthMethodId(uint256 authMethodType, bytes calldata id) external pure returns (uint256) {
        return LibPKP.authMethodId(authMethodType, id);
    }

    /// @inheritdoc IPKPPermissions
    function getPubkey(uint256 tokenId) external view returns (bytes memory) {
        return _router.getPubkey(tokenId);
    }

    /// @inheritdoc IPKPPermissions
    function getEthAddress(uint256 tokenId) external view returns (address) {
        return _router.getEthAddress(tokenId);
    }

    /// @inheritdoc IPKPPermissions
    function pkpNft() external view returns (address) {
        return address(_pkpNft);
    }

    /// @inheritdoc IPKPPermissions
    function pubkeyRouter() external view returns (address) {
        return address(_router);
    }

    // ---------------------------------------------------------------- internals

    function _ownerOrZero(uint256 tokenId) private view returns (address owner) {
        try IERC721(address(_pkpNft)).ownerOf(tokenId) returns (address current) {
            owner = current;
        } catch {
            owner = address(0);
        }
    }

    function _checkOwner(uint256 tokenId) private view {
        if (_ownerOrZero(tokenId) != msg.sender) revert PKPPermissionsNotOwner(msg.sender, tokenId);
    }

    /// @dev The length of a token's list, kept in the permission slot of its first entry.
    function _listLength(uint256 tokenId) private view returns (uint256) {
        uint256 first = _tokenAuthMethods[tokenId][0];
        if (first == 0) return 0;
        return (_permissions[tokenId][first] >> LIST_LENGTH_SHIFT) & INDEX_MASK;
    }

    function _checkScope(uint256 scopeId) private pure {
        if (scopeId >= SCOPE_COUNT) revert PKPPermissionsInvalidScopeId(scopeId);
    }

    function _add(
        uint256 tokenId,
        uint256 authMethodType,
        bytes memory id,
        bytes memory userPubkey,
        uint256[] memory scopes
    ) private {
        if (
            (authMethodType == LibPKP.AUTH_METHOD_ADDRESS && id.length != 20) ||
            (authMethodType == LibPKP.AUTH_METHOD_ACTION && !LibPKP.isCidV0Multihash(id))
        ) revert PKPPermissionsInvalidAuthMethodId(authMethodType, id);
        uint256 authMethodId = LibPKP.authMethodId(authMethodType, id);
        Record storage record = _records[authMethodId];
        uint256 header = record.header;
        uint256 newHeader = header;
        if (header & REGISTERED == 0) newHeader = _register(authMethodId, authMethodType, id, record);
        if (userPubkey.length != 0) {
            if (newHeader & HAS_PUBKEY == 0) {
                _userPubkeys[authMethodId] = userPubkey;
                newHeader |= HAS_PUBKEY;
            } else if (keccak256(_userPubkeys[authMethodId]) != keccak256(userPubkey)) {
                if (authMethodType == LibPKP.AUTH_METHOD_WEBAUTHN) {
                    revert PKPPermissionsUserPubkeyMismatch(authMethodType, id);
                }
                _userPubkeys[authMethodId] = userPubkey;
            }
        }

        uint256 permission = _permissions[tokenId][authMethodId];
        if (permission == 0) (permission, newHeader) = _insert(tokenId, authMethodId, newHeader);
        uint256 scopeCount = scopes.length;
        for (uint256 i = 0; i < scopeCount; ++i) {
            uint256 scopeId = scopes[i];
            _checkScope(scopeId);
            permission |= 1 << scopeId;
        }
        _permissions[tokenId][authMethodId] = permission;
        if (newHeader != header) record.header = newHeader;

        emit PermittedAuthMethodAdded(tokenId, authMethodType, id, userPubkey);
        for (uint256 i = 0; i < scopeCount; ++i) {
            emit PermittedAuthMethodScopeAdded(tokenId, authMethodType, id, scopes[i]);
        }
    }

    /// @dev Appends an auth method to a token's list and the token to the auth method's list; returns the new
    /// permission word (without scopes) and the auth method's new header.
    function _insert(
        uint256 tokenId,
        uint256 authMethodId,
        uint256 header
    ) private returns (uint256 permission, uint256 newHeader) {
        mapping(uint256 => uint256) storage list = _tokenAuthMethods[tokenId];
        uint256 first = list[0];
        uint256 length = 0;
        if (first == 0) {
            // The token's first entry keeps the list length in its own slot.
            permission = 1 << LIST_LENGTH_SHIFT;
        } else {
            uint256 firstPermission = _permissions[tokenId][first];
            length = (firstPermission >> LIST_LENGTH_SHIFT) & INDEX_MASK;
            _permissions[tokenId][first] = firstPermission + (1 << LIST_LENGTH_SHIFT);
        }
        list[length] = authMethodId;
        uint256 tokenCount = (header >> TOKEN_COUNT_SHIFT) & TOKEN_COUNT_MASK;
        _authMethodTokens[authMethodId][tokenCount] = tokenId;
        newHeader = header + (1 << TOKEN_COUNT_SHIFT);
        permission |= ((length + 1) << TOKEN_INDEX_SHIFT) | ((tokenCount + 1) << AUTH_INDEX_SHIFT);
    }

    function _remove(uint256 tokenId, uint256 authMethodType, bytes memory id) private {
        uint256 authMethodId = LibPKP.authMethodId(authMethodType, id);
        uint256 permission = _permissions[tokenId][authMethodId];
        if (permission == 0) revert PKPPermissionsAuthMethodNotPermitted(tokenId, authMethodType, id);

        // Out of the token's list: the last entry fills the gap; the list length lives with entry 0.
        mapping(uint256 => uint256) storage list = _tokenAuthMethods[tokenId];
        uint256 index = ((permission >> TOKEN_INDEX_SHIFT) & INDEX_MASK) - 1;
        uint256 length = index == 0
            ? (permission >> LIST_LENGTH_SHIFT) & INDEX_MASK
            : (_permissions[tokenId][list[0]] >> LIST_LENGTH_SHIFT) & INDEX_MASK;
        uint256 last = length - 1;
        if (index != last) {
            uint256 moved = list[last];
            list[index] = moved;
            uint256 movedPermission = (_permissions[tokenId][moved] & ~(INDEX_MASK << TOKEN_INDEX_SHIFT)) |
                ((index + 1) << TOKEN_INDEX_SHIFT);
            // Into slot 0, the moved entry takes over the (shorter) list length.
            if (index == 0) movedPermission |= last << LIST_LENGTH_SHIFT;
            _permissions[tokenId][moved] = movedPermission;
        }
        delete list[last];
        if (index != 0) _permissions[tokenId][list[0]] -= 1 << LIST_LENGTH_SHIFT;

        // Out of the auth method's list of tokens: the last entry fills the gap.
        Record storage record = _records[authMethodId];
        uint256 header = record.header;
        uint256 tokenIndex = (permission >> AUTH_INDEX_SHIFT) - 1;
        uint256 lastToken = ((header >> TOKEN_COUNT_SHIFT) & TOKEN_COUNT_MASK) - 1;
        mapping(uint256 => uint256) storage tokens = _authMethodTokens[authMethodId];
        if (tokenIndex != lastToken) {
            uint256 movedToken = tokens[lastToken];
            tokens[tokenIndex] = movedToken;
            uint256 movedPermission = _permissions[movedToken][authMethodId];
            _permissions[movedToken][authMethodId] =
                (movedPermission & ~(INDEX_MASK << AUTH_INDEX_SHIFT)) |
                ((tokenIndex + 1) << AUTH_INDEX_SHIFT);
        }
        delete tokens[lastToken];
        record.header = header - (1 << TOKEN_COUNT_SHIFT);

        // Scopes go with it.
        delete _permissions[tokenId][authMethodId];
        emit PermittedAuthMethodRemoved(tokenId, authMethodType, id);
    }

    /// @dev Writes an auth method's type and id, once; returns the new header.
    function _register(
        uint256 authMethodId,
        uint256 authMethodType,
        bytes memory id,
        Record storage record
    ) private returns (uint256 header) {
        header = REGISTERED;
        if (authMethodType > type(uint32).max) {
            header |= BIG_TYPE;
            _bigTypes[authMethodId] = authMethodType;
        } else {
            header |= authMethodType << TYPE_SHIFT;
        }
        uint256 length = id.length;
        if (length > SHORT_ID_MAX) {
            header |= LONG_ID;
            _longIds[authMethodId] = id;
            return header;
        }
        bytes32 head;
        bytes32 tail;
        assembly ("memory-safe") {
            head := mload(add(id, 32))
            tail := mload(add(id, 52))
        }
        if (length < 20) head &= ~bytes32(type(uint256).max >> (length * 8));
        header |= (length << ID_LENGTH_SHIFT) | (uint256(uint160(bytes20(head))) << ID_HEAD_SHIFT);
        if (length > 20) {
            uint256 tailLength = length - 20;
            if (tailLength < 32) tail &= ~bytes32(type(uint256).max >> (tailLength * 8));
            record.tail = tail;
        }
    }

    function _type(uint256 authMethodId, uint256 header) private view returns (uint256) {
        if (header & BIG_TYPE != 0) return _bigTypes[authMethodId];
        return (header >> TYPE_SHIFT) & type(uint32).max;
    }

    function _id(uint256 authMethodId, uint256 header) private view returns (bytes memory id) {
        if (header & LONG_ID != 0) return _longIds[authMethodId];
        uint256 length = (header >> ID_LENGTH_SHIFT) & 0xff;
        bytes20 head = bytes20(uint160(header >> ID_HEAD_SHIFT));
        id = length > 20 ? abi.encodePacked(head, _records[authMethodId].tail) : abi.encodePacked(head);
        assembly ("memory-safe") {
            mstore(id, length)
        }
    }
}
