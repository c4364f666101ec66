/**
 * Signed peer envelopes. Every node-to-node message is `{from, to, session, kind, round, payload,
 * sealed?, sig}`: `sig` is the sender's node key (secp256k1) signing SHA-256 of the canonical
 * encoding of everything else, as r ‖ s ‖ v (v = 27 + recovery id), so the receiver can check the
 * sender is a current validator and the message is for it. The receiver recovers a sender's public
 * key once (its address must be the claimed sender) and from then on verifies with that key through
 * node:crypto (OpenSSL), several times faster than a recovery per message. Secret parts go in `sealed`: x25519 + ChaCha20-Poly1305 (src/crypto/encryption)
 * to the receiver's comms key, with associated data binding sender, receiver, session, kind and round.
 */
import { createPublicKey, verify as verifySignature, type KeyObject } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1";
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils";
import { computeAddress, getAddress, getBytes } from "ethers";
import { z } from "zod";
import { open, sealFor, type EncryptionKeyPair } from "../../crypto/encryption";

export const envelopeSchema = z.object({
  from: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  to: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  session: z.string().min(1).max(200),
  kind: z.string().min(1).max(64),
  round: z.number().int().min(0).max(1000),
  payload: z.unknown(),
  sealed: z
    .string()
    .regex(/^[0-9a-f]*$/)
    .max(8 * 1024 * 1024)
    .optional(),
  sig: z.string().regex(/^0x[0-9a-fA-F]{130}$/),
});
export type Envelope = z.infer<typeof envelopeSchema>;
export type UnsignedEnvelope = Omit<Envelope, "sig">;

/** The bytes that are signed: JSON of the fields in a fixed order. */
export function canonicalEnvelope(e: UnsignedEnvelope): Uint8Array {
  return utf8ToBytes(
    JSON.stringify([
      "pkp-network/peer/v1",
      getAddress(e.from),
      getAddress(e.to),
      e.session,
      e.kind,
      e.round,
      e.payload ?? null,
      e.sealed ?? null,
    ]),
  );
}

/** SHA-256 of the canonical encoding: what `sig` signs. */
export function envelopeDigest(e: UnsignedEnvelope): Uint8Array {
  return sha256(canonicalEnvelope(e));
}

/** Anything holding a secp256k1 private key as 0x-hex (an ethers Wallet or HDNodeWallet). */
export interface EnvelopeSigningKey {
  readonly signingKey: { readonly privateKey: string };
}

export function signEnvelope(e: UnsignedEnvelope, wallet: EnvelopeSigningKey): Envelope {
  const sig = secp256k1.sign(envelopeDigest(e), getBytes(wallet.signingKey.privateKey), { lowS: true });
  return { ...e, sig: "0x" + sig.toCompactHex() + (27 + sig.recovery).toString(16) };
}

function parseSig(sig: string): { compact: Uint8Array; recovery: number } {
  const bytes = hexToBytes(sig.slice(2));
  const v = bytes[64];
  if (v !== 27 && v !== 28) throw new Error("bad recovery byte");
  return { compact: bytes.subarray(0, 64), recovery: v - 27 };
}

function recoverPoint(e: Envelope) {
  const { sig, ...rest } = e;
  const { compact, recovery } = parseSig(sig);
  return secp256k1.Signature.fromCompact(compact)
    .addRecoveryBit(recovery)
    .recoverPublicKey(envelopeDigest(rest));
}

/** The address that signed the envelope (checksummed); a recovery per call (see `EnvelopeVerifier`). */
export function envelopeSigner(e: Envelope): string {
  return getAddress(computeAddress("0x" + recoverPoint(e).toHex(false)));
}

/**
 * Checks envelopes against their claimed sender with one public-key recovery per sender address
 * (remembered only when it yields that address) and an OpenSSL verification per message after that.
 */
export class EnvelopeVerifier {
  readonly #keys = new Map<string, KeyObject>();

  constructor(private readonly maxKeys = 1024) {}

  /** Whether `e` is signed by the key of `e.from`. */
  verify(e: Envelope): boolean {
    const from = e.from.toLowerCase();
    let parsed: { compact: Uint8Array; recovery: number };
    try {
      parsed = parseSig(e.sig);
    } catch {
      return false;
    }
    const key = this.#keys.get(from);
    const { sig: _sig, ...rest } = e;
    if (key !== undefined)
      return verifySignature(
        "sha256",
        canonicalEnvelope(rest),
        { key, dsaEncoding: "ieee-p1363" },
        parsed.compact,
      );
    let point;
    try {
      point = recoverPoint(e);
    } catch {
      return false;
    }
    const raw = point.toRawBytes(false);
    if (computeAddress("0x" + bytesToHex(raw)).toLowerCase() !== from) return false;
    if (this.#keys.size >= this.maxKeys) this.#keys.clear();
    const b64 = (u: Uint8Array) => Buffer.from(u).toString("base64url");
    this.#keys.set(
      from,
      createPublicKey({
        key: { kty: "EC", crv: "secp256k1", x: b64(raw.subarray(1, 33)), y: b64(raw.subarray(33)) },
        format: "jwk",
      }),
    );
    return true;
  }
}

function sealAad(from: string, to: string, session: string, kind: string, round: number): Uint8Array {
  return utf8ToBytes(
    JSON.stringify(["pkp-network/peer/v1/sealed", getAddress(from), getAddress(to), session, kind, round]),
  );
}

/** Seals a JSON value for the receiver. */
export function sealPayload(
  value: unknown,
  head: { from: string; to: string; session: string; kind: string; round: number },
  senderKeys: EncryptionKeyPair,
  receiverPublicKey: Uint8Array,
): string {
  const aad = sealAad(head.from, head.to, head.session, head.kind, head.round);
  return bytesToHex(sealFor(receiverPublicKey, senderKeys, aad, utf8ToBytes(JSON.stringify(value))));
}

/** Opens a sealed payload (throws if it was not sealed by the sender for us in this session and round). */
export function openPayload(
  e: Pick<Envelope, "from" | "to" | "session" | "kind" | "round" | "sealed">,
  receiverKeys: EncryptionKeyPair,
  senderPublicKey: Uint8Array,
): unknown {
  if (e.sealed === undefined) return undefined;
  const aad = sealAad(e.from, e.to, e.session, e.kind, e.round);
  const plain = open(receiverKeys, senderPublicKey, aad, hexToBytes(e.sealed));
  return JSON.parse(new TextDecoder().decode(plain));
}
