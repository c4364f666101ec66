/** `<dataDir>/network.json`: what a started network is (read by the tasks, the SDK's callers and tests). */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

import { addressSchema, contractAddressesSchema } from "../protocol/addresses";
import { NetworkError } from "./errors";

export const networkInfoSchema = z.object({
  rpcUrl: z.string().url(),
  chainId: z.number().int().positive(),
  contracts: contractAddressesSchema,
  nodes: z
    .array(
      z.object({
        url: z.string().url(),
        nodeAddress: addressSchema,
        pid: z.number().int(),
        dataDir: z.string(),
      }),
    )
    .min(1),
  n: z.number().int().positive(),
  t: z.number().int().min(0),
  quorum: z.number().int().positive(),
  /** Process id of the embedded chain; null when the network uses an external RPC. */
  chainPid: z.number().int().nullable().default(null),
  startedAt: z.string(),
  /**
   * The IPFS gateway the nodes fetch actions named by `ipfsId` from (`GET <url>/ipfs/<cid>`); the local
   * one started by network:start also takes kubo's `POST <url>/api/v0/add` (action:publish). Absent in
   * network.json files written before the gateway existed.
   */
  ipfsGatewayUrl: z.string().url().optional(),
  /**
   * The launcher's control endpoint (src/network/control.ts) and its token: `network:kill` and
   * `network:restart` use it. Absent for a network whose launcher has stopped, or an older file.
   */
  control: z.object({ url: z.string().url(), token: z.string().min(16) }).optional(),
});

export type NetworkInfo = z.output<typeof networkInfoSchema>;

export const NETWORK_FILE = "network.json";

export function networkFilePath(dataDir: string): string {
  return path.join(dataDir, NETWORK_FILE);
}

/** Reads and validates `<dataDir>/network.json`. */
export function readNetworkFile(dataDir: string): NetworkInfo {
  const file = networkFilePath(dataDir);
  if (!existsSync(file)) {
    throw new NetworkError(`no network.json in ${dataDir}`, {
      details: ["start a network with network:start"],
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new NetworkError(`${file} is not JSON`, { cause });
  }
  const parsed = networkInfoSchema.safeParse(json);
  if (!parsed.success) {
    throw new NetworkError(`malformed ${file}`, {
      details: parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`),
    });
  }
  return parsed.data;
}
