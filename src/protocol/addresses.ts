/**
 * The schema of an Ethereum address and of the contract addresses a deployment, a node's config and
 * a network file name. The only place they are declared.
 */
import { getAddress, isAddress } from "ethers";
import { z } from "zod";

/** An Ethereum address (any case), checksummed on output. */
export const addressSchema = z
  .string()
  .refine((value) => isAddress(value), { message: "not an Ethereum address" })
  .transform((value) => getAddress(value));

/** The four contracts a node reads. */
export const nodeContractAddressesSchema = z.object({
  staking: addressSchema,
  pubkeyRouter: addressSchema,
  pkpNft: addressSchema,
  pkpPermissions: addressSchema,
});

/** Every contract of a deployment (ignition/modules/PKPSystem.ts). */
export const contractAddressesSchema = nodeContractAddressesSchema.extend({
  pkpHelper: addressSchema,
  pkpNftMetadata: addressSchema,
});
export type ContractAddresses = z.infer<typeof contractAddressesSchema>;
