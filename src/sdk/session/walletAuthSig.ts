/**
 * The wallet's part of a session: a SIWE message (EIP-4361) whose URI is `lit:session:<session key>`
 * and whose ReCap resource grants the requested abilities, signed by the wallet (EIP-191). This is
 * the AuthSig that ends every session signature's `capabilities`.
 */
import { getAddress, type Signer } from "ethers";
import { SiweMessage } from "siwe";
import { InvalidArgumentError, SessionSigningError } from "../errors";
import { attenuationsFor, encodeRecap, recapStatement } from "./recap";
import type { ResourceAbilityRequest } from "./resources";
import { sessionKeyUri } from "./sessionKey";

/** An AuthSig: a signature with the message it signs. */
export interface AuthSig {
  sig: string;
  derivedVia: string;
  signedMessage: string;
  address: string;
  algo?: string;
}

export interface CreateWalletAuthSigParameters {
  signer: Signer;
  /** The session public key (hex, 32 bytes) the wallet delegates to. */
  sessionPublicKey: string;
  resourceAbilityRequests: readonly ResourceAbilityRequest[];
  /** A block hash of the network's chain (from the handshake's `latestBlockhash`). */
  nonce: string;
  expiration: Date;
  issuedAt?: Date;
  /** SIWE domain; Lit's client defaults to `localhost`. */
  domain?: string;
  chainId?: number;
  /** Text shown before the ReCap statement. */
  statement?: string;
}

export async function createWalletAuthSig(p: CreateWalletAuthSigParameters): Promise<AuthSig> {
  if (p.resourceAbilityRequests.length === 0) {
    throw new InvalidArgumentError("resourceAbilityRequests", "at least one is required");
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(p.nonce)) {
    throw new InvalidArgumentError("nonce", "must be a 0x-prefixed 32-byte block hash");
  }
  const issuedAt = p.issuedAt ?? new Date();
  if (!(p.expiration.getTime() > issuedAt.getTime())) {
    throw new InvalidArgumentError("expiration", "must be after issuedAt");
  }
  const address = getAddress(await p.signer.getAddress());
  const att = attenuationsFor(p.resourceAbilityRequests);
  const recap = recapStatement(att);
  const message = new SiweMessage({
    domain: p.domain ?? "localhost",
    address,
    statement: p.statement ? `${p.statement} ${recap}` : recap,
    uri: sessionKeyUri(p.sessionPublicKey),
    version: "1",
    chainId: p.chainId ?? 1,
    nonce: p.nonce,
    issuedAt: issuedAt.toISOString(),
    expirationTime: p.expiration.toISOString(),
    resources: [encodeRecap(att)],
  }).prepareMessage();
  let sig: string;
  try {
    sig = await p.signer.signMessage(message);
  } catch (e) {
    throw new SessionSigningError("the wallet did not sign the session SIWE message", { cause: e });
  }
  return { sig, derivedVia: "web3.eth.personal.sign", signedMessage: message, address };
}
