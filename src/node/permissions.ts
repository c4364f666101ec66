/**
 * Who may have a PKP sign a prehashed digest (network.md "What a node checks"): the owner, or a
 * permitted address holding scope 1 (SignAnything); scope 2 (PersonalSign) is for EIP-191 messages
 * only. Read from the chain at the latest block on every request.
 */
import { getAddress } from "ethers";
import type { Authenticated } from "./auth";
import type { Chain } from "./chain";
import { NotFoundError, NotPermittedError } from "./errors";

export async function checkSigningPermission(
  chain: Chain,
  tokenId: bigint,
  requester: Authenticated | string,
): Promise<void> {
  const address = typeof requester === "string" ? requester : requester.address;
  if (!(await chain.pkpExists(tokenId))) {
    if (await chain.wasBurned(tokenId))
      throw new NotPermittedError("the PKP was burned", { reason: "PkpBurned" });
    throw new NotFoundError("no PKP with this public key exists", { reason: "PkpNotFound" });
  }
  const owner = await chain.ownerOf(tokenId);
  if (owner === getAddress(address)) return;
  if (await chain.isPermittedAddress(tokenId, address)) {
    if (await chain.addressHasScope(tokenId, address, 1n)) return;
    if (await chain.addressHasScope(tokenId, address, 2n))
      throw new NotPermittedError(
        "the address holds scope 2 (personal messages only); a prehashed digest cannot be shown to be an EIP-191 message",
        { reason: "ScopeNotSufficient" },
      );
    throw new NotPermittedError("the address is permitted without the SignAnything scope", {
      reason: "ScopeNotSufficient",
    });
  }
  throw new NotPermittedError(`${address} is neither the owner of the PKP nor a permitted address`, {
    reason: "NotOwnerOrPermitted",
  });
}
