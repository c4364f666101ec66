/**
 * The Hardhat side of src/chain: finds (or, on the in-process `hardhat` network, makes) the
 * deployment for `hre.network` and connects the contracts to a Hardhat signer. Everything else in
 * src/chain works with plain ethers objects.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";

import {
  CONTRACTS,
  assertDeployed,
  connectContracts,
  findDeployment,
  readDeploymentFile,
} from "./deployment";
import type { ContractKey, DeploymentAddresses, PKPContracts } from "./deployment";
import { ChainError, DeploymentError } from "./errors";
import { parseAddress } from "./parse";

/**
 * The in-process network's current deployment, made on demand. Keyed by `hre.network` (Hardhat hands
 * each task a proxy of the runtime environment, but the network object is shared).
 */
const inProcess = new WeakMap<object, DeploymentAddresses>();

export async function chainIdOf(hre: HardhatRuntimeEnvironment): Promise<bigint> {
  return (await hre.ethers.provider.getNetwork()).chainId;
}

/**
 * Deploys `ignition/modules/PKPSystem.ts` with Ignition. On a live network (not the in-process
 * `hardhat` one) Ignition records the addresses in `ignition/deployments/chain-<id>/`.
 */
export async function deployPkpSystem(hre: HardhatRuntimeEnvironment): Promise<DeploymentAddresses> {
  const { default: PKPSystem } = await import("../../ignition/modules/PKPSystem");
  const deployed = (await hre.ignition.deploy(PKPSystem)) as unknown as Record<
    ContractKey,
    { getAddress(): Promise<string> }
  >;
  const addresses = {} as Record<ContractKey, string>;
  for (const key of Object.keys(CONTRACTS) as ContractKey[]) {
    const contract = deployed[key];
    if (contract === undefined) throw new DeploymentError(`the PKPSystem module returned no ${key}`);
    addresses[key] = await contract.getAddress();
  }
  if (hre.network.name === "hardhat") inProcess.set(hre.network, addresses);
  return addresses;
}

async function hasCode(hre: HardhatRuntimeEnvironment, addresses: DeploymentAddresses): Promise<boolean> {
  for (const value of Object.values(addresses)) {
    if ((await hre.ethers.provider.getCode(value)) === "0x") return false;
  }
  return true;
}

/**
 * The addresses for the current network: `file` (or env PKP_DEPLOYMENT) when given; on the
 * in-process `hardhat` network, the deployment made earlier in this process or a fresh one;
 * elsewhere, what Ignition recorded for the chain.
 */
export async function resolveDeployment(
  hre: HardhatRuntimeEnvironment,
  file?: string,
): Promise<DeploymentAddresses> {
  const chainId = await chainIdOf(hre);
  const explicit = file ?? process.env.PKP_DEPLOYMENT;
  if (explicit !== undefined && explicit !== "") {
    const addresses = readDeploymentFile(explicit, chainId);
    await assertDeployed(addresses, hre.ethers.provider);
    return addresses;
  }
  if (hre.network.name === "hardhat") {
    const known = inProcess.get(hre.network);
    if (known !== undefined && (await hasCode(hre, known))) return known;
    return deployPkpSystem(hre);
  }
  const addresses = findDeployment({ chainId, ignitionDir: hre.config.paths.ignition });
  await assertDeployed(addresses, hre.ethers.provider);
  return addresses;
}

/** The signer that acts: `from` (an address among the network's accounts) or the first account. */
export async function signerOf(hre: HardhatRuntimeEnvironment, from?: string): Promise<Signer> {
  const signers = await hre.ethers.getSigners();
  if (from === undefined || from === "") {
    const first = signers[0];
    if (first === undefined) {
      throw new ChainError(`no account configured for network ${hre.network.name}`, {
        details: "set DEPLOYER_PRIVATE_KEY with `npx hardhat vars set DEPLOYER_PRIVATE_KEY`",
      });
    }
    return first;
  }
  const wanted = parseAddress("--from", from);
  const found = signers.find((signer) => signer.address.toLowerCase() === wanted.toLowerCase());
  if (found === undefined)
    throw new ChainError(`--from ${wanted} is not an account of network ${hre.network.name}`);
  return found;
}

/** The deployment of the current network, connected to the acting signer. */
export async function contractsFor(
  hre: HardhatRuntimeEnvironment,
  options: { deployment?: string; from?: string } = {},
): Promise<PKPContracts> {
  const addresses = await resolveDeployment(hre, options.deployment);
  return connectContracts(addresses, await signerOf(hre, options.from));
}
