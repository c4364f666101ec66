/**
 * Deploys the PKP contracts to a chain and verifies them on its explorer:
 *
 *     npx hardhat vars set DEPLOYER_PRIVATE_KEY      # and SEPOLIA_RPC_URL, ETHERSCAN_API_KEY
 *     npx hardhat run scripts/deploy.ts --network sepolia
 *
 * 1. On a public chain (any but the in-process `hardhat` network and the development chains 31337 and
 *    1337) it refuses, before any RPC call, when no deployer key is configured.
 * 2. Deploys `ignition/modules/PKPSystem.ts` with Ignition, with `ignition/parameters/<network>.json`
 *    when there is one. On a live chain Ignition records the addresses in
 *    `ignition/deployments/chain-<id>/deployed_addresses.json`: the file the tasks read (`pkp:mint
 *    --network sepolia` finds it); the script reads it back and checks it.
 * 3. Checks that every address holds code; with env `PKP_DEPLOYMENT_OUT=<file>` it also writes the
 *    addresses there (`{ chainId, staking, … }`, for `--deployment <file>` or env `PKP_DEPLOYMENT`).
 * 4. Verifies the contracts (Ignition's `ignition verify`, through hardhat-verify) when an explorer API
 *    key is configured for the network (`etherscan.apiKey` in hardhat.config.ts); never on a development
 *    chain.
 *
 * `npx hardhat deploy` (tasks/deploy.ts) is the same deployment without parameters or verification.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { chainIdOf } from "../src/chain/hardhat";
import {
  CONTRACTS,
  DEV_CHAIN_IDS,
  assertDeployed,
  ignitionAddressesFile,
  readDeploymentFile,
  type ContractKey,
  type DeploymentAddresses,
} from "../src/chain/deployment";
import { ChainError, DeploymentError } from "../src/chain/errors";

export interface DeployResult {
  network: string;
  chainId: bigint;
  addresses: DeploymentAddresses;
  /** Ignition's record of the deployment (the file the tasks read); null on the in-process chain. */
  recorded: string | null;
  /** Where `out` wrote the addresses, if asked. */
  written: string | null;
  /** Whether the contracts were verified on the explorer, or why not. */
  verification: "verified" | "skipped: development chain" | "skipped: no explorer API key";
}

/** Whether the network is a public chain: not in-process, not a development chain id. */
export function isPublicNetwork(hre: HardhatRuntimeEnvironment): boolean {
  if (hre.network.name === "hardhat") return false;
  const chainId = hre.network.config.chainId;
  return chainId === undefined || !DEV_CHAIN_IDS.includes(BigInt(chainId));
}

/** Refuses a public network without a deployer account, from the configuration alone (no RPC call). */
export function assertDeployer(hre: HardhatRuntimeEnvironment): void {
  if (!isPublicNetwork(hre)) return;
  const accounts = hre.network.config.accounts;
  if (Array.isArray(accounts) && accounts.length === 0) {
    throw new ChainError(`no deployer account for network ${hre.network.name}`, {
      details: "set one with `npx hardhat vars set DEPLOYER_PRIVATE_KEY` (a funded testnet key)",
    });
  }
}

/** The explorer API key configured for the network, or undefined. */
function explorerApiKey(hre: HardhatRuntimeEnvironment): string | undefined {
  const apiKey = hre.config.etherscan?.apiKey;
  const key = typeof apiKey === "string" ? apiKey : apiKey?.[hre.network.name];
  return key === undefined || key === "" ? undefined : key;
}

export async function deploy(
  hre: HardhatRuntimeEnvironment,
  options: { out?: string } = {},
): Promise<DeployResult> {
  assertDeployer(hre);
  const chainId = await chainIdOf(hre);
  const deploymentId = `chain-${chainId.toString()}`;
  const parametersFile = path.join(hre.config.paths.ignition, "parameters", `${hre.network.name}.json`);

  const { default: PKPSystem } = await import("../ignition/modules/PKPSystem");
  const deployed = (await hre.ignition.deploy(PKPSystem, {
    deploymentId,
    ...(existsSync(parametersFile) ? { parameters: parametersFile } : {}),
  })) as unknown as Record<ContractKey, { getAddress(): Promise<string> }>;
  const found = {} as Record<ContractKey, string>;
  for (const key of Object.keys(CONTRACTS) as ContractKey[]) {
    const contract = deployed[key];
    if (contract === undefined) throw new DeploymentError(`the PKPSystem module returned no ${key}`);
    found[key] = await contract.getAddress();
  }
  const addresses: DeploymentAddresses = found;
  await assertDeployed(addresses, hre.ethers.provider);

  let recorded: string | null = null;
  if (hre.network.name !== "hardhat") {
    recorded = ignitionAddressesFile(hre.config.paths.ignition, chainId);
    const read = readDeploymentFile(recorded, chainId);
    for (const key of Object.keys(CONTRACTS) as ContractKey[]) {
      if (read[key] !== addresses[key]) {
        throw new DeploymentError(`${recorded} does not hold the deployed ${key}`, {
          details: `${read[key]} recorded, ${addresses[key]} deployed`,
        });
      }
    }
  }

  let written: string | null = null;
  if (options.out !== undefined && options.out !== "") {
    written = path.resolve(options.out);
    mkdirSync(path.dirname(written), { recursive: true });
    writeFileSync(written, `${JSON.stringify({ chainId: Number(chainId), ...addresses }, null, 2)}\n`);
  }

  let verification: DeployResult["verification"];
  if (!isPublicNetwork(hre)) verification = "skipped: development chain";
  else if (explorerApiKey(hre) === undefined) verification = "skipped: no explorer API key";
  else {
    await hre.run({ scope: "ignition", task: "verify" }, { deploymentId });
    verification = "verified";
  }
  return { network: hre.network.name, chainId, addresses, recorded, written, verification };
}

async function main(): Promise<void> {
  const { default: hre } = await import("hardhat");
  const result = await deploy(hre, { out: process.env.PKP_DEPLOYMENT_OUT });
  console.log(`PKP contracts on ${result.network} (chain ${result.chainId.toString()})`);
  for (const [name, address] of Object.entries(result.addresses))
    console.log(`  ${name.padEnd(15)}${address}`);
  console.log(`  recorded in    ${result.recorded ?? "(in-process chain: nothing recorded)"}`);
  if (result.written !== null) console.log(`  written to     ${result.written}`);
  console.log(`  verification   ${result.verification}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof ChainError ? `error: ${error.message}` : error);
    process.exitCode = 1;
  });
}
