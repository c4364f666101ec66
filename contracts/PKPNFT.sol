// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721Burnable} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721Burnable.sol";
import {IERC721Enumerable} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Enumerable.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IPKPNFT} from "./interfaces/IPKPNFT.sol";
import {IPKPPermissions} from "./interfaces/IPKPPermissions.sol";
import {IPKPNFTMetadata} from "./interfaces/IPKPNFTMetadata.sol";
import {IPubkeyRouter} from "./interfaces/IPubkeyRouter.sol";
import {LibPKP} from "./libraries/LibPKP.sol";

/// @title PKPNFT
/// @notice Programmable Key Pairs as ERC-721 tokens (see IPKPNFT).
/// @dev Enumeration is implemented here rather than with OpenZeppelin's ERC721Enumerable, to keep a mint cheap:
/// one array `_tokenAt` holds the live tokens in [0, supply) and the routed, unminted pool in [supply, total),
/// so minting the next key moves nothing, and each key's indices live in one slot (`_tokenData`) that is
/// written when the key is routed. All of it is kept in `_update`, the one ERC-721 override point.
contract PKPNFT is IPKPNFT, ERC721, ERC721Burnable, Ownable {
    /// @dev `_tokenData` layout: bits 0-63 index in `_tokenAt`, 64-127 index in the owner's list, 255 routed.
    uint256 private constant INDEX_MASK = type(uint64).max;
    uint256 private constant OWNER_INDEX_SHIFT = 64;
    uint256 private constant ROUTED = 1 << 255;

    IPubkeyRouter private immutable _router;
    IPKPNFTMetadata private immutable _metadata;
    IPKPPermissions private _permissions;

    /// @dev One slot: mint cost, live tokens, live + pooled tokens.
    uint96 private _mintCost;
    uint80 private _supply;
    uint80 private _total;

    mapping(uint256 index => uint256 tokenId) private _tokenAt;
    mapping(uint256 tokenId => uint256 data) private _tokenData;
    mapping(address owner => mapping(uint256 index => uint256 tokenId)) private _ownedTokens;

    /// @param router The PubkeyRouter.
    /// @param metadata The PKPNFTMetadata.
    /// @param initialMintCost The mint cost in wei.
    constructor(
        address router,
        address metadata,
        uint256 initialMintCost
    ) ERC721("Programmable Keypair", "PKP") Ownable(msg.sender) {
        if (router == address(0) || metadata == address(0)) revert PKPNFTZeroAddress();
        _router = IPubkeyRouter(router);
        _metadata = IPKPNFTMetadata(metadata);
        _setMintCost(initialMintCost);
    }

    /// @inheritdoc IPKPNFT
    function setPkpPermissions(address pkpPermissions_) external onlyOwner {
        if (pkpPermissions_ == address(0)) revert PKPNFTZeroAddress();
        if (address(_permissions) != address(0)) revert PKPNFTPkpPermissionsAlreadySet();
        _permissions = IPKPPermissions(pkpPermissions_);
    }

    /// @inheritdoc IPKPNFT
    function mintCost() external view returns (uint256) {
        return _mintCost;
    }

    /// @inheritdoc IPKPNFT
    function setMintCost(uint256 newMintCost) external onlyOwner {
        _setMintCost(newMintCost);
    }

    /// @inheritdoc IPKPNFT
    function withdraw() external onlyOwner {
        uint256 amount = address(this).balance;
        (bool ok, ) = payable(owner()).call{value: amount}("");
        if (!ok) revert PKPNFTWithdrawFailed();
        emit Withdrew(amount);
    }

    /// @inheritdoc IPKPNFT
    function mintNext(uint256 keyType) external payable returns (uint256 tokenId) {
        bytes memory pubkey;
        (tokenId, pubkey) = _nextFromPool(keyType);
        _safeMint(msg.sender, tokenId);
        emit PKPMinted(tokenId, pubkey);
    }

    /// @inheritdoc IPKPNFT
    function mintGrantAndBurnNext(
        uint256 keyType,
        bytes calldata ipfsCID
    ) external payable returns (uint256 tokenId) {
        IPKPPermissions permissions = _permissions;
        if (address(permissions) == address(0)) revert PKPNFTPkpPermissionsNotSet();
        bytes memory pubkey;
        (tokenId, pubkey) = _nextFromPool(keyType);
        // The token is this contract's for the length of this call only: no one else can act as its owner.
        _mint(address(this), tokenId);
        emit PKPMinted(tokenId, pubkey);
        uint256[] memory scopes = new uint256[](1);
        scopes[0] = LibPKP.SCOPE_SIGN_ANYTHING;
        permissions.addPermittedAction(tokenId, ipfsCID, scopes);
        _burn(tokenId);
    }

    /// @inheritdoc IPKPNFT
    function pkpRouted(uint256 tokenId, uint256 keyType) external {
        if (msg.sender != address(_router)) revert PKPNFTNotRouter(msg.sender);
        if (keyType != LibPKP.KEY_TYPE_ECDSA) revert PKPNFTUnsupportedKeyType(keyType);
        if (_tokenData[tokenId] != 0) revert PKPNFTAlreadyRouted(tokenId);
        uint80 total = _total;
        _tokenAt[total] = tokenId;
        _tokenData[tokenId] = ROUTED | total;
        _total = total + 1;
        emit PkpRouted(tokenId, keyType);
    }

    /// @inheritdoc IPKPNFT
    function getUnmintedRoutedTokenIdCount(uint256 keyType) external view returns (uint256) {
        if (keyType != LibPKP.KEY_TYPE_ECDSA) return 0;
        return _total - _supply;
    }

    /// @inheritdoc IPKPNFT
    function getPubkey(uint256 tokenId) public view returns (bytes memory) {
        return _router.getPubkey(tokenId);
    }

    /// @inheritdoc IPKPNFT
    function getEthAddress(uint256 tokenId) public view returns (address) {
        return _router.getEthAddress(tokenId);
    }

    /// @inheritdoc IPKPNFT
    function exists(uint256 tokenId) external view returns (bool) {
        return _ownerOf(tokenId) != address(0);
    }

    /// @inheritdoc IPKPNFT
    function getPkpInfoFromOwnerAddress(
        address owner_,
        uint256 pageSize,
        uint256 pageIndex
    ) external view returns (PkpInfo[] memory infos) {
        uint256 balance = balanceOf(owner_);
        uint256 start = pageSize * pageIndex;
        if (start >= balance) return new PkpInfo[](0);
        uint256 count = balance - start < pageSize ? balance - start : pageSize;
        infos = new PkpInfo[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 tokenId = _ownedTokens[owner_][start + i];
            infos[i] = PkpInfo({
                tokenId: tokenId,
                pubkey: getPubkey(tokenId),
                ethAddress: getEthAddress(tokenId)
            });
        }
    }

    /// @inheritdoc IPKPNFT
    function pubkeyRouter() external view returns (address) {
        return address(_router);
    }

    /// @inheritdoc IPKPNFT
    function pkpPermissions() external view returns (address) {
        return address(_permissions);
    }

    /// @inheritdoc IPKPNFT
    function pkpNftMetadata() external view returns (address) {
        return address(_metadata);
    }

    /// @notice The token's metadata URI, rendered by the PKPNFTMetadata contract.
    /// @param tokenId The token id.
    /// @return The data URI.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return _metadata.tokenURI(tokenId, getPubkey(tokenId), getEthAddress(tokenId));
    }

    /// @inheritdoc IERC721Enumerable
    function totalSupply() external view returns (uint256) {
        return _supply;
    }

    /// @inheritdoc IERC721Enumerable
    function tokenByIndex(uint256 index) external view returns (uint256) {
        if (index >= _supply) revert ERC721OutOfBoundsIndex(address(0), index);
        return _tokenAt[index];
    }

    /// @inheritdoc IERC721Enumerable
    function tokenOfOwnerByIndex(address owner_, uint256 index) external view returns (uint256) {
        if (index >= balanceOf(owner_)) revert ERC721OutOfBoundsIndex(owner_, index);
        return _ownedTokens[owner_][index];
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, IERC165) returns (bool) {
        return interfaceId == type(IERC721Enumerable).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev The one place where ownership changes: keeps the owner lists, the live/pool array and the token's
    /// indices. Transfers to this contract are refused (only `mintGrantAndBurnNext` mints here, and burns).
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        if (to == address(this) && auth != address(0)) revert PKPNFTCannotReceiveTokens();
        from = super._update(to, tokenId, auth);
        if (from == to) return from;
        uint256 data = _tokenData[tokenId];

        if (from != address(0)) {
            // OpenZeppelin decremented the balance: it is now the index of the owner's last token.
            uint256 lastIndex = balanceOf(from);
            uint256 index = (data >> OWNER_INDEX_SHIFT) & INDEX_MASK;
            if (index != lastIndex) {
                uint256 moved = _ownedTokens[from][lastIndex];
                _ownedTokens[from][index] = moved;
                _tokenData[moved] = _withOwnerIndex(_tokenData[moved], index);
            }
            delete _ownedTokens[from][lastIndex];
        }

        if (to != address(0)) {
            uint256 index = balanceOf(to) - 1;
            _ownedTokens[to][index] = tokenId;
            data = _withOwnerIndex(data, index);
        }

        if (from == address(0)) {
            // Mints take the first pooled key, which sits at index `_supply` already.
            ++_supply;
        } else if (to == address(0)) {
            data = ROUTED;
            _removeFromSupply(tokenId);
        }
        _tokenData[tokenId] = data;
    }

    /// @dev Takes the burned token out of [0, supply): the last live token fills its gap, and the last pooled
    /// key (if any) fills the gap at the end of the live range.
    function _removeFromSupply(uint256 tokenId) private {
        uint256 supply = _supply;
        uint256 total = _total;
        uint256 index = _tokenData[tokenId] & INDEX_MASK;
        uint256 lastLive = supply - 1;
        if (index != lastLive) {
            uint256 moved = _tokenAt[lastLive];
            _tokenAt[index] = moved;
            _tokenData[moved] = _withIndex(_tokenData[moved], index);
        }
        uint256 lastPooled = total - 1;
        if (lastPooled != lastLive) {
            uint256 pooled = _tokenAt[lastPooled];
            _tokenAt[lastLive] = pooled;
            _tokenData[pooled] = _withIndex(_tokenData[pooled], lastLive);
        }
        delete _tokenAt[lastPooled];
        _supply = uint80(lastLive);
        _total = uint80(lastPooled);
    }

    function _nextFromPool(uint256 keyType) private view returns (uint256 tokenId, bytes memory pubkey) {
        uint256 cost = _mintCost;
        if (msg.value != cost) revert PKPNFTIncorrectMintCost(msg.value, cost);
        uint256 supply = _supply;
        if (keyType != LibPKP.KEY_TYPE_ECDSA || supply == _total) revert PKPNFTNoUnmintedTokens(keyType);
        tokenId = _tokenAt[supply];
        (bytes32 x, bytes32 y) = _router.getPubkeyCoordinates(tokenId);
        pubkey = abi.encodePacked(bytes1(0x04), x, y);
    }

    function _setMintCost(uint256 newMintCost) private {
        if (newMintCost > type(uint96).max) revert PKPNFTMintCostTooHigh(newMintCost);
        _mintCost = uint96(newMintCost);
        emit MintCostSet(newMintCost);
    }

    function _withOwnerIndex(uint256 data, uint256 index) private pure returns (uint256) {
        return (data & ~(INDEX_MASK << OWNER_INDEX_SHIFT)) | (index << OWNER_INDEX_SHIFT);
    }

    function _withIndex(uint256 data, uint256 index) private pure returns (uint256) {
        return (data & ~INDEX_MASK) | index;
    }
}
