// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IPKPNFT} from "../interfaces/IPKPNFT.sol";

/// @notice Test-only: a contract that mints PKPs and reacts to receiving them as told.
contract PKPMinterMock is IERC721Receiver {
    /// @notice How `onERC721Received` behaves.
    enum Mode {
        Accept,
        WrongSelector,
        Revert,
        Reenter
    }

    /// @notice The receiver refused the token on purpose.
    error PKPMinterMockRefused();

    IPKPNFT public immutable nft;
    Mode public mode;
    uint256 public reentered;

    constructor(address nft_) {
        nft = IPKPNFT(nft_);
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function mint(uint256 keyType) external payable returns (uint256) {
        return nft.mintNext{value: msg.value}(keyType);
    }

    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        if (mode == Mode.WrongSelector) return bytes4(0xdeadbeef);
        if (mode == Mode.Revert) revert PKPMinterMockRefused();
        if (mode == Mode.Reenter) {
            mode = Mode.Accept;
            reentered = nft.mintNext{value: address(this).balance}(2);
        }
        return IERC721Receiver.onERC721Received.selector;
    }

    receive() external payable {}
}
