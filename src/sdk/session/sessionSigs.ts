/**
 * Session signatures: for each node, the session key signs (ed25519) a JSON message binding the
 * requested resources and abilities, the capability chain (ending with the wallet's AuthSig), the
 * validity window and that node's URL. Same layout and field order as Lit's v7 client.
 */
import { ed25519 } from "@noble/curves/ed25519";
import { bytesToHex } from "@noble/hashes/utils";
import type { Signer } from "ethers";
import { InvalidArgumentError } from "../errors";
import type { ResourceAbilityRequest } from "./resources";
import { generateSessionKeyPair, sessionSeed, type SessionKeyPair } from "./sessionKey";
import { createWalletAuthSig, type AuthSig } from "./walletAuthSig";

/** The `authSig` sent to one node. */
export interface SessionSig extends AuthSig {
  derivedVia: "litSessionSignViaNacl";
  algo: "ed25519";
}

/** Session signatures by node URL. */
export type SessionSigs = Record<string, SessionSig>;

/** The message a session signature signs (JSON, in this key order). */
export interface SessionSignedMessage {
  sessionKey: string;
  resourceAbilityRequests: ResourceAbilityRequest[];
  capabilities: AuthSig[];
  issuedAt: string;
  expiration: string;
  nodeAddress: string;
}

export interface SignSessionMessagesParameters {
  sessionKeyPair: SessionKeyPair;
  /** AuthSigs delegating to the session key; the last is the user's (wallet SIWE or PKP session). */
  capabilities: readonly AuthSig[];
  resourceAbilityRequests: readonly ResourceAbilityRequest[];
  nodeUrls: readonly string[];
  expiration: Date;
  issuedAt?: Date;
}

export function signSessionMessages(p: SignSessionMessagesParameters): SessionSigs {
  const seed = sessionSeed(p.sessionKeyPair);
  if (p.capabilities.length === 0) throw new InvalidArgumentError("capabilities", "at least one is required");
  if (p.nodeUrls.length === 0) throw new InvalidArgumentError("nodeUrls", "at least one is required");
  const issuedAt = p.issuedAt ?? new Date();
  if (!(p.expiration.getTime() > issuedAt.getTime())) {
    throw new InvalidArgumentError("expiration", "must be after issuedAt");
  }
  const sigs: SessionSigs = {};
  for (const nodeAddress of p.nodeUrls) {
    const message: SessionSignedMessage = {
      sessionKey: p.sessionKeyPair.publicKey,
      resourceAbilityRequests: [...p.resourceAbilityRequests],
      capabilities: [...p.capabilities],
      issuedAt: issuedAt.toISOString(),
      expiration: p.expiration.toISOString(),
      nodeAddress,
    };
    const signedMessage = JSON.stringify(message);
    const sig = ed25519.sign(new TextEncoder().encode(signedMessage), seed);
    sigs[nodeAddress] = {
      sig: bytesToHex(sig),
      derivedVia: "litSessionSignViaNacl",
      signedMessage,
      address: p.sessionKeyPair.publicKey,
      algo: "ed25519",
    };
  }
  return sigs;
}

export interface GetSessionSigsParameters {
  /** The wallet that authorises the session (an ethers v6 Signer). */
  signer: Signer;
  /** Every node's URL (`http://ip:port`), as the network lists it. */
  nodeUrls: readonly string[];
  /** The majority `latestBlockhash` from the handshake: the SIWE nonce. */
  latestBlockhash: string;
  resourceAbilityRequests: readonly ResourceAbilityRequest[];
  /** End of the session (default: 24 hours from now, as Lit's client). */
  expiration?: Date;
  /** Reuse a session key (default: a fresh one). */
  sessionKeyPair?: SessionKeyPair;
  /** Reuse a wallet AuthSig already delegating to `sessionKeyPair` (default: ask the signer). */
  walletAuthSig?: AuthSig;
  domain?: string;
  chainId?: number;
  statement?: string;
  now?: () => Date;
}

export interface GetSessionSigsReturnType {
  sessionKeyPair: SessionKeyPair;
  walletAuthSig: AuthSig;
  sessionSigs: SessionSigs;
}

/** A fresh wallet-authorised session, signed for every node. */
export async function getSessionSigs(p: GetSessionSigsParameters): Promise<GetSessionSigsReturnType> {
  const now = (p.now ?? (() => new Date()))();
  const expiration = p.expiration ?? new Date(now.getTime() + 24 * 60 * 60 * 1000);
  const sessionKeyPair = p.sessionKeyPair ?? generateSessionKeyPair();
  const walletAuthSig =
    p.walletAuthSig ??
    (await createWalletAuthSig({
      signer: p.signer,
      sessionPublicKey: sessionKeyPair.publicKey,
      resourceAbilityRequests: p.resourceAbilityRequests,
      nonce: p.latestBlockhash,
      expiration,
      issuedAt: now,
      domain: p.domain,
      chainId: p.chainId,
      statement: p.statement,
    }));
  const sessionSigs = signSessionMessages({
    sessionKeyPair,
    capabilities: [walletAuthSig],
    resourceAbilityRequests: p.resourceAbilityRequests,
    nodeUrls: p.nodeUrls,
    expiration,
    issuedAt: now,
  });
  return { sessionKeyPair, walletAuthSig, sessionSigs };
}
