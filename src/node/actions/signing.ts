/**
 * Signing from actions: `signEcdsa` (a 32-byte digest), `ethPersonalSignMessageEcdsa` (EIP-191),
 * `signAndCombineEcdsa` (combined inside the action), each through the same leader-agreed signing
 * session as pkpSign once the action may sign for the PKP; and `claimKey`, this node's attestation
 * of a key id derived from the running action.
 */
import { secp256k1 } from "@noble/curves/secp256k1";
import { bytesToHex } from "@noble/hashes/utils";
import { getBytes, hashMessage, keccak256, toUtf8Bytes } from "ethers";

import { cidToBytes } from "../../protocol";
import { combineLitShares } from "../../crypto/ecdsa";
import { tokenIdOf } from "../chain";
import type { SigningShare } from "../node";
import { checkSigningPermission } from "../permissions";
import type { Capabilities, Capability } from "../sandbox";
import { CapabilityError, bytesArg, params, publicKeyArg, sigNameArg } from "./args";
import { MAX_SIGNATURES_PER_REQUEST, type RunContext } from "./context";

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
    throw new CapabilityError(
      `not permitted: action ${cid} is not a permitted action of PKP ${id}, and ${(e as Error).message}`,
    );
  }
}

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
    throw new CapabilityError(
      `${fn}: at most ${MAX_SIGNATURES_PER_REQUEST} signatures per request (child actions included)`,
    );
  if (ctx.outputs.sigNames.has(sigName))
    throw new CapabilityError(
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
  if (bytes.length !== 32)
    throw new CapabilityError(`${fn}: toSign must be a 32-byte hash, got ${bytes.length} bytes`);
  return bytes;
};

const personalDigest = (p: Record<string, unknown>) => {
  const m = p.message;
  if (typeof m === "string") return getBytes(hashMessage(m));
  return getBytes(hashMessage(bytesArg(m, "ethPersonalSignMessageEcdsa", "message")));
};

export function signingCapabilities(ctx: RunContext): Capabilities {
  const node = ctx.node;
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
      ctx.round,
      `\0combine/${sigName}`,
      mine,
      waitLeft(),
    )) as { index: number; share?: string; bigR?: string }[];
    const set = r.decision.signingSet;
    const shares = all.filter((x) => x && typeof x.share === "string" && set.includes(x.index));
    if (shares.length < set.length)
      throw new CapabilityError(`${fn}: only ${shares.length} of ${set.length} shares arrived`);
    const bigR = shares[0].bigR!;
    if (shares.some((x) => x.bigR !== bigR))
      throw new CapabilityError(`${fn}: the signing set disagrees on R`);
    const R = secp256k1.ProjectivePoint.fromHex(bigR);
    const sig = combineLitShares(
      shares.map((x) => BigInt("0x" + x.share)),
      R,
      hash,
      secp256k1.ProjectivePoint.fromHex(pubkey.slice(2)),
    );
    if (sig === undefined) throw new CapabilityError(`${fn}: the combined signature does not verify`);
    return JSON.stringify({ r: R.toHex(true), s: sig.s.toString(16).padStart(64, "0"), v: sig.recoveryId });
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
      throw new CapabilityError("claimKey: keyId must be a string of 1..256 characters");
    const cid = ctx.stack[ctx.stack.length - 1];
    const derived = keccak256(toUtf8Bytes(`lit_claim:${cid}:${p.keyId}`));
    const signature = await node.wallet.signMessage(getBytes(derived));
    ctx.outputs.claimData[p.keyId] = { signature: signature.slice(2), derivedKeyId: derived.slice(2) };
    return "success";
  };

  return { signEcdsa, ethPersonalSignMessageEcdsa, signAndCombineEcdsa, claimKey };
}
