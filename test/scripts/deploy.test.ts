/**
 * scripts/deploy.ts: in this process on the in-process chain (the addresses have code, the file is
 * written, verification skipped), as `npx hardhat run` in its own process, and its refusal on a public
 * network without a deployer key. No traffic leaves 127.0.0.1: the public network's RPC URL is pointed
 * at a closed local port, and the script refuses before any call.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { vars } from "hardhat/config";

import { CONTRACTS, readDeploymentFile, type ContractKey } from "../../src/chain/deployment";
import { ChainError } from "../../src/chain/errors";
import { deploy } from "../../scripts/deploy";

const REPO = path.resolve(__dirname, "..", "..");
const CLI = require.resolve("hardhat/internal/cli/cli.js", { paths: [REPO] });

/** `npx hardhat run scripts/deploy.ts --no-compile --network <network>` in its own process. */
function runScript(network: string, env: NodeJS.ProcessEnv): { status: number | null; out: string } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.HARDHAT_NETWORK;
  delete childEnv.HARDHAT_VAR_DEPLOYER_PRIVATE_KEY;
  const r = spawnSync(
    process.execPath,
    [CLI, "run", "scripts/deploy.ts", "--no-compile", "--network", network],
    { cwd: REPO, env: childEnv, encoding: "utf8", timeout: 180_000 },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("scripts/deploy.ts", function () {
  this.timeout(300_000);

  it("deploys PKPSystem on the in-process chain, writes the file and skips verification", async () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "pkp-deploy-")), "deployment.json");
    const result = await deploy(hre, { out });
    expect(result.network).to.equal("hardhat");
    expect(result.chainId).to.equal(31337n);
    expect(result.recorded).to.equal(null);
    expect(result.verification).to.equal("skipped: development chain");
    expect(Object.keys(result.addresses).sort()).to.deep.equal(Object.keys(CONTRACTS).sort());
    for (const address of Object.values(result.addresses)) {
      expect(await hre.ethers.provider.getCode(address)).to.not.equal("0x");
    }
    expect(result.written).to.equal(out);
    const read = readDeploymentFile(out, 31337n);
    for (const key of Object.keys(CONTRACTS) as ContractKey[])
      expect(read[key]).to.equal(result.addresses[key]);
  });

  it("runs as `npx hardhat run scripts/deploy.ts --network hardhat`", () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "pkp-deploy-")), "deployment.json");
    const { status, out: printed } = runScript("hardhat", { PKP_DEPLOYMENT_OUT: out });
    expect(status, printed).to.equal(0);
    expect(printed).to.match(/PKP contracts on hardhat \(chain 31337\)/);
    expect(printed).to.match(/verification {3}skipped: development chain/);
    expect(existsSync(out)).to.equal(true);
    const read = readDeploymentFile(out, 31337n);
    expect(printed).to.include(read.pkpNft);
  });

  it("refuses a public network without DEPLOYER_PRIVATE_KEY, before any RPC call", function () {
    if (vars.has("DEPLOYER_PRIVATE_KEY")) this.skip(); // this machine has a deployer key configured
    const { status, out } = runScript("sepolia", { HARDHAT_VAR_SEPOLIA_RPC_URL: "http://127.0.0.1:9" });
    expect(status).to.equal(1);
    expect(out).to.include("error: no deployer account for network sepolia");
    expect(out).to.include("npx hardhat vars set DEPLOYER_PRIVATE_KEY");
  });

  it("refuses in process too, with a ChainError", async () => {
    const sepolia = { name: "sepolia", config: { ...hre.config.networks.sepolia, accounts: [] } };
    const fake = { ...hre, network: { ...hre.network, ...sepolia } } as typeof hre;
    let error: unknown;
    try {
      await deploy(fake);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ChainError);
    expect((error as Error).message).to.match(/^no deployer account for network sepolia/);
  });
});
