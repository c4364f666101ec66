/**
 * This node's share of the network's BLS key (made by the network-key DKG, kept sealed in the store).
 * A kv entry names the current share; a re-run of the DKG stores a new share and moves the entry.
 */
import { bytesToHex } from "@noble/hashes/utils";
import { blsG1Group } from "../crypto/group";
import type { NodeStore } from "./storage";
import { keyShareFromJson, keyShareToJson } from "./protocols/codec";

/** Key id prefix of network key shares in the store. */
export const NETWORK_KEY = "networkKey";
/** kv entry naming the current network key share (its key id in the store). */
const NETWORK_KEY_ID = "networkKeyId";

export type NetworkKeyShare = ReturnType<typeof keyShareFromJson>;

const jsonBytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const parseJson = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(bytes));

export class NetworkKey {
  #cached: { id: string; share: NetworkKeyShare } | undefined;

  constructor(
    private readonly store: Pick<
      NodeStore,
      "kvGetJson" | "kvPutJson" | "getNetworkKeyShare" | "putNetworkKeyShare"
    >,
  ) {}

  /** The current share, or undefined before the DKG made one. */
  share(): NetworkKeyShare | undefined {
    const keyId = this.store.kvGetJson<string>(NETWORK_KEY_ID);
    if (keyId === undefined) return undefined;
    if (this.#cached?.id === keyId) return this.#cached.share;
    const stored = this.store.getNetworkKeyShare(keyId);
    if (stored === undefined) return undefined;
    const share = keyShareFromJson(blsG1Group, parseJson(stored));
    this.#cached = { id: keyId, share };
    return share;
  }

  /** Compressed G1 network key, 96 hex without 0x, or "" before the DKG made it. */
  publicKeyHex(): string {
    const k = this.share();
    return k === undefined ? "" : bytesToHex(blsG1Group.pointToBytes(k.publicKey));
  }

  /** Stores the share a DKG session made and makes it the current one. */
  save(session: string, share: Parameters<typeof keyShareToJson>[0]): void {
    const keyId = `${NETWORK_KEY}/${session}`;
    this.store.putNetworkKeyShare(keyId, jsonBytes(keyShareToJson(share)));
    this.store.kvPutJson(NETWORK_KEY_ID, keyId);
  }
}
