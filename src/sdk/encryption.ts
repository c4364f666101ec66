/**
 * Encrypting to access control conditions and decrypting through the network, in Lit's formats.
 *
 * `encrypt` runs entirely on the client: identity-based encryption (Lit's time-lock IBE) to the
 * network's `subnetPublicKey` under the identity
 * `lit-accesscontrolcondition://<sha256 hex of the canonical conditions>/<sha256 hex of the data>`;
 * the ciphertext is base64 of blsful's `TimeCryptCiphertext`, exactly what Lit's client makes.
 *
 * `decrypt` asks every node for its BLS share of that identity's key (`/web/encryption/sign/`, the
 * canonical conditions, `dataToEncryptHash`, the node's session signature) and combines the shares
 * (Lagrange in G2). Decryption itself checks the key (the IBE's Fujisaki-Okamoto check), so only when
 * it fails are the key and every share verified with pairings, against the network key and the public
 * key shares the majority of nodes report, naming any node whose share is wrong; decryption is then
 * retried with the honest shares. A plaintext that does not hash to
 * `dataToEncryptHash` is refused. Any size of data: the cost is linear (SHAKE128 and SHA-256 over it).
 */
import { createHash } from "node:crypto";
import { hexToBytes } from "@noble/hashes/utils";

import { combineAndVerify, combineShares, decodeShare, type BlsSignatureShare } from "../crypto/bls";
import {
  CONDITION_KINDS,
  IDENTITY_PREFIX,
  canonicalConditions,
  conditionsFromRequest,
  hashConditionsHex,
  type ConditionKind,
  type ConditionSet,
} from "../crypto/conditions";
import { CryptoError, CulpritError, CulpritsError, ThresholdError } from "../crypto/errors";
import { decrypt as ibeDecrypt, encrypt as ibeEncrypt } from "../crypto/ibe";
import type { NetworkClient } from "./connect";
import { InvalidArgumentError, SdkError, type NodeFailure } from "./errors";
import { ROUTES, type AnswerOf } from "../protocol";
import { fanOut, newRequestId } from "./http";
import {
  accessControlConditionResource,
  requestAbility,
  type ResourceAbilityRequest,
} from "./session/resources";
import type { SessionSigs } from "./session/sessionSigs";
import type { ShareCulprit } from "./signErrors";

/** Exactly one of the condition fields (Lit's names). */
export interface ConditionsParameter {
  accessControlConditions?: readonly unknown[];
  evmContractConditions?: readonly unknown[];
  solRpcConditions?: readonly unknown[];
  unifiedAccessControlConditions?: readonly unknown[];
}

export interface EncryptParameters extends ConditionsParameter {
  /** A connected network (its `subnetPublicKey` is the encryption key). */
  client: Pick<NetworkClient, "subnetPublicKey">;
  /** Bytes, or a string encrypted as its UTF-8 bytes. */
  data: Uint8Array | string;
}

export interface EncryptReturnType {
  /** Base64 of the IBE ciphertext (Lit's format). */
  ciphertext: string;
  /** Lowercase hex SHA-256 of the plaintext. */
  dataToEncryptHash: string;
}

export interface DecryptParameters extends ConditionsParameter {
  client: NetworkClient;
  /** One session signature per node URL, granting `Threshold/Decryption` on the resource (or `*`). */
  sessionSigs: SessionSigs;
  /** Base64 (as `encrypt` returns it) or the raw bytes. */
  ciphertext: string | Uint8Array;
  dataToEncryptHash: string;
  /** The chain name Lit's request carries (default `yellowstone`, the local chain's Lit name). */
  chain?: string;
  /** Per-node timeout (default 30 s). */
  timeoutMs?: number;
}

export interface DecryptReturnType {
  decryptedData: Uint8Array;
  requestId: string;
  /** Shamir indices whose shares made the key. */
  signers: number[];
  /** Nodes whose shares were wrong (left out). */
  culprits: ShareCulprit[];
  /** Nodes that refused or could not be reached. */
  failures: NodeFailure[];
}

/** Decryption failed: too few nodes released a share (each refusal listed), wrong shares, or bad data. */
export class DecryptionError extends SdkError {
  override name = "DecryptionError";
  readonly failures: readonly NodeFailure[];
  readonly culprits: readonly ShareCulprit[];
  /** Nodes that could not be reached at all. */
  readonly unreachable: readonly string[];

  constructor(args: {
    message: string;
    failures?: readonly NodeFailure[];
    culprits?: readonly ShareCulprit[];
    cause?: unknown;
  }) {
    const failures = args.failures ?? [];
    const culprits = args.culprits ?? [];
    super(args.message, {
      details: [
        ...failures.map(
          (f) => `${f.url}: ${f.status === undefined ? "" : `${f.status} `}${f.code}: ${f.reason}`,
        ),
        ...culprits.map((c) => `${c.url} (index ${c.index}) returned a wrong share: ${c.reason}`),
      ],
      cause: args.cause,
    });
    this.failures = failures;
    this.culprits = culprits;
    this.unreachable = [...new Set(failures.filter((f) => f.status === undefined).map((f) => f.url))];
  }
}

/** The default chain name our nodes serve the local chain under (a name Lit's client accepts). */
export const LOCAL_CHAIN = "yellowstone";

function conditionSet(p: ConditionsParameter): ConditionSet {
  try {
    return conditionsFromRequest(p as Partial<Record<ConditionKind, unknown>>);
  } catch (e) {
    throw new InvalidArgumentError("conditions", (e as Error).message);
  }
}

function hashOf(set: ConditionSet): string {
  try {
    return hashConditionsHex(set.kind, set.conditions);
  } catch (e) {
    throw new InvalidArgumentError("conditions", (e as Error).message);
  }
}

/** Lowercase hex SHA-256 (node:crypto: fast on large files). */
function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function dataBytes(data: Uint8Array | string): Uint8Array {
  if (typeof data === "string") return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data;
  throw new InvalidArgumentError("data", "must be a Uint8Array or a string");
}

function networkKey(client: Pick<NetworkClient, "subnetPublicKey">): Uint8Array {
  const hex = client.subnetPublicKey?.replace(/^0x/, "") ?? "";
  if (!/^[0-9a-fA-F]{96}$/.test(hex))
    throw new InvalidArgumentError("client", "the network has no BLS key (subnetPublicKey) yet");
  return hexToBytes(hex);
}

/** The identity a ciphertext for these conditions and data hash is encrypted to. */
export function encryptionIdentityFor(p: ConditionsParameter, dataToEncryptHash: string): string {
  return `${IDENTITY_PREFIX}${hashOf(conditionSet(p))}/${dataToEncryptHash}`;
}

/** The session request a decryption needs: `Threshold/Decryption` on `<hash of conditions>/<data hash>`. */
export function decryptionAbility(p: ConditionsParameter, dataToEncryptHash: string): ResourceAbilityRequest {
  return requestAbility(
    accessControlConditionResource(`${hashOf(conditionSet(p))}/${dataToEncryptHash}`),
    "access-control-condition-decryption",
  );
}

/** Encrypts `data` so that only someone meeting the conditions can have the network decrypt it. */
export async function encrypt(p: EncryptParameters): Promise<EncryptReturnType> {
  const set = conditionSet(p);
  const bytes = dataBytes(p.data);
  const dataToEncryptHash = sha256Hex(bytes);
  const identity = `${IDENTITY_PREFIX}${hashOf(set)}/${dataToEncryptHash}`;
  const ciphertext = ibeEncrypt(networkKey(p.client), identity, bytes);
  return { ciphertext: Buffer.from(ciphertext).toString("base64"), dataToEncryptHash };
}

/** An encryption/sign answer as the SDK accepts it (src/protocol/wire.ts): every field optional, each typed. */
type EncryptionSignAnswer = AnswerOf<"encryptionSign">;

function ciphertextBytes(c: string | Uint8Array): Uint8Array {
  if (c instanceof Uint8Array) return c;
  if (typeof c !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(c) || c.length % 4 !== 0)
    throw new InvalidArgumentError("ciphertext", "must be base64 or bytes");
  return new Uint8Array(Buffer.from(c, "base64"));
}

/** The public key shares most answering nodes report (a lying minority cannot change them). */
function majorityShares(answers: readonly EncryptionSignAnswer[]): Map<number, Uint8Array> {
  const counts = new Map<string, number>();
  for (const a of answers) {
    const v = a.pkpNetwork?.publicKeyShares;
    if (v === null || typeof v !== "object") continue;
    const key = JSON.stringify(
      Object.entries(v as Record<string, unknown>).sort(([x], [y]) => Number(x) - Number(y)),
    );
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let best: string | undefined;
  let bestCount = 0;
  for (const [k, c] of counts) if (c > bestCount) [best, bestCount] = [k, c];
  const out = new Map<number, Uint8Array>();
  if (best === undefined || bestCount * 2 <= answers.length) return out;
  for (const [j, hex] of JSON.parse(best) as [string, unknown][]) {
    if (typeof hex === "string" && /^[0-9a-fA-F]{96}$/.test(hex)) out.set(Number(j), hexToBytes(hex));
  }
  return out;
}

/** Has the network decrypt `ciphertext` for the session's wallet, if it meets the conditions. */
export async function decrypt(p: DecryptParameters): Promise<DecryptReturnType> {
  const set = conditionSet(p);
  if (typeof p.dataToEncryptHash !== "string" || !/^[0-9a-fA-F]{64}$/.test(p.dataToEncryptHash))
    throw new InvalidArgumentError("dataToEncryptHash", "must be 64 hex characters (SHA-256)");
  const bytes = ciphertextBytes(p.ciphertext);
  const publicKey = networkKey(p.client);
  const identity = `${IDENTITY_PREFIX}${hashOf(set)}/${p.dataToEncryptHash}`;
  const canonical = canonicalConditions(set.kind, set.conditions);
  const conditionFields = Object.fromEntries(
    CONDITION_KINDS.map((k) => [k, k === set.kind ? canonical : undefined]),
  );
  const requestId = newRequestId();
  const failures: NodeFailure[] = [];
  const answers = await fanOut(
    p.client.nodes,
    p.sessionSigs,
    ROUTES.encryptionSign,
    (authSig) => ({
      ...conditionFields,
      dataToEncryptHash: p.dataToEncryptHash,
      chain: p.chain ?? LOCAL_CHAIN,
      authSig,
      epoch: Number(p.client.epoch.number),
    }),
    { requestId, timeoutMs: p.timeoutMs },
  );

  const culprits: ShareCulprit[] = [];
  const shares: BlsSignatureShare[] = [];
  const urlOf = new Map<number, string>();
  const given: EncryptionSignAnswer[] = [];
  for (const [k, answer] of answers.entries()) {
    if (!answer.ok) {
      failures.push(answer.failure);
      continue;
    }
    const a = { node: p.client.nodes[k], body: answer.body };
    given.push(a.body);
    try {
      const hex = a.body.signatureShare?.ProofOfPossession;
      if (typeof hex !== "string")
        throw new CulpritError("no signatureShare.ProofOfPossession", a.node.index);
      shares.push(decodeShare(hex, a.node.index));
      urlOf.set(a.node.index, a.node.url);
    } catch (e) {
      culprits.push({ url: a.node.url, index: a.node.index, reason: (e as Error).message });
    }
  }
  const notDecrypting = (e: unknown) =>
    new DecryptionError({
      message: `the ciphertext does not decrypt under these conditions and dataToEncryptHash (tampered, or made for others): ${e instanceof CryptoError ? e.message : String(e)}`,
      failures,
      culprits,
      cause: e,
    });
  // Fast path: IBE decryption checks its key itself (the Fujisaki-Okamoto check fails for any other
  // key), so the shares are first combined without a pairing check. Only when that fails are the
  // key and each share verified (naming culprits), and decryption retried with the honest shares.
  let decryptedData: Uint8Array | undefined;
  let signers = shares.map((s) => s.index);
  let firstError: unknown;
  if (shares.length >= p.client.quorum) {
    try {
      decryptedData = ibeDecrypt(bytes, combineShares(shares));
    } catch (e) {
      firstError = e;
    }
  }
  if (decryptedData === undefined) {
    let signature: Uint8Array;
    let newCulprits = 0;
    try {
      const combined = combineAndVerify({
        message: identity,
        publicKey,
        publicKeyShares: majorityShares(given),
        shares,
        threshold: p.client.quorum,
      });
      signature = combined.signature.toBytes(true);
      signers = [...combined.signers];
      newCulprits = combined.culprits.length;
      for (const c of combined.culprits)
        culprits.push({ url: urlOf.get(c) ?? `index ${c}`, index: c, reason: "BLS share does not verify" });
    } catch (e) {
      if (e instanceof CulpritsError)
        for (const c of e.culprits)
          culprits.push({ url: urlOf.get(c) ?? `index ${c}`, index: c, reason: "BLS share does not verify" });
      const why =
        e instanceof ThresholdError
          ? `${shares.length} of ${p.client.quorum} decryption shares released`
          : `the decryption shares do not combine: ${(e as Error).message}`;
      throw new DecryptionError({ message: `decryption refused: ${why}`, failures, culprits, cause: e });
    }
    // The verified key is the one the fast path used: the ciphertext itself is at fault.
    if (firstError !== undefined && newCulprits === 0) throw notDecrypting(firstError);
    try {
      decryptedData = ibeDecrypt(bytes, signature);
    } catch (e) {
      throw notDecrypting(e);
    }
  }
  if (sha256Hex(decryptedData) !== p.dataToEncryptHash.toLowerCase())
    throw new DecryptionError({
      message: "the plaintext does not hash to dataToEncryptHash",
      failures,
      culprits,
    });
  return { decryptedData, requestId, signers, culprits, failures };
}
