/**
 * The main demonstration: a 4-node network on the embedded chain, a PKP minted from the pool of keys
 * the nodes made by DKG, a message signed with it, its address funded, a transaction sent from it,
 * every step printed, then everything stopped.
 */
import os from "node:os";
import path from "node:path";
import { mkdtempSync } from "node:fs";
import { Wallet, formatEther, parseEther, verifyMessage } from "ethers";

import { mintNext } from "../chain/pkp";
import { openNetwork, pkpSignerFor } from "./open";
import { startNetwork, type Network, type StartNetworkOptions } from "./start";

export interface DemoOptions {
  nodes?: number;
  dataDir?: string;
  /** Where each step is printed (default console.log). */
  print?: (line: string) => void;
  progress?: StartNetworkOptions["progress"];
}

export interface DemoResult {
  nodes: number;
  tokenId: string;
  pkpAddress: string;
  message: string;
  signature: string;
  txHash: string;
  blockNumber: number;
  seconds: number;
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const started = Date.now();
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "pkp-demo-"));
  const n = options.nodes ?? 4;
  print(`1. starting a network of ${n} nodes (chain, contracts, node processes) in ${dataDir}`);
  let network: Network | undefined;
  try {
    network = await startNetwork({ nodes: n, dataDir, progress: options.progress ?? "auto" });
    const { info } = network;
    print(`   chain ${info.rpcUrl}, Staking ${info.contracts.staking}, t = ${info.t}, quorum ${info.quorum}`);
    for (const node of info.nodes) print(`   node ${node.url} ${node.nodeAddress} (pid ${node.pid})`);

    const net = await openNetwork(info, { from: 1 });
    const user = await net.signer.getAddress();
    print(
      `2. connected: ${net.client.connectedUrls.length}/${net.client.n} nodes answered the handshake; user ${user}`,
    );

    const minted = await mintNext(net.contracts);
    print(`3. minted PKP ${minted.tokenId}`);
    print(`   public key ${minted.pubkey}`);
    print(`   address    ${minted.ethAddress} (tx ${minted.txHash})`);

    const signer = await pkpSignerFor(net, BigInt(minted.tokenId));
    const message = "Hello from a PKP on pkp-network";
    const signature = await signer.signMessage(message);
    const recovered = verifyMessage(message, signature);
    print(`4. signed "${message}"`);
    print(`   signature  ${signature}`);
    print(
      `   nodes      ${signer.lastSignature!.signingSet.join(", ")} (request ${signer.lastSignature!.requestId})`,
    );
    print(
      `   recovers to ${recovered} ${recovered === minted.ethAddress ? "(the PKP's address)" : "(MISMATCH)"}`,
    );
    if (recovered !== minted.ethAddress)
      throw new Error("the signature does not recover to the PKP's address");

    const fund = await net.signer.sendTransaction({ to: minted.ethAddress, value: parseEther("1") });
    await fund.wait();
    print(`5. funded ${minted.ethAddress} with 1 ETH (tx ${fund.hash})`);

    const to = Wallet.createRandom().address;
    const tx = await signer.sendTransaction({ to, value: parseEther("0.1") });
    const receipt = await tx.wait();
    if (receipt === null || receipt.status !== 1) throw new Error(`transaction ${tx.hash} failed`);
    print(`6. sent 0.1 ETH from the PKP to ${to}`);
    print(`   tx ${tx.hash} mined in block ${receipt.blockNumber}`);
    print(
      `   PKP balance ${formatEther(await net.provider.getBalance(minted.ethAddress))} ETH, recipient ${formatEther(await net.provider.getBalance(to))} ETH`,
    );

    const seconds = (Date.now() - started) / 1000;
    return {
      nodes: n,
      tokenId: minted.tokenId,
      pkpAddress: minted.ethAddress,
      message,
      signature,
      txHash: tx.hash,
      blockNumber: receipt.blockNumber,
      seconds,
    };
  } finally {
    if (network) {
      await network.stop();
      print(`7. stopped every node and the chain`);
    }
  }
}
