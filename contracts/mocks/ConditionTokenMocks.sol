// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";

/// @notice Test-only: an ERC-20 anyone can mint and burn, for access control condition tests.
contract ConditionERC20Mock is ERC20 {
    constructor() ERC20("Condition Token", "CND") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function burn(address from, uint256 amount) external {
        _burn(from, amount);
    }
}

/// @notice Test-only: an ERC-721 anyone can mint, transfer-free burn included.
contract ConditionERC721Mock is ERC721 {
    constructor() ERC721("Condition NFT", "CNFT") {}

    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }

    function burn(uint256 tokenId) external {
        _burn(tokenId);
    }
}

/// @notice Test-only: an ERC-1155 anyone can mint and burn.
contract ConditionERC1155Mock is ERC1155 {
    constructor() ERC1155("") {}

    function mint(address to, uint256 id, uint256 amount) external {
        _mint(to, id, amount, "");
    }

    function burn(address from, uint256 id, uint256 amount) external {
        _burn(from, id, amount);
    }
}

/// @notice Test-only: view functions of several return shapes for `evmContract` conditions.
contract ConditionViewsMock {
    mapping(address => bool) public isMember;
    mapping(address => uint256) private _level;
    address[] private _members;

    function setMember(address who, bool member, uint256 level) external {
        if (member && !isMember[who]) _members.push(who);
        isMember[who] = member;
        _level[who] = level;
    }

    /// @notice Two named outputs, selected by `returnValueTest.key`.
    function tier(address who) external view returns (uint256 level, string memory name) {
        level = _level[who];
        name = level >= 2 ? "gold" : "basic";
    }

    /// @notice An array output, for `contains`.
    function members() external view returns (address[] memory) {
        return _members;
    }

    /// @notice Several argument types: uint256, bytes32[], bool, string.
    function sumIfEnabled(
        uint256 base,
        bytes32[] calldata vals,
        bool enabled,
        string calldata tag
    ) external pure returns (uint256) {
        if (!enabled || bytes(tag).length == 0) return 0;
        uint256 s = base;
        for (uint256 i = 0; i < vals.length; i++) s += uint256(vals[i]);
        return s;
    }

    error AlwaysReverts();

    function alwaysReverts(address) external pure returns (bool) {
        revert AlwaysReverts();
    }
}
