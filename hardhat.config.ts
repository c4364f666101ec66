import path from "node:path";
import { subtask, vars } from "hardhat/config";
import type { HardhatUserConfig } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";

import "./tasks";
import { unhandledRejectionHooks } from "./test/helpers/unhandledRejections";

/** The exact compiler we ship with; the `solc` npm package at this version is a devDependency. */
export const SOLC_VERSION = "0.8.28";

// Hardhat cannot download compilers on machines without internet access: use the solc-js build
// from the `solc` npm package, which is pinned to SOLC_VERSION in package.json.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solcPackage = require("solc/package.json") as { version: string };
  if (solcPackage.version !== SOLC_VERSION) {
    throw new Error(`solc npm package is ${solcPackage.version}, expected ${SOLC_VERSION}; run npm ci`);
  }
  const compilerPath = path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js");
  return {
    compilerPath,
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: `${SOLC_VERSION}+commit.7893614a`,
  };
});

/** Configuration variables (`npx hardhat vars set NAME`), never committed values. */
function rpc(name: string, fallback: string): string {
  return vars.has(name) ? vars.get(name) : fallback;
}
function accounts(): string[] {
  return vars.has("DEPLOYER_PRIVATE_KEY") ? [vars.get("DEPLOYER_PRIVATE_KEY")] : [];
}

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      viaIR: false,
    },
  },
  networks: {
    hardhat: {
      chainId: 31337,
      // Keep block gas high enough for batched key routing.
      blockGasLimit: 60_000_000,
    },
    localhost: { url: "http://127.0.0.1:8545", chainId: 31337 },
    sepolia: {
      url: rpc("SEPOLIA_RPC_URL", "https://rpc.sepolia.org"),
      chainId: 11155111,
      accounts: accounts(),
    },
    baseSepolia: {
      url: rpc("BASE_SEPOLIA_RPC_URL", "https://sepolia.base.org"),
      chainId: 84532,
      accounts: accounts(),
    },
    yellowstone: {
      url: rpc("YELLOWSTONE_RPC_URL", "https://yellowstone-rpc.litprotocol.com"),
      chainId: 175188,
      accounts: accounts(),
    },
  },
  etherscan: {
    apiKey: {
      sepolia: vars.has("ETHERSCAN_API_KEY") ? vars.get("ETHERSCAN_API_KEY") : "",
      baseSepolia: vars.has("BASESCAN_API_KEY") ? vars.get("BASESCAN_API_KEY") : "",
      yellowstone: "empty",
    },
    customChains: [
      {
        network: "yellowstone",
        chainId: 175188,
        urls: {
          apiURL: "https://yellowstone-explorer.litprotocol.com/api",
          browserURL: "https://yellowstone-explorer.litprotocol.com",
        },
      },
    ],
  },
  sourcify: { enabled: false },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    currency: "USD",
    outputFile: process.env.REPORT_GAS_FILE,
    noColors: process.env.REPORT_GAS_FILE !== undefined,
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  // A promise rejection nobody handles fails the run (test/helpers/unhandledRejections.ts).
  mocha: { timeout: 120_000, rootHooks: unhandledRejectionHooks },
};

export default config;
