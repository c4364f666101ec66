/**
 * A node's configuration file (JSON, written by the launcher with mode 0600 into the node's data
 * directory), validated with zod (docs/spec/network.md, "The node").
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { nodeContractAddressesSchema } from "../protocol/addresses";

export const nodeConfigSchema = z.object({
  host: z.string().min(1).default("127.0.0.1"),
  port: z.number().int().min(1).max(65535),
  dataDir: z
    .string()
    .min(1)
    .refine((p) => path.isAbsolute(p), "dataDir must be an absolute path"),
  nodePrivateKey: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "nodePrivateKey must be 0x followed by 64 hex"),
  rpcUrl: z.string().url(),
  chainId: z.number().int().positive(),
  contracts: nodeContractAddressesSchema,
  pools: z
    .object({
      pkpKeys: z.number().int().min(0).max(10_000).default(4),
      /** The network's pool: each node keeps ceil(presignatures / N) of its own. */
      presignatures: z.number().int().min(0).max(100_000).default(64),
      keyBatch: z.number().int().min(1).max(64).default(4),
      presignatureBatch: z.number().int().min(1).max(256).default(16),
    })
    .default({}),
  timeouts: z
    .object({
      peerMs: z.number().int().min(10).max(600_000).default(5000),
      roundMs: z.number().int().min(10).max(600_000).default(15000),
      /** How long a signing request waits for its leader's pool to refill when it has none to give. */
      presignWaitMs: z.number().int().min(0).max(600_000).default(20000),
    })
    .default({}),
  /**
   * An IPFS HTTP gateway (`GET <url>/ipfs/<cid>` returns the raw bytes), where actions named by
   * `ipfsId` are fetched; the node refuses bytes that do not hash to the CID. Absent: only inline code.
   */
  ipfsGatewayUrl: z.string().url().optional(),
  /**
   * Chains by name for Lit Actions (`getRpcUrl`, `getLatestNonce`, `callContract`) and access control
   * conditions. The node's own chain is always there under its name here or, if absent, "hardhat".
   */
  chains: z
    .record(
      z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "chain names are 1-64 letters, digits, _ or -"),
      z.object({ rpcUrl: z.string().url(), chainId: z.number().int().positive() }),
    )
    .default({}),
  /**
   * Addresses a Lit Action's `fetch` may reach although the policy refuses private/loopback ones
   * (`host:port` or host), e.g. a test server on 127.0.0.1.
   */
  fetchAllow: z.array(z.string().min(1).max(300)).max(100).default([]),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type NodeConfig = z.output<typeof nodeConfigSchema>;
export type NodeConfigInput = z.input<typeof nodeConfigSchema>;

/** Validates a parsed config; throws an Error listing every invalid field. */
export function parseNodeConfig(value: unknown): NodeConfig {
  const result = nodeConfigSchema.safeParse(value);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join(".") || "(config)"}: ${i.message}`);
    throw new Error(`invalid node config:\n  ${lines.join("\n  ")}`);
  }
  return result.data;
}

/** Reads and validates a config file. */
export function loadNodeConfig(file: string): NodeConfig {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`cannot read node config ${file}: ${(e as Error).message}`);
  }
  return parseNodeConfig(value);
}
