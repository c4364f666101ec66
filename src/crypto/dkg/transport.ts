/**
 * The DKG's private shares, sealed to their receiver with the peer encryption of
 * `../encryption.ts`. The associated data binds the protocol, the group, the session id, the
 * round, the dealer and the receiver, so a sealed share only opens for the receiver it was made
 * for, from the dealer that made it, in the session and round it was made in.
 */
import { utf8ToBytes } from "@noble/hashes/utils";
import { CryptoError, CulpritError } from "../errors";
import { open, sealFor, type EncryptionKeyPair, type RandomBytes } from "../encryption";
import type { DkgParams } from "./types";
import { decodeShare, encodeShare } from "./wire";

const AAD_DOMAIN = utf8ToBytes("pkp-network/dkg/v1/share");

/** "pkp-network/dkg/v1/share" ‖ len ‖ group ‖ len ‖ sessionId ‖ round u8 ‖ dealer u16 ‖ receiver u16. */
export function shareAad(params: DkgParams, dealer: number, receiver: number, round = 1): Uint8Array {
  const name = utf8ToBytes(params.group.name);
  const out = new Uint8Array(AAD_DOMAIN.length + 1 + name.length + 1 + params.sessionId.length + 5);
  let o = 0;
  out.set(AAD_DOMAIN, o);
  o += AAD_DOMAIN.length;
  out[o++] = name.length;
  out.set(name, o);
  o += name.length;
  out[o++] = params.sessionId.length;
  out.set(params.sessionId, o);
  o += params.sessionId.length;
  out[o++] = round;
  out[o++] = dealer >> 8;
  out[o++] = dealer & 0xff;
  out[o++] = receiver >> 8;
  out[o++] = receiver & 0xff;
  return out;
}

function checkPair(params: DkgParams, dealer: number, receiver: number): void {
  for (const [v, what] of [
    [dealer, "dealer"],
    [receiver, "receiver"],
  ] as const)
    if (!Number.isInteger(v) || v < 1 || v > params.n)
      throw new CryptoError(`${what} must be a participant index in 1..${params.n}, got ${v}`);
  if (dealer === receiver) throw new CryptoError("a dealer does not send a share to itself");
}

/** Seal f_dealer(receiver) for the receiver's x25519 public key. */
export function sealShare(
  params: DkgParams,
  dealer: number,
  receiver: number,
  share: bigint,
  dealerKeys: EncryptionKeyPair,
  receiverPublicKey: Uint8Array,
): Uint8Array {
  checkPair(params, dealer, receiver);
  const randomBytes: RandomBytes | undefined = params.rng;
  return sealFor(
    receiverPublicKey,
    dealerKeys,
    shareAad(params, dealer, receiver),
    encodeShare(params, share),
    randomBytes === undefined ? {} : { randomBytes },
  );
}

/**
 * Open the share `dealer` sealed for `receiver`. Throws a CulpritError naming the dealer when the
 * box does not open (tampered, sealed for someone else, from another session or round, or by
 * another key) or holds no canonical scalar; the receiver then complains ("missing-share").
 */
export function openShare(
  params: DkgParams,
  dealer: number,
  receiver: number,
  sealed: Uint8Array,
  receiverKeys: EncryptionKeyPair,
  dealerPublicKey: Uint8Array,
): bigint {
  checkPair(params, dealer, receiver);
  let plain: Uint8Array;
  try {
    plain = open(receiverKeys, dealerPublicKey, shareAad(params, dealer, receiver), sealed);
  } catch (cause) {
    throw new CulpritError(`sealed share for participant ${receiver} does not open`, dealer, { cause });
  }
  return decodeShare(params, dealer, plain);
}
