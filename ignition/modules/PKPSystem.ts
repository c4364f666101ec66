import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys and wires the whole PKP system. The deploying account owns every ownable contract.
 *
 * Wiring is immutable once done: PubkeyRouter and PKPNFT each have one reference that can be set once
 * (`setPkpNft`, `setPkpPermissions`) to break the PubkeyRouter ↔ PKPNFT ↔ PKPPermissions cycle; everything
 * else is a constructor argument.
 *
 * Optional parameters (`ignition/parameters/*.json`): `mintCost` (wei, default 1), `epochLength` (seconds,
 * default 3600), `epochTimeout` (seconds, default 60).
 */
const PKPSystem = buildModule("PKPSystem", (m) => {
  const mintCost = m.getParameter<bigint>("mintCost", 1n);
  const epochLength = m.getParameter<bigint>("epochLength", 3600n);
  const epochTimeout = m.getParameter<bigint>("epochTimeout", 60n);

  const staking = m.contract("Staking", [epochLength, epochTimeout], { id: "Staking" });
  const pubkeyRouter = m.contract("PubkeyRouter", [staking], { id: "PubkeyRouter" });
  const pkpNftMetadata = m.contract("PKPNFTMetadata", [], { id: "PKPNFTMetadata" });
  const pkpNft = m.contract("PKPNFT", [pubkeyRouter, pkpNftMetadata, mintCost], { id: "PKPNFT" });
  const pkpPermissions = m.contract("PKPPermissions", [pkpNft, pubkeyRouter], { id: "PKPPermissions" });
  const pkpHelper = m.contract("PKPHelper", [pkpNft, pkpPermissions], { id: "PKPHelper" });

  m.call(pubkeyRouter, "setPkpNft", [pkpNft], { id: "PubkeyRouter_setPkpNft" });
  m.call(pkpNft, "setPkpPermissions", [pkpPermissions], { id: "PKPNFT_setPkpPermissions" });

  return { staking, pubkeyRouter, pkpNft, pkpPermissions, pkpHelper, pkpNftMetadata };
});

export default PKPSystem;
