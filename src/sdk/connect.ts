/**
 * Connecting to a network: the validators from Staking (`getActiveUnkickedValidatorStructsAndCounts`,
 * the one read Lit's client makes), a handshake with every node, and the majority view of the keys
 * and the latest block hash.
 */
import { randomBytes } from "node:crypto";
import { Contract, getAddress, type Provider } from "ethers";

import { InvalidArgumentError, QuorumNotReachedError, SdkError, type NodeFailure } from "./errors";
import { newRequestId, postJson } from "./http";
import { jsonRpcProvider } from "./provider";
import { ROUTES, STAKING_ABI, type HandshakeResponse } from "../protocol";

export { STAKING_ABI };

/** What a node answers on `/web/handshake/` (src/protocol/wire.ts). */
export type HandshakeResult = HandshakeResponse;

export interface ValidatorNode {
  url: string;
  nodeAddress: string;
  /** The Shamir x-coordinate: 1-based position among the validators sorted by node address. */
  index: number;
}

export interface ConnectParameters {
  /** The chain's JSON-RPC URL, or a provider. */
  rpcUrl?: string;
  provider?: Provider;
  /** Staking's address. */
  staking: string;
  /** Per-node timeout of the handshake (default 10 s). */
  timeoutMs?: number;
}

export interface ConnectReturnType {
  provider: Provider;
  staking: string;
  epoch: { number: bigint; epochLength: bigint; endTime: bigint };
  /** Every validator of the current epoch, in index order. */
  nodes: ValidatorNode[];
  /** Node URLs that answered the handshake. */
  connectedUrls: string[];
  n: number;
  t: number;
  /** 2t+1: shares needed for a signature; equals Staking's minNodeCount. */
  quorum: number;
  minNodeCount: number;
  subnetPublicKey: string;
  networkPublicKey: string;
  networkPublicKeySet: string;
  latestBlockhash: string;
  handshakes: Record<string, HandshakeResult>;
  failures: NodeFailure[];
}

/** The network's view of itself, needed by every other action (alias for readability). */
export type NetworkClient = ConnectReturnType;

export function ipToString(ip: bigint | number): string {
  const v = Number(ip);
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
}

/** The value most entries hold, with its count. */
export function majority<T>(
  values: readonly T[],
  key: (v: T) => string = String,
): { value: T; count: number } | undefined {
  const counts = new Map<string, { value: T; count: number }>();
  for (const v of values) {
    const k = key(v);
    const entry = counts.get(k) ?? { value: v, count: 0 };
    entry.count++;
    counts.set(k, entry);
  }
  let best: { value: T; count: number } | undefined;
  for (const e of counts.values()) if (best === undefined || e.count > best.count) best = e;
  return best;
}

export async function connect(p: ConnectParameters): Promise<ConnectReturnType> {
  const provider = p.provider ?? (p.rpcUrl ? jsonRpcProvider(p.rpcUrl) : undefined);
  if (provider === undefined) throw new InvalidArgumentError("rpcUrl", "give rpcUrl or provider");
  const stakingAddress = getAddress(p.staking);
  const staking = new Contract(stakingAddress, STAKING_ABI, provider);
  let read: [
    { epochLength: bigint; number: bigint; endTime: bigint },
    bigint,
    { ip: bigint; port: bigint; nodeAddress: string }[],
  ];
  try {
    read = (await staking.getActiveUnkickedValidatorStructsAndCounts()) as typeof read;
  } catch (cause) {
    throw new SdkError(`cannot read the validators from Staking at ${stakingAddress}`, { cause });
  }
  const [epoch, minNodeCountRaw, validators] = read;
  const minNodeCount = Number(minNodeCountRaw);
  if (validators.length === 0) throw new SdkError("Staking lists no validators in the current epoch");
  if (minNodeCount === 0 || minNodeCount > validators.length) {
    throw new SdkError(`Staking's minNodeCount ${minNodeCount} does not fit ${validators.length} validators`);
  }
  const sorted = [...validators].sort((a, b) =>
    a.nodeAddress.toLowerCase() < b.nodeAddress.toLowerCase() ? -1 : 1,
  );
  const nodes: ValidatorNode[] = sorted.map((v, i) => ({
    url: `http://${ipToString(v.ip)}:${Number(v.port)}`,
    nodeAddress: getAddress(v.nodeAddress),
    index: i + 1,
  }));
  const n = nodes.length;
  const t = Math.floor((n - 1) / 3);

  const requestId = newRequestId();
  const challenge = randomBytes(32).toString("hex");
  const answers = await Promise.all(
    nodes.map((node) =>
      postJson(
        node.url,
        ROUTES.handshake,
        { clientPublicKey: "test", challenge, epoch: Number(epoch.number) },
        { requestId, timeoutMs: p.timeoutMs ?? 10_000 },
      ),
    ),
  );
  const handshakes: Record<string, HandshakeResult> = {};
  const failures: NodeFailure[] = [];
  for (const a of answers) {
    if (a.ok) handshakes[a.url] = a.body;
    else failures.push(a.failure);
  }
  const ok = Object.values(handshakes);
  if (ok.length < minNodeCount) {
    throw new QuorumNotReachedError({ required: minNodeCount, received: ok.length, failures });
  }
  const pick = (field: keyof HandshakeResult): string => {
    const m = majority(ok.map((h) => String(h[field] ?? "")));
    if (m === undefined || m.count < minNodeCount || m.value === "") {
      throw new SdkError(`the nodes do not agree on ${field}`, {
        details: Object.entries(handshakes).map(([url, h]) => `${url}: ${String(h[field])}`),
      });
    }
    return m.value;
  };
  const latest = majority(ok.map((h) => h.latestBlockhash));
  return {
    provider,
    staking: stakingAddress,
    epoch: { number: epoch.number, epochLength: epoch.epochLength, endTime: epoch.endTime },
    nodes,
    connectedUrls: nodes.filter((x) => handshakes[x.url] !== undefined).map((x) => x.url),
    n,
    t,
    quorum: 2 * t + 1,
    minNodeCount,
    subnetPublicKey: pick("subnetPublicKey"),
    networkPublicKey: pick("networkPublicKey"),
    networkPublicKeySet: pick("networkPublicKeySet"),
    latestBlockhash: latest!.value,
    handshakes,
    failures,
  };
}
