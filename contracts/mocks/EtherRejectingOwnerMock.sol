// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPKPNFT} from "../interfaces/IPKPNFT.sol";

/// @notice Test-only: an owner contract that cannot receive ether (it has no receive or fallback).
contract EtherRejectingOwnerMock {
    function withdrawFrom(address nft) external {
        IPKPNFT(nft).withdraw();
    }
}
