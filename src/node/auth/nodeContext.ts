/**
 * The authentication context of a running node: its URL as the network lists it, the chain's block
 * hashes as session nonces, and the network's BLS public key for PKP sessions (`algo: "LIT_BLS"`).
 */
import { verify as blsVerify } from "../../crypto/bls";
import type { AuthCache, AuthContext } from "./authenticate";

/** What of a node authentication needs (PkpNode has all of it). */
export interface AuthNode {
  readonly me: { url: string } | undefined;
  readonly chain: { isKnownBlockhash(hash: string, maxAgeSec: number): Promise<boolean> };
  /** The compressed G1 network key, 96 hex, or "" before the DKG made it. */
  networkPublicKeyHex(): string;
}

/** Longest validity a SIWE nonce (block hash) may cover: 30 days. */
const MAX_NONCE_AGE_SEC = 30 * 24 * 3600;

export function nodeAuthContext(node: AuthNode, nodeUrl: string, cache?: AuthCache): AuthContext {
  return {
    nodeUrl,
    now: () => new Date(),
    isKnownBlockhash: (nonce, window) => {
      const span = window.issuedAt
        ? Math.ceil((window.expiration.getTime() - window.issuedAt.getTime()) / 1000) + 120
        : 24 * 3600;
      return node.chain.isKnownBlockhash(nonce, Math.min(Math.max(span, 120), MAX_NONCE_AGE_SEC));
    },
    verifyNetworkSignature: (message, signature) => {
      const key = node.networkPublicKeyHex();
      if (key === "") return false;
      return blsVerify(Buffer.from(key, "hex"), message, signature);
    },
    cache,
  };
}
