/**
 * Chains by name for actions (`getRpcUrl`, `getLatestNonce`, `callContract`): the node's configured
 * chains and its own chain. Providers are made once per (chain, URL) and kept for the process.
 */
import { JsonRpcProvider, Transaction } from "ethers";

import type { Capabilities, Capability } from "../sandbox";
import { CapabilityError, addressArg, params } from "./args";
import type { ActionNode, RunContext } from "./context";
import { destroyDecryptionResources } from "./decryption";

/** Chains by name: the configured ones, and the node's own chain ("hardhat" unless configured by name). */
export function chainsOf(
  node: Pick<ActionNode, "config">,
): Record<string, { rpcUrl: string; chainId: number }> {
  const chains: Record<string, { rpcUrl: string; chainId: number }> = { ...node.config.chains };
  if (!Object.values(chains).some((c) => c.chainId === node.config.chainId) && chains.hardhat === undefined)
    chains.hardhat = { rpcUrl: node.config.rpcUrl, chainId: node.config.chainId };
  return chains;
}

const providers = new Map<string, JsonRpcProvider>();
function providerFor(rpcUrl: string, chainId: number): JsonRpcProvider {
  const key = `${chainId}@${rpcUrl}`;
  let p = providers.get(key);
  if (p === undefined) {
    p = new JsonRpcProvider(rpcUrl, chainId, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
    providers.set(key, p);
  }
  return p;
}

/** Stops the providers made for actions' chain calls. */
export function destroyChainProviders(): void {
  for (const p of providers.values()) p.destroy();
  providers.clear();
  destroyDecryptionResources();
}

function chainArg(
  node: Pick<ActionNode, "config">,
  value: unknown,
  fn: string,
): { name: string; rpcUrl: string; chainId: number } {
  const chains = chainsOf(node);
  if (typeof value !== "string" || !Object.prototype.hasOwnProperty.call(chains, value))
    throw new CapabilityError(
      `${fn}: unknown chain ${JSON.stringify(value)}; this node knows ${Object.keys(chains).join(", ")}`,
    );
  return { name: value, ...chains[value] };
}

export function chainCapabilities(ctx: RunContext): Capabilities {
  const node = ctx.node;
  const getRpcUrl: Capability = async (args) =>
    chainArg(node, params(args, "getRpcUrl").chain, "getRpcUrl").rpcUrl;
  const getLatestNonce: Capability = async (args) => {
    const p = params(args, "getLatestNonce");
    const chain = chainArg(node, p.chain, "getLatestNonce");
    const nonce = await providerFor(chain.rpcUrl, chain.chainId).getTransactionCount(
      addressArg(p.address, "getLatestNonce"),
      "latest",
    );
    return "0x" + nonce.toString(16);
  };
  const callContract: Capability = async (args) => {
    const p = params(args, "callContract");
    const chain = chainArg(node, p.chain, "callContract");
    if (typeof p.txn !== "string")
      throw new CapabilityError("callContract: txn must be a serialized transaction (hex)");
    let tx: Transaction;
    try {
      tx = Transaction.from(p.txn);
    } catch (e) {
      throw new CapabilityError(`callContract: txn is not a serialized transaction: ${(e as Error).message}`);
    }
    if (tx.to === null) throw new CapabilityError("callContract: txn has no recipient");
    return providerFor(chain.rpcUrl, chain.chainId).call({
      to: tx.to,
      data: tx.data,
      ...(tx.isSigned() ? { from: tx.from } : {}),
    });
  };

  return { getRpcUrl, getLatestNonce, callContract };
}
