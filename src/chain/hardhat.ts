/**
 * The Hardhat side of src/chain: finds (or, on the in-process `hardhat` network, makes) the
 * deployment for `hre.network` and connects the contracts to a Hardhat signer. Everything else in
 * src/chain works with plain ethers objects.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
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
 * elsewhere, the deployment of a `network:start` network running on that chain, else what Ignition
 * recorded for the chain.
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
  const running = runningNetworkDeployment(hre, chainId);
  const addresses = running ?? findDeployment({ chainId, ignitionDir: hre.config.paths.ignition });
  await assertDeployed(addresses, hre.ethers.provider);
  return addresses;
}

/**
 * The deployment of a network that `network:start` runs from its default data directory
 * (`.data/network`) on the chain this Hardhat network points at, so that `--network localhost`
 * tasks find it without `--deployment`. Undefined when there is none, or it is on another chain.
 */
function runningNetworkDeployment(
  hre: HardhatRuntimeEnvironment,
  chainId: bigint,
): DeploymentAddresses | undefined {
  const url = (hre.network.config as { url?: string }).url;
  const dataDir = path.join(hre.config.paths.root, ".data", "network");
  const file = path.join(dataDir, "network.json");
  const deployed = path.join(dataDir, "ignition", "deployed_addresses.json");
  if (url === undefined || !existsSync(file) || !existsSync(deployed)) return undefined;
  let rpcUrl: unknown;
  try {
    rpcUrl = (JSON.parse(readFileSync(file, "utf8")) as { rpcUrl?: unknown }).rpcUrl;
  } catch {
    return undefined;
  }
  const same = (a: string, b: string) =>
    a.replace(/\/+$/, "").replace("localhost", "127.0.0.1") ===
    b.replace(/\/+$/, "").replace("localhost", "127.0.0.1");
  if (typeof rpcUrl !== "string" || !same(rpcUrl, url)) return undefined;
  return readDeploymentFile(deployed, chainId);
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
