/**
 * The host functions one Lit Action run gets (`Lit.Actions.<name>` → capability of the same name; see
 * src/node/sandbox/types.ts): signing shares for permitted PKPs, permission reads from PKPPermissions
 * at the latest block, chains by name, `claimKey`, `runOnce` / `broadcastAndCollect` among the nodes,
 * child actions by CID, and `fetch` under the node's policy. Each takes the action's parameter object
 * with Lit's parameter names; a thrown Error reaches the action as a rejection with its message.
 *
 * Decryption (`checkConditions`, `encrypt`, `decryptAndCombine`, `decryptToSingleNode`) is in
 * decryption.ts; `aesDecrypt` is not provided (the sandbox answers "not available on this node yet").
 */
import { lookup } from "node:dns/promises";
import { secp256k1 } from "@noble/curves/secp256k1";
import { bytesToHex } from "@noble/hashes/utils";
import {
  Contract,
  JsonRpcProvider,
  Transaction,
  getAddress,
  getBytes,
  hashMessage,
  hexlify,
  isAddress,
  isHexString,
  keccak256,
  toUtf8Bytes,
} from "ethers";
import { bytesToCid, cidToBytes } from "../../chain/cid";
import type { Authenticated } from "../auth";
import { tokenIdOf } from "../chain";
import type { PkpNode, SigningShare } from "../node";
import { checkSigningPermission } from "../permissions";
import { createFetchCapability, type Capabilities, type Capability } from "../sandbox";
import type { ActionCoordinator } from "./coordination";
import { buildDecryptionCapabilities, destroyDecryptionResources } from "./decryption";

const PERMISSIONS_READ_ABI = [
  "function isPermittedAction(uint256 tokenId, bytes ipfsCID) view returns (bool)",
  "function isPermittedAddress(uint256 tokenId, address user) view returns (bool)",
  "function isPermittedAuthMethod(uint256 tokenId, uint256 authMethodType, bytes id) view returns (bool)",
  "function isPermittedAuthMethodScopePresent(uint256 tokenId, uint256 authMethodType, bytes id, uint256 scopeId) view returns (bool)",
  "function getPermittedActions(uint256 tokenId) view returns (bytes[])",
  "function getPermittedAddresses(uint256 tokenId) view returns (address[])",
  "function getPermittedAuthMethods(uint256 tokenId) view returns (tuple(uint256 authMethodType, bytes id, bytes userPubkey)[])",
  "function getPermittedAuthMethodScopes(uint256 tokenId, uint256 authMethodType, bytes id, uint256 maxScopeId) view returns (bool[])",
];
/** PKPPermissions' auth method type of an address. */
const AUTH_METHOD_ADDRESS = 1n;
const N_ORDER = secp256k1.CURVE.n;
/** Lit's limit of 10 signatures, counted over a request and its child actions together. */
export const MAX_SIGNATURES_PER_REQUEST = 10;

/** One `signedData` entry as Lit's v7 client reads it. */
export interface SignedDataEntry {
  sigType: "K256";
  dataSigned: string;
  signatureShare: string;
  shareIndex: number;
  bigR: string;
  publicKey: string;
  sigName: string;
}

/**
 * What our SDK needs beyond Lit's fields to verify one share and name a culprit (the same data as
 * pkp/sign's `pkpNetwork`): whether this node is in the signing set, the set, the presignature's
 * public part and the share with its DLEQ proof.
 */
export interface ShareVerificationData {
  member: boolean;
  index: number;
  signingSet: number[];
  presignatureId: string;
  presignature?: unknown;
  share?: unknown;
  publicKeyShare?: string;
}

/** What a run (with its child actions) accumulates besides the response. */
export interface RunOutputs {
  readonly signedData: Record<string, SignedDataEntry>;
  readonly verification: Record<string, ShareVerificationData>;
  readonly claimData: Record<string, { signature: string; derivedKeyId: string }>;
  /** sigNames used by this request (sign, personal sign, sign-and-combine): each may be used once. */
  readonly sigNames: Set<string>;
}

export interface RunContext {
  readonly node: PkpNode;
  readonly coordinator: ActionCoordinator;
  readonly requestId: string;
  readonly auth: Authenticated;
  /** CIDs of the running action and its parents; the running one last. */
  readonly stack: readonly string[];
  /**
   * When the top-level run must end (ms since the epoch): the sandbox's limit counted from the first
   * capability call (a run queued behind busy workers has not started its clock yet).
   */
  readonly deadline: () => number;
  readonly outputs: RunOutputs;
  /** Runs a child action by CID (see service.ts). */
  readonly runChild: (
    ipfsId: string,
    params: Record<string, unknown>,
    stack: readonly string[],
  ) => Promise<string>;
}

/** Chains by name: the configured ones, and the node's own chain ("hardhat" unless configured by name). */
export function chainsOf(node: PkpNode): Record<string, { rpcUrl: string; chainId: number }> {
  const chains: Record<string, { rpcUrl: string; chainId: number }> = { ...node.config.chains };
  if (!Object.values(chains).some((c) => c.chainId === node.config.chainId) && chains.hardhat === undefined)
    chains.hardhat = { rpcUrl: node.config.rpcUrl, chainId: node.config.chainId };
  return chains;
}

const providers = new Map<string, JsonRpcProvider>();
function providerFor(rpcUrl: string, chainId: number): JsonRpcProvider {
  const key = `${chainId}@${rpcUrl}`;
  let p = providers.get(key);
  if (p === undefined) {
    p = new JsonRpcProvider(rpcUrl, chainId, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
    providers.set(key, p);
  }
  return p;
}

/** Stops the providers made for actions' chain calls. */
export function destroyChainProviders(): void {
  for (const p of providers.values()) p.destroy();
  providers.clear();
  destroyDecryptionResources();
}

// ---------------------------------------------------------------- argument parsing

function params(args: unknown, fn: string): Record<string, unknown> {
  if (typeof args !== "object" || args === null || Array.isArray(args))
    throw new Error(`${fn}: expects one object of named parameters`);
  return args as Record<string, unknown>;
}

/** Bytes from a Uint8Array, an array of numbers, an object of index→byte, or 0x hex. */
function bytesArg(value: unknown, fn: string, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string" && isHexString(value)) return getBytes(value);
  const list = Array.isArray(value)
    ? value
    : typeof value === "object" && value !== null
      ? Object.keys(value)
          .sort((a, b) => Number(a) - Number(b))
          .map((k) => (value as Record<string, unknown>)[k])
      : null;
  if (list !== null && list.every((b) => Number.isInteger(b) && (b as number) >= 0 && (b as number) <= 255))
    return Uint8Array.from(list as number[]);
  throw new Error(`${fn}: ${what} must be bytes (a Uint8Array, an array of 0..255 or 0x hex)`);
}

function tokenIdArg(value: unknown, fn: string): bigint {
  try {
    if (typeof value === "bigint") return value;
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
    if (typeof value === "string" && /^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$/.test(value)) return BigInt(value);
  } catch {
    /* fall through */
  }
  throw new Error(`${fn}: tokenId must be a decimal or 0x hex string`);
}

/** A secp256k1 public key (hex with or without 0x; compressed or uncompressed) as 0x04… lower case. */
function publicKeyArg(value: unknown, fn: string): string {
  if (typeof value !== "string") throw new Error(`${fn}: publicKey must be a hex string`);
  const hex = value.startsWith("0x") ? value.slice(2) : value;
  try {
    return "0x" + secp256k1.ProjectivePoint.fromHex(hex).toHex(false);
  } catch {
    throw new Error(`${fn}: publicKey is not a secp256k1 public key`);
  }
}

function sigNameArg(value: unknown, fn: string): string {
  const name = value === undefined ? "sig" : value;
  if (typeof name !== "string" || !/^[\w.:-]{1,128}$/.test(name))
    throw new Error(`${fn}: sigName must be 1..128 characters of letters, digits, _ . : -`);
  return name;
}

function idBytesArg(value: unknown, fn: string): string {
  if (typeof value === "string" && !isHexString(value)) return hexlify(toUtf8Bytes(value));
  return hexlify(bytesArg(value, fn, "userId"));
}

function addressArg(value: unknown, fn: string): string {
  if (typeof value !== "string" || !isAddress(value))
    throw new Error(`${fn}: address must be an Ethereum address`);
  return getAddress(value);
}

function chainArg(
  node: PkpNode,
  value: unknown,
  fn: string,
): { name: string; rpcUrl: string; chainId: number } {
  const chains = chainsOf(node);
  if (typeof value !== "string" || !Object.prototype.hasOwnProperty.call(chains, value))
    throw new Error(
      `${fn}: unknown chain ${JSON.stringify(value)}; this node knows ${Object.keys(chains).join(", ")}`,
    );
  return { name: value, ...chains[value] };
}

// ---------------------------------------------------------------- permission

/**
 * May the running action have `tokenId` sign? Yes if the CID on top of the call stack is a permitted
 * action of the PKP (read at the latest block; this holds for a burned PKP too), or if the requester
 * is the owner or a permitted address holding scope 1 (SignAnything), or scope 2 (PersonalSign) for an
 * EIP-191 message. Throws the reason otherwise.
 */
export async function checkActionSigning(ctx: RunContext, tokenId: bigint, personal: boolean): Promise<void> {
  const chain = ctx.node.chain;
  const cid = ctx.stack[ctx.stack.length - 1];
  if (await chain.isPermittedAction(tokenId, getBytes(cidToBytes(cid)))) return;
  // Otherwise the requester's own right (owner, permitted address, or a PKP session's auth-method scopes).
  try {
    await checkSigningPermission(chain, tokenId, ctx.auth, personal ? "eip191" : "digest");
  } catch (e) {
    const id = "0x" + tokenId.toString(16);
    throw new Error(
      `not permitted: action ${cid} is not a permitted action of PKP ${id}, and ${(e as Error).message}`,
    );
  }
}

// ---------------------------------------------------------------- capabilities

async function share(
  ctx: RunContext,
  fn: string,
  args: unknown,
  hashOf: (p: Record<string, unknown>) => Uint8Array,
  personal: boolean,
): Promise<{ sigName: string; pubkey: string; hash: Uint8Array; r: SigningShare }> {
  const p = params(args, fn);
  const pubkey = publicKeyArg(p.publicKey, fn);
  const sigName = sigNameArg(p.sigName, fn);
  const hash = hashOf(p);
  if (ctx.outputs.sigNames.size >= MAX_SIGNATURES_PER_REQUEST)
    throw new Error(
      `${fn}: at most ${MAX_SIGNATURES_PER_REQUEST} signatures per request (child actions included)`,
    );
  if (ctx.outputs.sigNames.has(sigName))
    throw new Error(
      `${fn}: sigName "${sigName}" is already used in this request; give each signature its own`,
    );
  ctx.outputs.sigNames.add(sigName);
  await checkActionSigning(ctx, tokenIdOf(getBytes(pubkey)), personal);
  const r = await ctx.node.signingShare({ requestId: ctx.requestId, sigName, pubkey, hash });
  return { sigName, pubkey, hash, r };
}

function record(ctx: RunContext, sigName: string, hash: Uint8Array, r: SigningShare): void {
  const index = r.index;
  ctx.outputs.signedData[sigName] = {
    sigType: "K256",
    dataSigned: bytesToHex(hash),
    signatureShare: r.member ? r.share.share : "",
    shareIndex: index - 1,
    bigR: r.member ? r.share.bigR : "",
    publicKey: r.member ? r.publicKey : "",
    sigName,
  };
  ctx.outputs.verification[sigName] = r.member
    ? {
        member: true,
        index,
        signingSet: r.decision.signingSet,
        presignatureId: r.decision.presignatureId,
        presignature: r.presignature,
        share: r.share,
        publicKeyShare: r.publicKeyShare,
      }
    : { member: false, index, signingSet: r.decision.signingSet, presignatureId: r.decision.presignatureId };
}

const digestOf = (fn: string) => (p: Record<string, unknown>) => {
  const bytes = bytesArg(p.toSign, fn, "toSign");
  if (bytes.length !== 32) throw new Error(`${fn}: toSign must be a 32-byte hash, got ${bytes.length} bytes`);
  return bytes;
};

const personalDigest = (p: Record<string, unknown>) => {
  const m = p.message;
  if (typeof m === "string") return getBytes(hashMessage(m));
  return getBytes(hashMessage(bytesArg(m, "ethPersonalSignMessageEcdsa", "message")));
};

export function buildCapabilities(ctx: RunContext): Capabilities {
  const node = ctx.node;
  const permissions = new Contract(
    node.config.contracts.pkpPermissions,
    PERMISSIONS_READ_ABI,
    node.chain.provider,
  );
  const latest = { blockTag: "latest" };
  const waitLeft = () => Math.max(0, ctx.deadline() - Date.now());

  const signEcdsa: Capability = async (args) => {
    const { sigName, hash, r } = await share(ctx, "signEcdsa", args, digestOf("signEcdsa"), false);
    record(ctx, sigName, hash, r);
    return "success";
  };
  const ethPersonalSignMessageEcdsa: Capability = async (args) => {
    const { sigName, hash, r } = await share(ctx, "ethPersonalSignMessageEcdsa", args, personalDigest, true);
    record(ctx, sigName, hash, r);
    return "success";
  };
  /**
   * Signs and combines inside the action (no signedData entry): the members of the signing set send
   * their shares to every node (`broadcastAndCollect`), each node adds them, and checks the result
   * recovers to the PKP. Lit's shape: JSON `{r: <compressed R hex>, s: <hex>, v: <recovery id>}`.
   */
  const signAndCombineEcdsa: Capability = async (args) => {
    const fn = "signAndCombineEcdsa";
    const { sigName, pubkey, hash, r } = await share(ctx, fn, args, digestOf(fn), false);
    const mine = r.member ? { index: r.index, share: r.share.share, bigR: r.share.bigR } : { index: r.index };
    const all = (await ctx.coordinator.broadcastAndCollect(
      ctx.requestId,
      `\0combine/${sigName}`,
      mine,
      waitLeft(),
    )) as { index: number; share?: string; bigR?: string }[];
    const set = r.decision.signingSet;
    const shares = all.filter((x) => x && typeof x.share === "string" && set.includes(x.index));
    if (shares.length < set.length)
      throw new Error(`${fn}: only ${shares.length} of ${set.length} shares arrived`);
    const bigR = shares[0].bigR!;
    if (shares.some((x) => x.bigR !== bigR)) throw new Error(`${fn}: the signing set disagrees on R`);
    let s = 0n;
    for (const x of shares) s = (s + BigInt("0x" + x.share)) % N_ORDER;
    const R = secp256k1.ProjectivePoint.fromHex(bigR);
    const rScalar = R.toAffine().x % N_ORDER;
    let recovery = R.toAffine().y & 1n ? 1 : 0;
    if (s > N_ORDER / 2n) {
      s = N_ORDER - s;
      recovery ^= 1;
    }
    const sig = new secp256k1.Signature(rScalar, s).addRecoveryBit(recovery);
    const recovered = sig.recoverPublicKey(hash).toHex(false);
    if ("0x" + recovered !== pubkey) throw new Error(`${fn}: the combined signature does not verify`);
    return JSON.stringify({
      r: R.toHex(true),
      s: s.toString(16).padStart(64, "0"),
      v: recovery,
    });
  };

  const isPermittedAction: Capability = async (args) => {
    const p = params(args, "isPermittedAction");
    if (typeof p.ipfsId !== "string") throw new Error("isPermittedAction: ipfsId must be a CID string");
    return permissions.isPermittedAction(
      tokenIdArg(p.tokenId, "isPermittedAction"),
      cidToBytes(p.ipfsId),
      latest,
    );
  };
  const isPermittedAddress: Capability = async (args) => {
    const p = params(args, "isPermittedAddress");
    return permissions.isPermittedAddress(
      tokenIdArg(p.tokenId, "isPermittedAddress"),
      addressArg(p.address, "isPermittedAddress"),
      latest,
    );
  };
  const isPermittedAuthMethod: Capability = async (args) => {
    const fn = "isPermittedAuthMethod";
    const p = params(args, fn);
    return permissions.isPermittedAuthMethod(
      tokenIdArg(p.tokenId, fn),
      BigInt(Number(p.authMethodType)),
      idBytesArg(p.userId, fn),
      latest,
    );
  };
  const getPermittedActions: Capability = async (args) => {
    const ids = (await permissions.getPermittedActions(
      tokenIdArg(params(args, "getPermittedActions").tokenId, "getPermittedActions"),
      latest,
    )) as string[];
    return ids.map((b) => {
      try {
        return bytesToCid(b);
      } catch {
        return b;
      }
    });
  };
  const getPermittedAddresses: Capability = async (args) => [
    ...((await permissions.getPermittedAddresses(
      tokenIdArg(params(args, "getPermittedAddresses").tokenId, "getPermittedAddresses"),
      latest,
    )) as string[]),
  ];
  const getPermittedAuthMethods: Capability = async (args) => {
    const list = (await permissions.getPermittedAuthMethods(
      tokenIdArg(params(args, "getPermittedAuthMethods").tokenId, "getPermittedAuthMethods"),
      latest,
    )) as { authMethodType: bigint; id: string; userPubkey: string }[];
    return list.map((m) => ({
      auth_method_type: Number(m.authMethodType),
      id: m.id,
      user_pubkey: m.userPubkey,
    }));
  };
  const getPermittedAuthMethodScopes: Capability = async (args) => {
    const fn = "getPermittedAuthMethodScopes";
    const p = params(args, fn);
    const max = p.maxScopeId === undefined ? 3 : Number(p.maxScopeId);
    if (!Number.isInteger(max) || max < 0 || max > 256) throw new Error(`${fn}: maxScopeId must be 0..256`);
    const authMethodType = BigInt(Number(p.authMethodType));
    const id =
      authMethodType === AUTH_METHOD_ADDRESS && typeof p.userId === "string" && isAddress(p.userId)
        ? p.userId.toLowerCase()
        : idBytesArg(p.userId, fn);
    return [
      ...((await permissions.getPermittedAuthMethodScopes(
        tokenIdArg(p.tokenId, fn),
        authMethodType,
        id,
        max,
        latest,
      )) as boolean[]),
    ];
  };
  const pubkeyToTokenId: Capability = async (args) => {
    const pubkey = publicKeyArg(params(args, "pubkeyToTokenId").publicKey, "pubkeyToTokenId");
    return tokenIdOf(getBytes(pubkey)).toString();
  };

  const getRpcUrl: Capability = async (args) =>
    chainArg(node, params(args, "getRpcUrl").chain, "getRpcUrl").rpcUrl;
  const getLatestNonce: Capability = async (args) => {
    const p = params(args, "getLatestNonce");
    const chain = chainArg(node, p.chain, "getLatestNonce");
    const nonce = await providerFor(chain.rpcUrl, chain.chainId).getTransactionCount(
      addressArg(p.address, "getLatestNonce"),
      "latest",
    );
    return "0x" + nonce.toString(16);
  };
  const callContract: Capability = async (args) => {
    const p = params(args, "callContract");
    const chain = chainArg(node, p.chain, "callContract");
    if (typeof p.txn !== "string")
      throw new Error("callContract: txn must be a serialized transaction (hex)");
    let tx: Transaction;
    try {
      tx = Transaction.from(p.txn);
    } catch (e) {
      throw new Error(`callContract: txn is not a serialized transaction: ${(e as Error).message}`);
    }
    if (tx.to === null) throw new Error("callContract: txn has no recipient");
    return providerFor(chain.rpcUrl, chain.chainId).call({
      to: tx.to,
      data: tx.data,
      ...(tx.isSigned() ? { from: tx.from } : {}),
    });
  };

  /**
   * claimKey({keyId}): a deterministic key id for (action, keyId) and this node's attestation of it.
   * derivedKeyId = keccak256(utf8("lit_claim:" + <CID of the running action> + ":" + keyId)), hex
   * without 0x; signature = this node's wallet EIP-191 signature over the 32 bytes of derivedKeyId
   * (65 bytes hex without 0x, r‖s‖v as Lit's client splits it). Every node derives the same id.
   */
  const claimKey: Capability = async (args) => {
    const p = params(args, "claimKey");
    if (typeof p.keyId !== "string" || p.keyId.length === 0 || p.keyId.length > 256)
      throw new Error("claimKey: keyId must be a string of 1..256 characters");
    const cid = ctx.stack[ctx.stack.length - 1];
    const derived = keccak256(toUtf8Bytes(`lit_claim:${cid}:${p.keyId}`));
    const signature = await node.wallet.signMessage(getBytes(derived));
    ctx.outputs.claimData[p.keyId] = { signature: signature.slice(2), derivedKeyId: derived.slice(2) };
    return "success";
  };

  const runOnce: Capability = async (args) => {
    const p = params(args, "runOnce") as {
      stage?: string;
      name?: unknown;
      waitForResponse?: unknown;
      response?: unknown;
    };
    const name = typeof p.name === "string" && p.name.length <= 256 ? p.name : "default";
    const leader = ctx.coordinator.runOnceLeader(ctx.requestId, name);
    const isLeader = ctx.coordinator.isMe(leader);
    if (p.stage === "elect") {
      if (isLeader) return { leader: true };
      if (p.waitForResponse === false) return { leader: false, response: null };
      return { leader: false, response: await ctx.coordinator.fetchRunOnce(ctx.requestId, name, waitLeft()) };
    }
    if (p.stage === "result" && isLeader) {
      ctx.coordinator.recordRunOnce(ctx.requestId, name, p.response);
      return null;
    }
    throw new Error("runOnce: unexpected call");
  };
  const broadcastAndCollect: Capability = async (args) => {
    const p = params(args, "broadcastAndCollect");
    if (typeof p.name !== "string" || p.name.length === 0 || p.name.length > 256 || p.name.startsWith("\0"))
      throw new Error("broadcastAndCollect: name must be a string of 1..256 characters");
    return ctx.coordinator.broadcastAndCollect(ctx.requestId, `user/${p.name}`, p.value ?? null, waitLeft());
  };

  const call: Capability = async (args) => {
    const p = params(args, "call");
    if (typeof p.ipfsId !== "string") throw new Error("call: ipfsId must be a CID string");
    const childParams = p.params === undefined ? {} : p.params;
    if (typeof childParams !== "object" || childParams === null || Array.isArray(childParams))
      throw new Error("call: params must be an object");
    if (ctx.stack.length >= 6)
      throw new Error(`call: child actions nest at most 5 deep (stack: ${ctx.stack.join(" > ")})`);
    return ctx.runChild(p.ipfsId, childParams as Record<string, unknown>, [...ctx.stack, p.ipfsId]);
  };

  const fetch = createFetchCapability({
    resolve: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
    allow: node.config.fetchAllow,
  });

  return {
    fetch,
    signEcdsa,
    ethPersonalSignMessageEcdsa,
    signAndCombineEcdsa,
    isPermittedAction,
    isPermittedAddress,
    isPermittedAuthMethod,
    getPermittedActions,
    getPermittedAddresses,
    getPermittedAuthMethods,
    getPermittedAuthMethodScopes,
    pubkeyToTokenId,
    getRpcUrl,
    getLatestNonce,
    callContract,
    claimKey,
    runOnce,
    broadcastAndCollect,
    call,
    ...buildDecryptionCapabilities(ctx),
  };
}
