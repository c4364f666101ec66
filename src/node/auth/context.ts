/**
 * What authentication works with: the capability a request needs, what a session granted, the
 * node's side of the checks (its URL, block hashes as nonces, the network key, a clock), a cache of
 * verified signatures, and who the requester turned out to be.
 */
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex } from "@noble/hashes/utils";
import type { PkpSessionBinding } from "../../protocol";

/** The ReCap abilities a node checks. */
export type RecapAbility = "Threshold/Signing" | "Threshold/Execution" | "Threshold/Decryption";

/** What a request needs: an ability on a resource (`lit-pkp://<tokenId hex>`, `lit-litaction://<CID>`, …). */
export interface RequiredCapability {
  resource: string;
  ability: RecapAbility;
}

/** A resource/ability pair the user's ReCap grants. */
export interface GrantedCapability {
  resource: string;
  ability: string;
}

export interface AuthContext {
  /** This node's URL exactly as the network lists it (`http://127.0.0.1:7470`). */
  nodeUrl: string;
  now: () => Date;
  /**
   * Whether `nonce` is the hash of a block of this chain (the caller decides how old a block may be;
   * `window` is the SIWE message's validity).
   */
  isKnownBlockhash: (
    nonce: string,
    window: { issuedAt?: Date; expiration: Date },
  ) => boolean | Promise<boolean>;
  /**
   * Verifies a BLS signature of the network's root key over `message` (Lit's `Bls12381G2Impl`:
   * 96-byte G2 signature). Without it, PKP sessions (`algo: "LIT_BLS"`) are refused.
   */
  verifyNetworkSignature?: (message: Uint8Array, signature: Uint8Array) => boolean | Promise<boolean>;
  /** Tolerated clock difference for "issued in the future" (default 60 s). */
  clockSkewMs?: number;
  /**
   * Remembers pure results (SIWE parsing, EIP-191 recovery, ed25519 checks) across requests of one
   * session, keyed by a hash of their exact inputs. Time, node, nonce and capability checks are
   * made on every request; only successes are remembered; PKP-session (BLS) checks never are.
   */
  cache?: AuthCache;
}

/** A bounded memo of pure verification results (least recently used entries are dropped). */
export class AuthCache {
  private readonly entries = new Map<string, unknown>();
  constructor(readonly maxEntries = 4096) {}

  get size(): number {
    return this.entries.size;
  }

  /** The remembered value for `parts`, or `compute()` (remembered unless it throws). */
  memo<T>(parts: readonly string[], compute: () => T): T {
    const key = bytesToHex(sha256(new TextEncoder().encode(JSON.stringify(parts))));
    if (this.entries.has(key)) {
      const value = this.entries.get(key) as T;
      this.entries.delete(key);
      this.entries.set(key, value);
      return value;
    }
    const value = compute();
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}

export function memo<T>(ctx: AuthContext, parts: readonly string[], compute: () => T): T {
  return ctx.cache ? ctx.cache.memo(parts, compute) : compute();
}

export interface AuthenticateOptions {
  /** Accept a plain wallet AuthSig (no session key): only where Lit's client may send one. */
  allowWalletAuthSig?: boolean;
  /** The Chain IDs a wallet AuthSig's SIWE may name (any, when not given). */
  walletChainIds?: readonly number[];
}

export interface Authenticated {
  /** How the requester proved itself. */
  via: "session" | "wallet" | "pkp-session";
  /** The wallet (or PKP) address that authorised the request, EIP-55 checksummed. */
  address: string;
  /** The session public key (hex), for session signatures. */
  sessionKey?: string;
  /** When the proof stops being valid. */
  expiresAt: Date;
  /** Everything the user's ReCap grants. */
  capabilities: GrantedCapability[];
  /**
   * For a PKP session: the PKP it acts for and the auth methods it was granted through (their
   * scopes, read from the chain on each request, decide what it may sign with that PKP).
   */
  pkp?: PkpSessionBinding;
}
