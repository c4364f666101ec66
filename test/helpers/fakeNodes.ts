/**
 * Nodes played by HTTP servers on 127.0.0.1, for the SDK's unit tests (test/sdk/): a server per node
 * whose request handler the test writes, its JSON answers, placeholder session signatures (the fake
 * nodes do not check them), the `NetworkClient` the SDK is handed instead of `connect()`'s, and a
 * Shamir-shared secp256k1 key with presignatures for the threshold-ECDSA fakes.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { computeAddress, hexlify } from "ethers";

import { secp256k1Group } from "../../src/crypto/group";
import { evaluate, randomPolynomial } from "../../src/crypto/polynomial";
import { runPresignLocally, type EcdsaKeyShare, type Presignature } from "../../src/crypto/ecdsa";
import type { NetworkClient, SessionSig } from "../../src/sdk";

/** Starts a server on 127.0.0.1 (a free port) that answers with `handler`. */
export async function listenLocal(
  handler: http.RequestListener,
): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Closes every server. */
export async function closeAll(servers: readonly http.Server[]): Promise<void> {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
}

/** Answers `json` with `status`. */
export function replyJson(res: http.ServerResponse, status: number, json: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(json));
}

/** A session signature of the right shape, `sig` as given; fake nodes accept it unchecked. */
export function placeholderSessionSig(sig = "00"): SessionSig {
  return { sig, derivedVia: "litSessionSignViaNacl", signedMessage: "{}", address: "00", algo: "ed25519" };
}

/**
 * The client the SDK functions take, for `nodes` (every one connected) with threshold `t`: quorum and
 * minNodeCount 2t + 1, epoch 1; `extra` adds or overrides fields (network keys, blockhash, …).
 */
export function fakeClient(
  nodes: readonly { url: string; index: number; nodeAddress: string }[],
  t: number,
  extra: Record<string, unknown> = {},
): NetworkClient {
  return {
    nodes: nodes.map((x) => ({ url: x.url, nodeAddress: x.nodeAddress, index: x.index })),
    connectedUrls: nodes.map((x) => x.url),
    n: nodes.length,
    t,
    quorum: 2 * t + 1,
    minNodeCount: 2 * t + 1,
    epoch: { number: 1n, epochLength: 3600n, endTime: 0n },
    ...extra,
  } as unknown as NetworkClient;
}

export interface SharedEcdsaKey {
  /** Node index → its share of the key. */
  keys: Map<number, EcdsaKeyShare>;
  /** The uncompressed public key, 0x-hex, and its Ethereum address. */
  pubkey: string;
  address: string;
  /** `presignatures` rounds of the real presigning protocol: node index → its presignature. */
  pool: Map<number, Presignature>[];
}

/** A secp256k1 key Shamir-shared among nodes 1..n (degree t), and a pool of presignatures. */
export function sharedEcdsaKey(n: number, t: number, presignatures: number): SharedEcdsaKey {
  const G = secp256k1Group.G;
  const poly = randomPolynomial(secp256k1Group, t);
  const Y = G.multiply(poly[0]);
  const publicKeyShares = new Map<number, typeof Y>();
  for (let i = 1; i <= n; i++) publicKeyShares.set(i, G.multiply(evaluate(secp256k1Group, poly, BigInt(i))));
  const keys = new Map<number, EcdsaKeyShare>();
  for (let i = 1; i <= n; i++) {
    keys.set(i, {
      index: i,
      secretShare: evaluate(secp256k1Group, poly, BigInt(i)),
      publicKey: Y,
      publicKeyShares,
    });
  }
  const pubkey = hexlify(Y.toRawBytes(false));
  const pool: Map<number, Presignature>[] = [];
  for (let k = 0; k < presignatures; k++) pool.push(new Map(runPresignLocally(n, { t }).presignatures));
  return { keys, pubkey, address: computeAddress(pubkey), pool };
}
