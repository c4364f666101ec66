/**
 * The decryption host functions of a Lit Action run (Lit's parameter names and results):
 *
 * - `checkConditions({conditions, authSig?, chain})` → boolean: the conditions evaluated at the latest
 *   block for the session's wallet (`Lit.Auth.authSigAddress`), or for the address of `authSig` when
 *   one is given (a wallet AuthSig: EIP-191 signature over its SIWE message by `address`, not expired);
 *   `:currentActionIpfsId` is the CID on top of the action stack.
 * - `encrypt({accessControlConditions, to_encrypt})` → `{ciphertext, dataToEncryptHash}` in the SDK's
 *   formats (base64 IBE ciphertext to the network key, hex SHA-256 of the plaintext). IBE is randomised:
 *   every node computes its own ciphertext, so the nodes' ciphertexts differ; each decrypts the same.
 * - `decryptAndCombine({accessControlConditions, ciphertext, dataToEncryptHash, authSig, chain})` →
 *   the plaintext (UTF-8 string). Every node checks the conditions (for the requester as above;
 *   `:currentActionIpfsId` = this action), computes its BLS share of the identity key
 *   `lit-accesscontrolcondition://<hash of the conditions>/<dataToEncryptHash>` from its network key
 *   share, and sends it to every node (`broadcastAndCollect`, name `\0decrypt/<n>/<identity hashes>`,
 *   n = the call's number in the request). A node whose conditions fail sends its refusal instead (so
 *   nobody waits for it) and the action gets the reason. Each node combines the shares (2t+1; a share
 *   that breaks decryption is found by pairing checks against the public key shares and left out),
 *   decrypts, and checks the plaintext hashes to `dataToEncryptHash`.
 * - `decryptToSingleNode(...)`: the same inputs and exchange; only the runOnce leader for the call's
 *   name combines and decrypts; every other node returns `NOT_DECRYPTED_ON_THIS_NODE`. The other nodes
 *   still receive the shares over the peer network (inside the node processes, never in their
 *   actions): unlike Lit, the restriction is on what the actions see, not on where shares travel.
 */
import { createHash } from "node:crypto";
import { getAddress, isHexString, verifyMessage } from "ethers";
import { SiweMessage } from "siwe";
import { combineAndVerify, combineShares, decodeShare, encodeShareHex, signShare } from "../../crypto/bls";
import type { BlsSignatureShare } from "../../crypto/bls";
import { CONDITION_KINDS, type ConditionKind } from "../../crypto/conditions";
import { blsG1Group } from "../../crypto/group";
import { decrypt as ibeDecrypt, encrypt as ibeEncrypt } from "../../crypto/ibe";
import { isSessionCapability } from "../auth";
import { ConditionChains, checkConditions as checkAll, evaluateConditions } from "../conditions";
import { createActionConditionRunner, type ActionConditionRunner } from "./actionConditions";
import { decryptionRequest, type DecryptionRequest } from "../conditions";
import type { ActionNode } from "./context";
import type { Capabilities, Capability } from "../sandbox";
import type { EncryptionSignRequest } from "../wire";
import type { RunContext, RunOutputs } from "./context";
import { CapabilityError } from "./args";

/** What `decryptToSingleNode` returns on every node but the one that decrypts. */
export const NOT_DECRYPTED_ON_THIS_NODE = "[decryptToSingleNode: decrypted on another node]";

/** Largest plaintext `encrypt` takes inside an action. */
export const MAX_ACTION_ENCRYPT_BYTES = 16 * 1024 * 1024;

interface NodeResources {
  chains: ConditionChains;
  runner: ActionConditionRunner;
}

const resources = new Map<ActionNode, NodeResources>();
function resourcesOf(node: ActionNode): NodeResources {
  let r = resources.get(node);
  if (r === undefined) {
    r = { chains: new ConditionChains(node.config), runner: createActionConditionRunner(node) };
    resources.set(node, r);
  }
  return r;
}

/** Stops the chain providers and the action-condition sandboxes made for decryption in actions. */
export function destroyDecryptionResources(): void {
  for (const r of resources.values()) {
    r.chains.destroy();
    void r.runner.close();
  }
  resources.clear();
}

const callCounts = new WeakMap<RunOutputs, number>();

type Json = Record<string, unknown>;

function params(args: unknown, fn: string): Json {
  if (typeof args !== "object" || args === null || Array.isArray(args))
    throw new CapabilityError(`${fn}: expects one object of named parameters`);
  return args as Json;
}

function bytesOf(value: unknown, fn: string, what: string): Uint8Array {
  if (typeof value === "string") return new TextEncoder().encode(value);
  if (value instanceof Uint8Array) return value;
  const list = Array.isArray(value)
    ? value
    : typeof value === "object" && value !== null
      ? Object.keys(value)
          .sort((a, b) => Number(a) - Number(b))
          .map((k) => (value as Json)[k])
      : null;
  if (list !== null && list.every((b) => Number.isInteger(b) && (b as number) >= 0 && (b as number) <= 255))
    return Uint8Array.from(list as number[]);
  throw new CapabilityError(`${fn}: ${what} must be a string or bytes`);
}

/** Which kind of condition list `conditions` is (`checkConditions` takes a bare list). */
function kindOfList(conditions: readonly unknown[]): ConditionKind {
  const leaves: Json[] = [];
  const walk = (l: readonly unknown[]) => {
    for (const c of l)
      if (Array.isArray(c)) walk(c);
      else if (c !== null && typeof c === "object" && !("operator" in c)) leaves.push(c as Json);
  };
  walk(conditions);
  if (leaves.some((c) => c.conditionType !== undefined)) return "unifiedAccessControlConditions";
  if (leaves.some((c) => c.functionAbi !== undefined)) return "evmContractConditions";
  return "accessControlConditions";
}

/** The conditions of a call, their hash and the identity (as the node's share route computes them). */
function request(p: Json, fn: string, dataToEncryptHash: string): DecryptionRequest {
  const given = CONDITION_KINDS.filter((k) => p[k] !== undefined && p[k] !== null);
  if (given.length !== 1)
    throw new CapabilityError(
      `${fn}: give exactly one of ${CONDITION_KINDS.join(", ")} (got ${given.length})`,
    );
  if (!Array.isArray(p[given[0]])) throw new CapabilityError(`${fn}: ${given[0]} must be an array`);
  try {
    return decryptionRequest({ [given[0]]: p[given[0]], dataToEncryptHash } as EncryptionSignRequest);
  } catch (e) {
    throw new CapabilityError(`${fn}: ${(e as Error).message}`);
  }
}

function hashArg(value: unknown, fn: string): string {
  if (typeof value !== "string" || !/^[0-9a-fA-F]{64}$/.test(value))
    throw new CapabilityError(`${fn}: dataToEncryptHash must be 64 hex characters (SHA-256)`);
  return value.toLowerCase();
}

/** Whether a signed message is a session capability: a SIWE delegating to a session key. */
function delegatesToSession(signedMessage: string): boolean {
  if (/^URI: lit:session:/im.test(signedMessage)) return true;
  let siwe: SiweMessage;
  try {
    siwe = new SiweMessage(signedMessage);
  } catch {
    return false;
  }
  return isSessionCapability(siwe);
}

/**
 * The address conditions are evaluated for: the session's, or a given wallet AuthSig's (its signature
 * must recover to its address, its SIWE message must not have expired, and it must not be a session
 * capability, which every node sees inside its wallet's session signatures).
 */
function requesterOf(ctx: RunContext, authSig: unknown, fn: string): string {
  if (authSig === undefined || authSig === null) return ctx.auth.address;
  const a = authSig as { sig?: unknown; signedMessage?: unknown; address?: unknown };
  if (typeof a !== "object" || typeof a.sig !== "string" || typeof a.signedMessage !== "string")
    throw new CapabilityError(
      `${fn}: authSig must be a wallet AuthSig {sig, derivedVia, signedMessage, address}`,
    );
  if (typeof a.address !== "string" || !isHexString(a.address, 20))
    throw new CapabilityError(`${fn}: authSig.address must be an Ethereum address`);
  let signer: string;
  try {
    signer = verifyMessage(a.signedMessage, a.sig);
  } catch (e) {
    throw new CapabilityError(`${fn}: authSig.sig is not a signature: ${(e as Error).message}`);
  }
  if (signer !== getAddress(a.address))
    throw new CapabilityError(
      `${fn}: authSig is not signed by ${getAddress(a.address)} (it recovers to ${signer})`,
    );
  if (delegatesToSession(a.signedMessage))
    throw new CapabilityError(`${fn}: authSig is a session capability, not a wallet AuthSig`);
  const expiry = /^Expiration Time: (.+)$/m.exec(a.signedMessage)?.[1];
  if (expiry !== undefined && !(new Date(expiry).getTime() > Date.now()))
    throw new CapabilityError(`${fn}: authSig expired at ${expiry}`);
  return signer;
}

function chainArg(value: unknown, fn: string): void {
  if (value !== undefined && value !== null && typeof value !== "string")
    throw new CapabilityError(`${fn}: chain must be a chain name`);
}

async function conditionsHold(
  ctx: RunContext,
  d: DecryptionRequest,
  userAddress: string,
  fn: string,
): Promise<void> {
  const r = resourcesOf(ctx.node);
  try {
    await checkAll(d.kind, d.conditions, {
      userAddress,
      chains: r.chains,
      currentActionIpfsId: ctx.stack[ctx.stack.length - 1],
      runActionCondition: r.runner.run,
    });
  } catch (e) {
    const details = (e as { details?: readonly string[] }).details ?? [];
    throw new CapabilityError(
      `${fn}: ${(e as Error).message}${details.length ? ` (${details.join("; ")})` : ""}`,
    );
  }
}

function networkKeyOf(node: ActionNode, fn: string) {
  const key = node.networkKeyShare();
  if (key === undefined) throw new CapabilityError(`${fn}: this node has no share of the network key yet`);
  return key;
}

function ciphertextArg(value: unknown, fn: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value !== "string" || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value))
    throw new CapabilityError(`${fn}: ciphertext must be base64 (as encrypt returns it)`);
  return new Uint8Array(Buffer.from(value, "base64"));
}

type ShareMessage = { index: number; share: string } | { index: number; refused: string };

/** Checks, exchanges shares and (unless `single` and not the leader) decrypts; returns the plaintext. */
async function decryptCall(ctx: RunContext, fn: string, args: unknown, single: boolean): Promise<string> {
  const p = params(args, fn);
  const dataToEncryptHash = hashArg(p.dataToEncryptHash, fn);
  const d = request(p, fn, dataToEncryptHash);
  const ciphertext = ciphertextArg(p.ciphertext, fn);
  chainArg(p.chain, fn);
  const key = networkKeyOf(ctx.node, fn);
  const n = (callCounts.get(ctx.outputs) ?? 0) + 1;
  callCounts.set(ctx.outputs, n);
  const name = `\0decrypt/${n}/${d.hashOfConditions}/${dataToEncryptHash}`;
  const waitMs = Math.max(0, ctx.deadline() - Date.now());

  let refusal: Error | undefined;
  let mine: ShareMessage;
  try {
    await conditionsHold(ctx, d, requesterOf(ctx, p.authSig, fn), fn);
    mine = { index: key.index, share: encodeShareHex(signShare(key.index, key.secretShare, d.identity)) };
  } catch (e) {
    refusal = e as Error;
    mine = { index: key.index, refused: refusal.message.slice(0, 1000) };
  }
  const collected = ctx.coordinator.broadcastAndCollect(ctx.round, name, mine, waitMs);
  if (refusal !== undefined) {
    void collected.catch(() => undefined);
    throw refusal;
  }
  const all = (await collected) as ShareMessage[];
  const decides = !single || ctx.coordinator.isMe(ctx.coordinator.runOnceLeader(ctx.requestId, name));
  if (!decides) return NOT_DECRYPTED_ON_THIS_NODE;

  const shares: BlsSignatureShare[] = [];
  const refusals: string[] = [];
  for (const m of all) {
    if (m === null || typeof m !== "object" || !Number.isInteger(m.index)) continue;
    if ("refused" in m && typeof m.refused === "string") refusals.push(`node ${m.index}: ${m.refused}`);
    else if ("share" in m && typeof m.share === "string")
      try {
        shares.push(decodeShare(m.share, m.index));
      } catch {
        refusals.push(`node ${m.index}: a malformed share`);
      }
  }
  const quorum = ctx.node.quorum;
  if (shares.length < quorum)
    throw new CapabilityError(
      `${fn}: ${shares.length} of ${quorum} decryption shares released${refusals.length ? ` (${refusals.join("; ")})` : ""}`,
    );
  let plaintext: Uint8Array;
  try {
    plaintext = ibeDecrypt(ciphertext, combineShares(shares));
  } catch {
    // A wrong share, or a ciphertext that is not for this identity: verify every share to tell.
    const publicKeyShares = new Map<number, Uint8Array>();
    for (const [j, pt] of key.publicKeyShares) publicKeyShares.set(j, blsG1Group.pointToBytes(pt));
    let combined;
    try {
      combined = combineAndVerify({
        message: d.identity,
        publicKey: blsG1Group.pointToBytes(key.publicKey),
        publicKeyShares,
        shares,
        threshold: quorum,
      });
    } catch (e) {
      throw new CapabilityError(`${fn}: the decryption shares do not combine: ${(e as Error).message}`);
    }
    try {
      plaintext = ibeDecrypt(ciphertext, combined.signature);
    } catch (e) {
      throw new CapabilityError(
        `${fn}: the ciphertext does not decrypt under these conditions and dataToEncryptHash (tampered, or made for others): ${(e as Error).message}`,
      );
    }
  }
  if (createHash("sha256").update(plaintext).digest("hex") !== dataToEncryptHash)
    throw new CapabilityError(`${fn}: the plaintext does not hash to dataToEncryptHash`);
  return new TextDecoder().decode(plaintext);
}

export function buildDecryptionCapabilities(ctx: RunContext): Capabilities {
  const checkConditions: Capability = async (args) => {
    const fn = "checkConditions";
    const p = params(args, fn);
    if (!Array.isArray(p.conditions))
      throw new CapabilityError(`${fn}: conditions must be an array of conditions`);
    chainArg(p.chain, fn);
    const kind = kindOfList(p.conditions);
    const d = request({ [kind]: p.conditions }, fn, "0".repeat(64));
    const r = resourcesOf(ctx.node);
    try {
      const result = await evaluateConditions(d.kind, d.conditions, {
        userAddress: requesterOf(ctx, p.authSig, fn),
        chains: r.chains,
        currentActionIpfsId: ctx.stack[ctx.stack.length - 1],
        runActionCondition: r.runner.run,
      });
      return result.passed;
    } catch (e) {
      if ((e as Error).message.startsWith(`${fn}:`)) throw e;
      throw new CapabilityError(`${fn}: ${(e as Error).message}`);
    }
  };

  const encrypt: Capability = async (args) => {
    const fn = "encrypt";
    const p = params(args, fn);
    const data = bytesOf(p.to_encrypt, fn, "to_encrypt");
    if (data.length > MAX_ACTION_ENCRYPT_BYTES)
      throw new CapabilityError(
        `${fn}: to_encrypt is ${data.length} bytes, the limit is ${MAX_ACTION_ENCRYPT_BYTES}`,
      );
    const dataToEncryptHash = createHash("sha256").update(data).digest("hex");
    const d = request(p, fn, dataToEncryptHash);
    const key = networkKeyOf(ctx.node, fn);
    const ciphertext = ibeEncrypt(blsG1Group.pointToBytes(key.publicKey), d.identity, data);
    return { ciphertext: Buffer.from(ciphertext).toString("base64"), dataToEncryptHash };
  };

  const decryptAndCombine: Capability = (args) => decryptCall(ctx, "decryptAndCombine", args, false);
  const decryptToSingleNode: Capability = (args) => decryptCall(ctx, "decryptToSingleNode", args, true);

  return { checkConditions, encrypt, decryptAndCombine, decryptToSingleNode };
}
