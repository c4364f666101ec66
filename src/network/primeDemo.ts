/**
 * The main demonstration, the prime-number certificate: a network of N nodes, the action
 * examples/prime/action.js published to the network's IPFS gateway, a PKP made by
 * `mintGrantAndBurnNext` for that action alone, the action run on every node by CID for a prime
 * (the nodes sign it) and for a non-prime (they do not), and the certificate verified from the
 * chain alone. Every step is printed; a network the demo started is stopped at the end.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { verifyMessage } from "ethers";

import { cidOf } from "../protocol/cid";
import { mintGrantAndBurn } from "../chain/pkp";
import { executeJs } from "../sdk/executeJs";
import { verifyProof, type VerifyProofReturnType } from "../sdk/proof";
import { getSessionSigs, litActionResource, requestAbility } from "../sdk/session";
import { NetworkError } from "./errors";
import { publishToGateway } from "./gateway";
import type { NetworkInfo } from "./networkFile";
import { openNetwork } from "./open";
import { startNetwork, type Network, type StartNetworkOptions } from "./start";

/** The action the demo publishes: its bytes, hence its CID, are those of this file. */
export const PRIME_ACTION_FILE = path.resolve(__dirname, "..", "..", "examples", "prime", "action.js");

/** A prime and a non-prime (7917 = 3 · 7 · 13 · 29) next to it. */
export const PRIME_DEMO_NUMBERS: readonly string[] = ["7919", "7917"];

export interface PrimeDemoOptions {
  /** Nodes of the network the demo starts (default 4). */
  nodes?: number;
  /** Where the started network keeps its files (default: a fresh temporary directory). */
  dataDir?: string;
  /** A running network to use instead of starting one (it is left running). */
  network?: Network | NetworkInfo;
  /** The numbers to run the action for, as decimal strings (default 7919 and 7917). */
  numbers?: readonly string[];
  /** Where each step is printed (default console.log). */
  print?: (line: string) => void;
  progress?: StartNetworkOptions["progress"];
  /**
   * Per-node timeout of each action run (default 180 s: a node's first run starts its sandbox
   * workers, which takes a minute on a loaded machine).
   */
  executeTimeoutMs?: number;
}

export interface PrimeDemoRun {
  number: string;
  /** What the action answered (null when it refused the input). */
  prime: boolean | null;
  /** The PKP's EIP-191 signature over the number's decimal string; null when the action did not sign. */
  signature: string | null;
}

export interface PrimeDemoResult {
  nodes: number;
  /** Nodes whose shares make a signature (2t+1). */
  threshold: number;
  tokenId: string;
  pubkey: string;
  pkpAddress: string;
  actionCid: string;
  runs: PrimeDemoRun[];
  /** The verification of the first certificate (null when no number was signed). */
  proof: VerifyProofReturnType | null;
}

const networkInfo = (network: Network | NetworkInfo): NetworkInfo =>
  "info" in network ? network.info : network;

export async function runPrimeDemo(options: PrimeDemoOptions = {}): Promise<PrimeDemoResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const numbers = options.numbers ?? PRIME_DEMO_NUMBERS;
  if (numbers.length === 0) throw new NetworkError("the demo needs at least one number");
  const code = readFileSync(PRIME_ACTION_FILE);

  let started: Network | undefined;
  /** The directory the demo made for its network: removed after a successful run, kept (with the logs) otherwise. */
  let temporaryDir: string | undefined;
  let succeeded = false;
  let info: NetworkInfo;
  if (options.network !== undefined) {
    info = networkInfo(options.network);
    print(`1. using the running network of ${info.n} nodes (t = ${info.t}, quorum ${info.quorum})`);
  } else {
    const n = options.nodes ?? 4;
    // Checked here too (startNetwork refuses the same), so that no temporary directory is left behind.
    if (!Number.isInteger(n) || n < 4 || n > 64)
      throw new NetworkError(`nodes must be an integer in 4..64, got ${n}`);
    const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "pkp-prime-"));
    if (options.dataDir === undefined) temporaryDir = dataDir;
    print(
      `1. starting a network of ${n} nodes (chain, contracts, IPFS gateway, node processes) in ${dataDir}`,
    );
    started = await startNetwork({ nodes: n, dataDir, progress: options.progress ?? "auto" });
    info = started.info;
    print(`   chain ${info.rpcUrl}, t = ${info.t}, quorum ${info.quorum}`);
    for (const node of info.nodes) print(`   node ${node.url} ${node.nodeAddress} (pid ${node.pid})`);
  }
  let net: Awaited<ReturnType<typeof openNetwork>> | undefined;
  try {
    if (info.ipfsGatewayUrl === undefined) throw new NetworkError("the network has no IPFS gateway");
    net = await openNetwork(info, { from: 1 });

    // 2. Publish: the gateway stores the code under the CID `ipfs add` would give it.
    const published = await publishToGateway(info.ipfsGatewayUrl, code, { name: "action.js" });
    const cid = await cidOf(code);
    if (published.cid !== cid)
      throw new NetworkError(`the gateway stored the action as ${published.cid}, expected ${cid}`);
    print(
      `2. published ${path.relative(process.cwd(), PRIME_ACTION_FILE)} (${code.length} bytes) to the IPFS gateway`,
    );
    print(`   cid ${cid}  ${info.ipfsGatewayUrl}/ipfs/${cid}`);

    // 3. One transaction mints the PKP, permits this action alone and burns the token.
    const pkp = await mintGrantAndBurn(net.contracts, { cid });
    print(`3. mintGrantAndBurnNext: PKP minted, permitted only ${cid}, and burned, in one transaction`);
    print(`   token id   ${pkp.tokenId}`);
    print(`   public key ${pkp.pubkey}`);
    print(`   address    ${pkp.ethAddress}`);
    print(`   tx         ${pkp.txHash} (block ${pkp.blockNumber}, owner now: ${pkp.owner})`);

    // 4. Run the action by CID on every node: the nodes fetch the code from the gateway and check its hash.
    const { sessionSigs } = await getSessionSigs({
      signer: net.signer,
      nodeUrls: net.client.nodes.map((node) => node.url),
      latestBlockhash: net.client.latestBlockhash,
      resourceAbilityRequests: [requestAbility(litActionResource(cid), "lit-action-execution")],
      expiration: new Date(Date.now() + 10 * 60 * 1000),
    });
    const runs: PrimeDemoRun[] = [];
    let step = 4;
    for (const number of numbers) {
      const result = await executeJs({
        client: net.client,
        sessionSigs,
        ipfsId: cid,
        jsParams: { number, publicKey: pkp.pubkey },
        timeoutMs: options.executeTimeoutMs ?? 180_000,
      });
      const response = result.response as { prime?: unknown; error?: unknown } | string;
      const prime =
        typeof response === "object" && response !== null && typeof response.prime === "boolean"
          ? response.prime
          : null;
      const signed = result.signatures.prime;
      print(
        `${step}. ran the action for ${number} on every node (request ${result.requestId}, ${result.agreed} of ${net.client.n} nodes agree)`,
      );
      print(`   response  ${result.responseText}`);
      if (signed === undefined) {
        print(`   no signature: the action did not sign ${number}`);
      } else {
        const recovered = verifyMessage(number, signed.signature);
        print(`   signature ${signed.signature}`);
        print(
          `   from the shares of nodes ${signed.signingSet.join(", ")}; recovers to ${recovered}${
            recovered === pkp.ethAddress ? " (the PKP's address)" : " (NOT the PKP's address)"
          }`,
        );
      }
      runs.push({ number, prime, signature: signed?.signature ?? null });
      step += 1;
    }

    // The certificate, checked from the chain alone (no node is asked anything).
    const certificate = runs.find((run) => run.signature !== null);
    let proof: VerifyProofReturnType | null = null;
    if (certificate === undefined) {
      print(`${step}. no number was signed: there is no certificate to verify`);
    } else {
      proof = await verifyProof({
        provider: net.provider,
        contracts: info.contracts,
        message: certificate.number,
        signature: certificate.signature!,
        tokenId: pkp.tokenId,
        cid,
        code,
      });
      print(`${step}. verified the certificate ("${certificate.number}", signature) from the chain alone:`);
      for (const check of proof.checks) print(`   ${check.pass ? "✓" : "✗"} ${check.name}: ${check.detail}`);
      print(`   ${proof.valid ? `VALID: ${certificate.number} is prime` : "INVALID"}`);
      const other = runs.find((run) => run.signature === null);
      if (other !== undefined) {
        const forged = await verifyProof({
          provider: net.provider,
          contracts: info.contracts,
          message: other.number,
          signature: certificate.signature!,
          tokenId: pkp.tokenId,
          cid,
        });
        const failed = forged.checks.filter((check) => !check.pass).map((check) => check.name);
        print(
          `   the same signature presented for ${other.number}: ${forged.valid ? "VALID (unexpected)" : `INVALID (${failed.join(", ")})`}`,
        );
      }
    }

    succeeded = true;
    return {
      nodes: info.n,
      threshold: info.quorum,
      tokenId: pkp.tokenId,
      pubkey: pkp.pubkey,
      pkpAddress: pkp.ethAddress,
      actionCid: cid,
      runs,
      proof,
    };
  } finally {
    net?.provider.destroy();
    if (started !== undefined) {
      await started.stop();
      print("   stopped every node, the chain and the gateway");
      if (temporaryDir !== undefined && succeeded) rmSync(temporaryDir, { recursive: true, force: true });
    }
  }
}
