/**
 * PKP session signatures: the holder of a permitted auth method of a PKP (or of a custom-auth Lit
 * Action) has the network sign a SIWE message for the PKP's address that delegates to a session key.
 * Every node checks the auth method on-chain and returns its BLS share over
 * `sha256("lit_session:" + hex(keccak256(EIP-191 prefix + siweMessage)))`; the client verifies and
 * combines 2t+1 shares into an AuthSig `{algo: "LIT_BLS", derivedVia: "lit.bls"}` and signs one
 * session message per node with the session key, exactly as for a wallet session.
 */
import { bytesToHex } from "@noble/hashes/utils";
import { computeAddress } from "ethers";
import { SiweMessage } from "siwe";
import { combineAndVerify, decodeShare, type BlsSignatureShare } from "../../crypto/bls";
import { PKP_AUTH_RESOURCE_PREFIX, ROUTES, pkpSessionDigest } from "../../protocol";
import type { NetworkClient } from "../connect";
import { InvalidArgumentError, QuorumNotReachedError, type NodeFailure } from "../errors";
import { newRequestId, postJson } from "../http";
import { attenuationsFor, encodeRecap, recapStatement } from "./recap";
import type { ResourceAbilityRequest } from "./resources";
import { generateSessionKeyPair, sessionKeyUri, sessionSeed, type SessionKeyPair } from "./sessionKey";
import { signSessionMessages, type SessionSigs } from "./sessionSigs";
import type { AuthSig } from "./walletAuthSig";

/** An auth method as the nodes take it (`authMethodType` 1 EthWallet, 3 WebAuthn, …). */
export interface AuthMethod {
  authMethodType: number;
  accessToken: string;
}

export interface GetPkpSessionSigsParameters {
  client: NetworkClient;
  /** The PKP's public key, 0x04… (65 bytes). */
  pkpPublicKey: string;
  /** Auth methods permitted for the PKP (may be empty with custom auth). */
  authMethods?: readonly AuthMethod[];
  /** Custom auth: the Lit Action's code (JavaScript source) … */
  litActionCode?: string;
  /** … or its IPFS CID (fetched by the nodes from their gateway). */
  ipfsId?: string;
  /** Parameters the custom-auth action sees. */
  jsParams?: Record<string, unknown>;
  resourceAbilityRequests: readonly ResourceAbilityRequest[];
  /** End of the session (default: 24 hours from now). */
  expiration?: Date;
  sessionKeyPair?: SessionKeyPair;
  /** SIWE domain (default `localhost`). */
  domain?: string;
  /** Text before the ReCap statement (after "Lit Protocol PKP session signature"). */
  statement?: string;
  timeoutMs?: number;
  now?: () => Date;
}

export interface GetPkpSessionSigsReturnType {
  sessionKeyPair: SessionKeyPair;
  /** The network-signed capability (the last of every session message's capabilities). */
  pkpAuthSig: AuthSig;
  sessionSigs: SessionSigs;
  /** Node indices whose shares went into the network signature. */
  signers: number[];
  /** Node URLs whose share failed verification. */
  culprits: string[];
  failures: NodeFailure[];
  requestId: string;
}

export { pkpSessionDigest };

/** The SIWE message the client asks the network to sign (Lit's layout). */
export function pkpSessionSiwe(p: {
  pkpAddress: string;
  sessionPublicKey: string;
  resourceAbilityRequests: readonly ResourceAbilityRequest[];
  nonce: string;
  issuedAt: Date;
  expiration: Date;
  domain?: string;
  statement?: string;
}): string {
  const att = attenuationsFor(p.resourceAbilityRequests);
  const head = `Lit Protocol PKP session signature${p.statement ? ` ${p.statement}` : ""}`;
  return new SiweMessage({
    domain: p.domain ?? "localhost",
    address: p.pkpAddress,
    statement: `${head} ${recapStatement(att)}`,
    uri: sessionKeyUri(p.sessionPublicKey),
    version: "1",
    chainId: 1,
    nonce: p.nonce,
    issuedAt: p.issuedAt.toISOString(),
    expirationTime: p.expiration.toISOString(),
    resources: [encodeRecap(att)],
  }).prepareMessage();
}

/** The message a node returned is ours with only `lit-pkpauth://` resources appended. */
function extendsOurs(returned: string, ours: string): boolean {
  try {
    const m = new SiweMessage(returned);
    const extra = (m.resources ?? []).filter((r) => r.startsWith(PKP_AUTH_RESOURCE_PREFIX));
    if (extra.length === 0) return false;
    m.resources = (m.resources ?? []).filter((r) => !r.startsWith(PKP_AUTH_RESOURCE_PREFIX));
    return m.prepareMessage() === ours && returned.endsWith(extra.map((r) => `\n- ${r}`).join(""));
  } catch {
    return false;
  }
}

export async function getPkpSessionSigs(
  p: GetPkpSessionSigsParameters,
): Promise<GetPkpSessionSigsReturnType> {
  const { client } = p;
  if (!/^0x04[0-9a-fA-F]{128}$/.test(p.pkpPublicKey)) {
    throw new InvalidArgumentError("pkpPublicKey", "must be 0x04 followed by 128 hex characters");
  }
  if (p.resourceAbilityRequests.length === 0) {
    throw new InvalidArgumentError("resourceAbilityRequests", "at least one is required");
  }
  if (p.litActionCode !== undefined && p.ipfsId !== undefined) {
    throw new InvalidArgumentError("litActionCode", "give litActionCode or ipfsId, not both");
  }
  const authMethods = [...(p.authMethods ?? [])];
  if (authMethods.length === 0 && p.litActionCode === undefined && p.ipfsId === undefined) {
    throw new InvalidArgumentError(
      "authMethods",
      "give at least one auth method, or a custom auth Lit Action",
    );
  }
  const now = (p.now ?? (() => new Date()))();
  const expiration = p.expiration ?? new Date(now.getTime() + 24 * 3600 * 1000);
  if (!(expiration.getTime() > now.getTime()))
    throw new InvalidArgumentError("expiration", "must be in the future");
  const sessionKeyPair = p.sessionKeyPair ?? generateSessionKeyPair();
  sessionSeed(sessionKeyPair);
  const pkpPublicKey = p.pkpPublicKey.toLowerCase();
  const pkpAddress = computeAddress(pkpPublicKey);
  const siweMessage = pkpSessionSiwe({
    pkpAddress,
    sessionPublicKey: sessionKeyPair.publicKey,
    resourceAbilityRequests: p.resourceAbilityRequests,
    nonce: client.latestBlockhash,
    issuedAt: now,
    expiration,
    domain: p.domain,
    statement: p.statement,
  });

  const requestId = newRequestId();
  const body = {
    sessionKey: sessionKeyUri(sessionKeyPair.publicKey),
    authMethods,
    pkpPublicKey,
    siweMessage,
    curveType: "BLS",
    ...(p.litActionCode !== undefined
      ? { code: Buffer.from(p.litActionCode, "utf8").toString("base64") }
      : {}),
    ...(p.ipfsId !== undefined ? { litActionIpfsId: p.ipfsId } : {}),
    ...(p.jsParams !== undefined ? { jsParams: p.jsParams } : {}),
    epoch: Number(client.epoch.number),
  };
  const answers = await Promise.all(
    client.nodes.map((node) =>
      postJson(node.url, ROUTES.signSessionKey, body, {
        requestId,
        timeoutMs: p.timeoutMs ?? 60_000,
      }),
    ),
  );

  const failures: NodeFailure[] = [];
  const byMessage = new Map<string, { url: string; share: BlsSignatureShare; publicKeyShare?: string }[]>();
  const indexOf = new Map(client.nodes.map((x) => [x.url, x.index]));
  for (const a of answers) {
    if (!a.ok) {
      failures.push(a.failure);
      continue;
    }
    const b = a.body;
    const index = indexOf.get(a.url)!;
    const returned = b.siweMessage;
    if (b.result !== "success" || typeof returned !== "string" || !extendsOurs(returned, siweMessage)) {
      failures.push({
        url: a.url,
        code: "BadResponse",
        reason: "the node signed another SIWE message than asked",
      });
      continue;
    }
    if (b.dataSigned !== bytesToHex(pkpSessionDigest(returned))) {
      failures.push({ url: a.url, code: "BadResponse", reason: "dataSigned is not the session digest" });
      continue;
    }
    let share: BlsSignatureShare;
    try {
      share = decodeShare(b.signatureShare?.ProofOfPossession ?? "", index);
    } catch (e) {
      failures.push({ url: a.url, code: "BadShare", reason: (e as Error).message });
      continue;
    }
    const list = byMessage.get(returned) ?? [];
    list.push({ url: a.url, share, publicKeyShare: b.pkpNetwork?.publicKeyShare });
    byMessage.set(returned, list);
  }
  // The message most nodes signed (they agree unless their chain views differ).
  const [signedMessage, shares] = [...byMessage.entries()].sort((x, y) => y[1].length - x[1].length)[0] ?? [
    "",
    [],
  ];
  if (shares.length < client.quorum) {
    throw new QuorumNotReachedError({ required: client.quorum, received: shares.length, failures });
  }
  const urlOf = new Map(shares.map((s) => [s.share.index, s.url]));
  const publicKeyShares = new Map<number, Uint8Array>();
  for (const s of shares) {
    if (s.publicKeyShare && /^[0-9a-fA-F]{96}$/.test(s.publicKeyShare))
      publicKeyShares.set(s.share.index, Buffer.from(s.publicKeyShare, "hex"));
  }
  const combined = combineAndVerify({
    message: pkpSessionDigest(signedMessage),
    publicKey: Buffer.from(client.networkPublicKey, "hex"),
    publicKeyShares,
    shares: shares.map((s) => s.share),
    threshold: client.quorum,
  });
  const pkpAuthSig: AuthSig = {
    sig: JSON.stringify({ ProofOfPossession: bytesToHex(combined.signature.toBytes(true)) }),
    derivedVia: "lit.bls",
    signedMessage,
    address: pkpAddress,
    algo: "LIT_BLS",
  };
  const sessionSigs = signSessionMessages({
    sessionKeyPair,
    capabilities: [pkpAuthSig],
    resourceAbilityRequests: p.resourceAbilityRequests,
    nodeUrls: client.nodes.map((x) => x.url),
    expiration,
    issuedAt: now,
  });
  return {
    sessionKeyPair,
    pkpAuthSig,
    sessionSigs,
    signers: [...combined.signers],
    culprits: combined.culprits.map((i) => urlOf.get(i)!),
    failures,
    requestId,
  };
}
