import { task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";

import { NetworkError } from "../src/network/errors";
import { startNetwork, type Network } from "../src/network/start";
import { PLUGIN, compileUnless, good, label, title, toJson } from "./util";

/** Waits for SIGINT or SIGTERM, then stops the network. */
export async function runUntilSignal(network: Network): Promise<NodeJS.Signals> {
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  await network.stop();
  return signal;
}

/** The port of Hardhat's `localhost` network (hardhat.config.ts). */
const LOCALHOST_PORT = 8545;

task("network:start", "Start a local network: a chain, the PKP contracts and N nodes, until Ctrl-C")
  .addOptionalParam("nodes", "Number of nodes (at least 4)", 4, types.int)
  .addOptionalParam("dataDir", "Directory for configs, node data, logs and network.json", ".data/network")
  .addOptionalParam("basePort", "First node port (default: free ports)", undefined, types.int)
  .addOptionalParam("rpcUrl", "Use this chain (first account unlocked) instead of starting one")
  .addOptionalParam(
    "chainPort",
    "Port of the embedded chain (default 8545 when free, so that --network localhost tasks reach it)",
    undefined,
    types.int,
  )
  .addOptionalParam("pkpKeys", "Routed PKP keys to keep in the pool", undefined, types.int)
  .addOptionalParam("presignatures", "Presignatures to keep in the pool", undefined, types.int)
  .addOptionalParam("ipfsGateway", "An IPFS gateway for the nodes (e.g. kubo's) instead of the local one")
  .addFlag("json", "Print network.json as one JSON document once ready")
  .addFlag("noCompile", "Do not compile the contracts first")
  .setAction(
    async (
      args: {
        nodes: number;
        dataDir: string;
        basePort?: number;
        rpcUrl?: string;
        chainPort?: number;
        pkpKeys?: number;
        presignatures?: number;
        ipfsGateway?: string;
        json: boolean;
        noCompile: boolean;
      },
      hre,
    ) => {
      await compileUnless(args.noCompile, hre);
      // Where `--network localhost` looks; another chain already there keeps it (another port instead).
      const chainPort = args.chainPort ?? (args.rpcUrl === undefined ? LOCALHOST_PORT : undefined);
      const chainPortFallback = args.chainPort === undefined;
      let network: Network;
      try {
        network = await startNetwork({
          nodes: args.nodes,
          dataDir: args.dataDir,
          basePort: args.basePort,
          chain: args.rpcUrl ?? "embedded",
          chainPort,
          chainPortFallback,
          pools: {
            ...(args.pkpKeys === undefined ? {} : { pkpKeys: args.pkpKeys }),
            ...(args.presignatures === undefined ? {} : { presignatures: args.presignatures }),
          },
          progress: args.json ? "lines" : "auto",
          ipfsGatewayUrl: args.ipfsGateway,
        });
      } catch (error) {
        if (error instanceof NetworkError) throw new HardhatPluginError(PLUGIN, error.message, error);
        throw error;
      }
      const { info } = network;
      if (args.json) console.log(toJson(info));
      else {
        console.log(
          [
            title(`pkp-network: ${info.n} nodes (t = ${info.t}, quorum ${info.quorum})`),
            `${label("rpc")}${info.rpcUrl} (chain ${info.chainId})`,
            `${label("staking")}${info.contracts.staking}`,
            `${label("pkp nft")}${info.contracts.pkpNft}`,
            `${label("ipfs gateway")}${info.ipfsGatewayUrl ?? "none"}`,
            ...info.nodes.map((x, i) => `${label(`node ${i + 1}`)}${x.url} ${x.nodeAddress} pid ${x.pid}`),
            `${label("network.json")}${network.dataDir}/network.json`,
            good("running; Ctrl-C stops every process"),
          ].join("\n"),
        );
      }
      const signal = await runUntilSignal(network);
      if (!args.json) console.log(`${signal}: stopped every node and the chain`);
      return info;
    },
  );

task("network:demo", "Start a 4-node network, mint a PKP, sign a message, send a transaction from it, stop")
  .addOptionalParam("nodes", "Number of nodes", 4, types.int)
  .addOptionalParam("dataDir", "Directory for the demo network (default: a fresh temporary one)")
  .addFlag("noCompile", "Do not compile the contracts first")
  .setAction(async (args: { nodes: number; dataDir?: string; noCompile: boolean }, hre) => {
    await compileUnless(args.noCompile, hre);
    const { runDemo } = await import("../src/network/demo");
    try {
      const result = await runDemo({ nodes: args.nodes, dataDir: args.dataDir });
      console.log(good(`done in ${result.seconds.toFixed(1)} s`));
      return result;
    } catch (error) {
      if (error instanceof NetworkError) throw new HardhatPluginError(PLUGIN, error.message, error);
      throw error;
    }
  });

/** `network:kill` / `network:restart`: one node of the network that `network:start` runs. */
async function controlTask(
  args: { node: number; dataDir: string; signal?: string },
  action: "kill" | "restart",
): Promise<void> {
  const { controlNode } = await import("../src/network/control");
  const { readNetworkFile } = await import("../src/network/networkFile");
  try {
    const info = readNetworkFile(args.dataDir);
    if (info.control === undefined)
      throw new NetworkError(
        `the network in ${args.dataDir} has no control endpoint: is network:start running?`,
      );
    const done = await controlNode(info.control, args.node, action, args.signal);
    const url = info.nodes[args.node - 1]?.url ?? "";
    console.log(
      action === "kill"
        ? good(`node ${args.node} (${url}) killed with ${done.signal}`)
        : good(`node ${args.node} (${url}) restarted and ready`),
    );
  } catch (error) {
    if (error instanceof NetworkError) throw new HardhatPluginError(PLUGIN, error.message, error);
    throw error;
  }
}

task("network:kill", "Kill one node of the running network (SIGKILL: a crash, not a shutdown)")
  .addParam("node", "The node, 1-based, as network:start lists them", undefined, types.int)
  .addOptionalParam("signal", "SIGKILL, SIGTERM, SIGINT, SIGSTOP (pause) or SIGCONT (resume)", "SIGKILL")
  .addOptionalParam("dataDir", "The network's directory (its network.json)", ".data/network")
  .setAction((args: { node: number; signal: string; dataDir: string }) => controlTask(args, "kill"));

task("network:restart", "Start a killed node of the running network again, on its port, with its data")
  .addParam("node", "The node, 1-based, as network:start lists them", undefined, types.int)
  .addOptionalParam("dataDir", "The network's directory (its network.json)", ".data/network")
  .setAction((args: { node: number; dataDir: string }) => controlTask(args, "restart"));
