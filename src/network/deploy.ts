/**
 * Deploys `ignition/modules/PKPSystem.ts` through Hardhat Ignition's deployment engine, against any
 * JSON-RPC URL whose first account is unlocked (the embedded chain, or a `hardhat node` already
 * running). Artifacts are read from the compiled `artifacts/` directory; Ignition's journal goes to
 * `deploymentDir` so that the deployment can be inspected (or resumed) like any Ignition deployment.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  deploy,
  DeploymentResultType,
  type Artifact,
  type ArtifactResolver,
  type BuildInfo,
  type EIP1193Provider,
} from "@nomicfoundation/ignition-core";
import { getAddress } from "ethers";

import { request } from "../transport";
import { CONTRACTS, type ContractKey, type DeploymentAddresses } from "../chain/deployment";
import { REPO_ROOT } from "./chain";
import { NetworkError } from "./errors";

/** Reads `artifacts/contracts/<Name>.sol/<Name>.json` (the contracts must be compiled). */
export class FileArtifactResolver implements ArtifactResolver {
  constructor(private readonly artifactsDir = path.join(REPO_ROOT, "artifacts")) {}

  loadArtifact(contractName: string): Promise<Artifact> {
    const file = path.join(this.artifactsDir, "contracts", `${contractName}.sol`, `${contractName}.json`);
    if (!existsSync(file)) {
      return Promise.reject(
        new NetworkError(`no artifact for ${contractName}`, {
          details: [`${file}: run npx hardhat compile`],
        }),
      );
    }
    return Promise.resolve(JSON.parse(readFileSync(file, "utf8")) as Artifact);
  }

  getBuildInfo(): Promise<BuildInfo | undefined> {
    return Promise.resolve(undefined);
  }
}

/** An EIP-1193 provider over plain JSON-RPC (fetch). */
export function eip1193(rpcUrl: string): EIP1193Provider {
  let id = 0;
  return {
    async request({ method, params }: { method: string; params?: unknown[] | object }) {
      const res = await request(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
        timeoutMs: 120_000,
      });
      const body = JSON.parse(res.body.toString("utf8")) as {
        result?: unknown;
        error?: { code: number; message: string; data?: unknown };
      };
      if (body.error) {
        const error = new Error(body.error.message) as Error & { code?: number; data?: unknown };
        error.code = body.error.code;
        error.data = body.error.data;
        throw error;
      }
      return body.result;
    },
  };
}

export interface DeployOptions {
  rpcUrl: string;
  /** The sending account (unlocked at the RPC); default: the chain's first account. */
  from?: string;
  /** Ignition's journal directory; omit for an in-memory deployment. */
  deploymentDir?: string;
  /** Module parameters of PKPSystem (mintCost, epochLength, epochTimeout). */
  parameters?: Record<string, bigint | number | string>;
}

/** Deploys PKPSystem and returns the six addresses. */
export async function deployPkpSystem(options: DeployOptions): Promise<DeploymentAddresses> {
  const provider = eip1193(options.rpcUrl);
  const accounts = (await provider.request({ method: "eth_accounts" })) as string[];
  const from = options.from ?? accounts[0];
  if (from === undefined)
    throw new NetworkError(`the RPC at ${options.rpcUrl} has no unlocked account to deploy from`);
  const { default: PKPSystem } = await import("../../ignition/modules/PKPSystem");
  const result = await deploy({
    artifactResolver: new FileArtifactResolver(),
    provider,
    deploymentDir: options.deploymentDir,
    ignitionModule: PKPSystem,
    deploymentParameters: options.parameters ? { PKPSystem: options.parameters } : {},
    accounts,
    defaultSender: from,
    config: { requiredConfirmations: 1 },
  });
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    throw new NetworkError(`deploying PKPSystem failed: ${result.type}`, {
      details: describeFailure(result as unknown as Record<string, unknown>),
    });
  }
  const addresses = {} as Record<ContractKey, string>;
  for (const [key, futureId] of Object.entries(CONTRACTS) as [ContractKey, string][]) {
    const contract = result.contracts[key] ?? result.contracts[`PKPSystem#${futureId}`];
    if (contract === undefined) throw new NetworkError(`the PKPSystem module returned no ${key}`);
    addresses[key] = getAddress(contract.address);
  }
  return addresses;
}

function describeFailure(result: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(result)) {
    if (key === "type") continue;
    out.push(`${key}: ${JSON.stringify(value)}`);
  }
  return out;
}
