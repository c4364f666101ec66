/**
 * Auth methods as the nodes take them, and the ids and keys PKPPermissions registers them under
 * (Lit's conventions): EthWallet (1) is a wallet AuthSig, id `keccak256(utf8("<address>:lit"))`;
 * WebAuthn (3) is the browser's assertion JSON, id `keccak256(utf8("<rawId>:lit"))`, user pubkey the
 * credential's COSE_Key.
 */
import { encode } from "cbor";
import { getAddress, keccak256, toUtf8Bytes, type Signer } from "ethers";
import { SiweMessage } from "siwe";
import { AUTH_METHOD_TYPE } from "../../protocol";
import { InvalidArgumentError, SessionSigningError } from "../errors";
import type { AuthMethod } from "./pkpSessionSigs";

export { AUTH_METHOD_TYPE };

/**
 * Lit's EthWallet auth method id of an address. (Our PKPPermissions takes type-1 ids as the 20
 * address bytes only: there, register the wallet as a permitted address; the nodes accept both.)
 */
export function ethWalletAuthMethodId(address: string): string {
  return keccak256(toUtf8Bytes(`${getAddress(address)}:lit`));
}

/** The WebAuthn auth method id of a credential (its rawId, base64url, as the assertion carries it). */
export function webAuthnAuthMethodId(rawId: string): string {
  return keccak256(toUtf8Bytes(`${rawId}:lit`));
}

/** A P-256 public key (SEC1 uncompressed, 65 bytes) as a COSE_Key (EC2, ES256), the registered user pubkey. */
export function coseP256PublicKey(sec1: Uint8Array): Uint8Array {
  if (sec1.length !== 65 || sec1[0] !== 4) {
    throw new InvalidArgumentError("publicKey", "must be an uncompressed P-256 point (65 bytes, 0x04…)");
  }
  const key = new Map<number, number | Uint8Array>([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, sec1.subarray(1, 33)],
    [-3, sec1.subarray(33, 65)],
  ]);
  return new Uint8Array(encode(key));
}

/** An EthWallet auth method: a SIWE signed by the wallet, its nonce a block hash of the network's chain. */
export async function ethWalletAuthMethod(p: {
  signer: Signer;
  latestBlockhash: string;
  expiration?: Date;
  domain?: string;
  uri?: string;
}): Promise<AuthMethod> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(p.latestBlockhash)) {
    throw new InvalidArgumentError("latestBlockhash", "must be a 0x-prefixed 32-byte block hash");
  }
  const address = getAddress(await p.signer.getAddress());
  const issuedAt = new Date();
  const message = new SiweMessage({
    domain: p.domain ?? "localhost",
    address,
    statement: "Authenticate with an Ethereum wallet to a pkp-network",
    uri: p.uri ?? "https://localhost/login",
    version: "1",
    chainId: 1,
    nonce: p.latestBlockhash,
    issuedAt: issuedAt.toISOString(),
    expirationTime: (p.expiration ?? new Date(issuedAt.getTime() + 3600_000)).toISOString(),
  }).prepareMessage();
  let sig: string;
  try {
    sig = await p.signer.signMessage(message);
  } catch (e) {
    throw new SessionSigningError("the wallet did not sign the auth method message", { cause: e });
  }
  const authSig = { sig, derivedVia: "web3.eth.personal.sign", signedMessage: message, address };
  return { authMethodType: AUTH_METHOD_TYPE.EthWallet, accessToken: JSON.stringify(authSig) };
}

/** A WebAuthn assertion (the browser's `PublicKeyCredential` JSON, binary fields base64url). */
export interface WebAuthnAssertionJSON {
  id: string;
  rawId: string;
  type: "public-key";
  response: {
    authenticatorData: string;
    clientDataJSON: string;
    signature: string;
    userHandle?: string | null;
  };
}

export function webAuthnAuthMethod(assertion: WebAuthnAssertionJSON): AuthMethod {
  return { authMethodType: AUTH_METHOD_TYPE.WebAuthn, accessToken: JSON.stringify(assertion) };
}

/** The WebAuthn challenge for a block hash (base64url of its 32 bytes), as Lit's client asks for it. */
export function webAuthnChallenge(latestBlockhash: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(latestBlockhash)) {
    throw new InvalidArgumentError("latestBlockhash", "must be a 0x-prefixed 32-byte block hash");
  }
  return Buffer.from(latestBlockhash.slice(2), "hex").toString("base64url");
}
