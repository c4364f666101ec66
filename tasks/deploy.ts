import { task } from "hardhat/config";

import { deployPkpSystem, chainIdOf } from "../src/chain/hardhat";
import { ignitionAddressesFile } from "../src/chain/deployment";
import { action, common, compileUnless, emit, label, title } from "./util";

common(
  task(
    "deploy",
    "Deploy the PKP contracts with Ignition (ignition/modules/PKPSystem.ts) and print their addresses",
  ),
  false,
)
  .addFlag("noCompile", "Do not compile the contracts first")
  .setAction(
    action(async (args: { json: boolean; noCompile: boolean }, hre) => {
      await compileUnless(args.noCompile, hre);
      const addresses = await deployPkpSystem(hre);
      const chainId = await chainIdOf(hre);
      const recorded =
        hre.network.name === "hardhat" ? null : ignitionAddressesFile(hre.config.paths.ignition, chainId);
      return emit(
        args.json,
        { network: hre.network.name, chainId: chainId.toString(), addresses, recorded },
        (r) => [
          title(`PKP contracts on ${r.network} (chain ${r.chainId})`),
          ...Object.entries(r.addresses).map(([name, address]) => `${label(name)}${address}`),
          r.recorded === null
            ? "(in-process chain: nothing recorded)"
            : `${label("recorded in")}${r.recorded}`,
        ],
      );
    }),
  );
