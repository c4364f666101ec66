/**
 * Where the PKP contracts of a chain live, and typed handles on them.
 *
 * Addresses come from an explicit JSON file (`--deployment <file>` or env `PKP_DEPLOYMENT`), or from
 * what Hardhat Ignition wrote for the chain (`ignition/deployments/chain-<id>/deployed_addresses.json`).
 * Both are validated with zod. No Hardhat runtime is needed here: give an ethers runner.
 *
 * The typechain factories are imported inside functions: `typechain-types/` only exists after the
 * first compile, and Hardhat loads the tasks (which import this file) before compiling.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ContractRunner, Provider } from "ethers";
import { z } from "zod";

import type {
  PKPHelper,
  PKPNFT,
  PKPNFTMetadata,
  PKPPermissions,
  PubkeyRouter,
  Staking,
} from "../../typechain-types";
import { contractAddressesSchema } from "../protocol/addresses";
import { DeploymentError } from "./errors";
import { isSigner, sequenced } from "./signer";

/** The deployable contracts: key in our addresses object → Ignition future id in `PKPSystem`. */
export const CONTRACTS = {
  staking: "Staking",
  pubkeyRouter: "PubkeyRouter",
  pkpNft: "PKPNFT",
  pkpPermissions: "PKPPermissions",
  pkpHelper: "PKPHelper",
  pkpNftMetadata: "PKPNFTMetadata",
} as const;
export type ContractKey = keyof typeof CONTRACTS;

/** The Ignition module id of `ignition/modules/PKPSystem.ts`. */
export const IGNITION_MODULE_ID = "PKPSystem";

export type DeploymentAddresses = { readonly [K in ContractKey]: string };

export interface PKPContracts {
  readonly addresses: DeploymentAddresses;
  readonly staking: Staking;
  readonly pubkeyRouter: PubkeyRouter;
  readonly pkpNft: PKPNFT;
  readonly pkpPermissions: PKPPermissions;
  readonly pkpHelper: PKPHelper;
  readonly pkpNftMetadata: PKPNFTMetadata;
}

/** The chains on which development shortcuts (admin routing of random keys) are allowed. */
export const DEV_CHAIN_IDS: readonly bigint[] = [31337n, 1337n];

/** Our own format: `{ "chainId"?: number, "staking": "0x…", "pubkeyRouter": "0x…", … }`. */
const plainSchema = contractAddressesSchema
  .extend({
    chainId: z.union([z.number().int().positive(), z.string().regex(/^[0-9]+$/)]).optional(),
  })
  .strip();

/** Ignition's format: `{ "PKPSystem#Staking": "0x…", … }` (other modules' entries are ignored). */
const ignitionSchema = z.record(z.string(), z.string());

function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length === 0 ? "(root)" : issue.path.join(".")}: ${issue.message}`)
    .join("; ");
}

/**
 * Validates a parsed deployment JSON (either format). `source` names it in error messages.
 * With `chainId`, an explicit `chainId` in the file must match.
 */
export function parseDeployment(json: unknown, source: string, chainId?: bigint): DeploymentAddresses {
  if (typeof json === "object" && json !== null && !Array.isArray(json)) {
    const keys = Object.keys(json);
    if (keys.some((key) => key.includes("#"))) {
      const record = ignitionSchema.safeParse(json);
      if (!record.success)
        throw new DeploymentError(`malformed ${source}`, { details: describeZodError(record.error) });
      const picked: Record<string, unknown> = {};
      for (const [key, futureId] of Object.entries(CONTRACTS)) {
        picked[key] = record.data[`${IGNITION_MODULE_ID}#${futureId}`];
      }
      return parsePlain(picked, source, chainId);
    }
  }
  return parsePlain(json, source, chainId);
}

function parsePlain(json: unknown, source: string, chainId?: bigint): DeploymentAddresses {
  const parsed = plainSchema.safeParse(json);
  if (!parsed.success)
    throw new DeploymentError(`malformed ${source}`, { details: describeZodError(parsed.error) });
  const { chainId: fileChainId, ...addresses } = parsed.data;
  if (chainId !== undefined && fileChainId !== undefined && BigInt(fileChainId) !== chainId) {
    throw new DeploymentError(`${source} is for chain ${fileChainId.toString()}`, {
      details: `connected to chain ${chainId.toString()}`,
    });
  }
  return addresses;
}

/** Reads and validates a deployment JSON file. */
export function readDeploymentFile(file: string, chainId?: bigint): DeploymentAddresses {
  if (!existsSync(file)) throw new DeploymentError(`deployment file not found: ${file}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new DeploymentError(`deployment file is not JSON: ${file}`, { cause });
  }
  return parseDeployment(json, file, chainId);
}

/** Where Ignition records the addresses it deployed on a chain. */
export function ignitionAddressesFile(ignitionDir: string, chainId: bigint): string {
  return path.join(ignitionDir, "deployments", `chain-${chainId.toString()}`, "deployed_addresses.json");
}

export interface FindDeploymentOptions {
  /** The chain connected to. */
  readonly chainId: bigint;
  /** An explicit deployment file; overrides env PKP_DEPLOYMENT and Ignition's records. */
  readonly file?: string;
  /** The Ignition directory (`ignition/`), to find `deployments/chain-<id>/deployed_addresses.json`. */
  readonly ignitionDir: string;
  /** Environment to read `PKP_DEPLOYMENT` from (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

/** The addresses for a chain: explicit file, then env PKP_DEPLOYMENT, then Ignition's record. */
export function findDeployment(options: FindDeploymentOptions): DeploymentAddresses {
  const explicit = options.file ?? (options.env ?? process.env).PKP_DEPLOYMENT;
  if (explicit !== undefined && explicit !== "") return readDeploymentFile(explicit, options.chainId);
  const file = ignitionAddressesFile(options.ignitionDir, options.chainId);
  if (!existsSync(file)) {
    throw new DeploymentError(`no PKP deployment known for chain ${options.chainId.toString()}`, {
      details: `run the deploy task on this network, or pass --deployment <file> (or set PKP_DEPLOYMENT)`,
    });
  }
  return readDeploymentFile(file, options.chainId);
}

/**
 * Typed contract handles for a deployment, connected to a signer or provider. A signer is used
 * through its SequencedSigner (signer.ts): every contract connected to one wallet sends its
 * transactions in turn, with nonces the chain agrees with.
 */
export async function connectContracts(
  addresses: DeploymentAddresses,
  connectTo: ContractRunner,
): Promise<PKPContracts> {
  const types = await import("../../typechain-types");
  const runner = isSigner(connectTo) ? sequenced(connectTo) : connectTo;
  return {
    addresses,
    staking: types.Staking__factory.connect(addresses.staking, runner),
    pubkeyRouter: types.PubkeyRouter__factory.connect(addresses.pubkeyRouter, runner),
    pkpNft: types.PKPNFT__factory.connect(addresses.pkpNft, runner),
    pkpPermissions: types.PKPPermissions__factory.connect(addresses.pkpPermissions, runner),
    pkpHelper: types.PKPHelper__factory.connect(addresses.pkpHelper, runner),
    pkpNftMetadata: types.PKPNFTMetadata__factory.connect(addresses.pkpNftMetadata, runner),
  };
}

/** Refuses a deployment whose addresses hold no code on the connected chain. */
export async function assertDeployed(addresses: DeploymentAddresses, provider: Provider): Promise<void> {
  for (const [key, value] of Object.entries(addresses) as [ContractKey, string][]) {
    const code = await provider.getCode(value);
    if (code === "0x") {
      throw new DeploymentError(`no contract at ${key} address ${value}`, {
        details: "the deployment file does not match the connected chain",
      });
    }
  }
}
