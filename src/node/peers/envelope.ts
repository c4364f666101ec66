/**
 * Signed peer envelopes. Every node-to-node message is `{from, to, session, kind, round, payload,
 * sealed?, key, sig}`: `sig` is the sender's node key (secp256k1) signing SHA-256 of the canonical
 * encoding of everything but `key` and `sig` (ECDSA, r ‖ s), and `key` is that node key's public
 * key (SEC1 compressed), so the receiver can check the sender is a current validator (the address of
 * `key` must be `from`) and the message is for it. Signing and verifying go through node:crypto
 * (OpenSSL's secp256k1, several times faster to verify than JavaScript; docs/performance.md, "Unit
 * costs behind design choices"): envelopes are the transport's authentication, sent by the
 * thousand in every DKG and presignature batch, not part of the threshold protocols' own
 * cryptography (which is on @noble/curves). Carrying the key spares a public-key recovery at a
 * sender's first message. A receiver checks a sender's `key` against its address once and keeps the
 * key object.
 * Secret parts go in `sealed`: x25519 + ChaCha20-Poly1305 (src/crypto/encryption) to the receiver's
 * comms key, with associated data binding sender, receiver, session, kind and round.
 */
import {
  createPrivateKey,
  createPublicKey,
  sign as signMessage,
  verify as verifySignature,
  type KeyObject,
} from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils";
import { computeAddress, getAddress } from "ethers";
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
  key: z.string().regex(/^0x0[23][0-9a-fA-F]{64}$/),
  sig: z.string().regex(/^0x[0-9a-fA-F]{128}$/),
});
export type Envelope = z.infer<typeof envelopeSchema>;
export type UnsignedEnvelope = Omit<Envelope, "sig" | "key">;

/** The bytes that are signed: JSON of the fields in a fixed order. */
export function canonicalEnvelope(e: UnsignedEnvelope): Uint8Array {
  return utf8ToBytes(
    JSON.stringify([
      "pkp-network/peer/v2",
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

/** Anything holding a secp256k1 private key as 0x-hex (an ethers Wallet or HDNodeWallet). */
export interface EnvelopeSigningKey {
  readonly signingKey: { readonly privateKey: string };
}

const b64url = (u: Uint8Array) => Buffer.from(u).toString("base64url");

function publicKeyObject(uncompressed: Uint8Array): KeyObject {
  return createPublicKey({
    key: {
      kty: "EC",
      crv: "secp256k1",
      x: b64url(uncompressed.subarray(1, 33)),
      y: b64url(uncompressed.subarray(33)),
    },
    format: "jwk",
  });
}

/** OpenSSL key objects of this process's signing keys (a node has one). */
const signers = new Map<string, { key: KeyObject; publicKey: string }>();

function signerFor(wallet: EnvelopeSigningKey): { key: KeyObject; publicKey: string } {
  const hex = wallet.signingKey.privateKey.toLowerCase();
  let s = signers.get(hex);
  if (s === undefined) {
    const d = hexToBytes(hex.replace(/^0x/, ""));
    const point = secp256k1.Point.fromBytes(secp256k1.getPublicKey(d, false));
    const raw = point.toBytes(false);
    s = {
      key: createPrivateKey({
        key: {
          kty: "EC",
          crv: "secp256k1",
          d: b64url(d),
          x: b64url(raw.subarray(1, 33)),
          y: b64url(raw.subarray(33)),
        },
        format: "jwk",
      }),
      publicKey: "0x" + bytesToHex(point.toBytes(true)),
    };
    if (signers.size >= 64) signers.clear();
    signers.set(hex, s);
  }
  return s;
}

export function signEnvelope(
  e: UnsignedEnvelope & { key?: string; sig?: string },
  wallet: EnvelopeSigningKey,
): Envelope {
  const { key: _key, sig: _sig, ...unsigned } = e;
  const signer = signerFor(wallet);
  const sig = signMessage("sha256", canonicalEnvelope(unsigned), {
    key: signer.key,
    dsaEncoding: "ieee-p1363",
  });
  return { ...unsigned, key: signer.publicKey, sig: "0x" + sig.toString("hex") };
}

/**
 * Checks envelopes against their claimed sender: a sender's `key` is checked against its address
 * once and its key object kept; every message is then one OpenSSL verification.
 */
export class EnvelopeVerifier {
  readonly #keys = new Map<string, { key: KeyObject; publicKey: string }>();

  constructor(private readonly maxKeys = 1024) {}

  /** Whether `e` is signed by the key of `e.from`. */
  verify(e: Envelope): boolean {
    const from = e.from.toLowerCase();
    let known = this.#keys.get(from);
    if (known === undefined || known.publicKey !== e.key.toLowerCase()) {
      let raw: Uint8Array;
      try {
        raw = secp256k1.Point.fromHex(e.key.slice(2)).toBytes(false);
      } catch {
        return false;
      }
      if (computeAddress("0x" + bytesToHex(raw)).toLowerCase() !== from) return false;
      known = { key: publicKeyObject(raw), publicKey: e.key.toLowerCase() };
      if (this.#keys.size >= this.maxKeys) this.#keys.clear();
      this.#keys.set(from, known);
    }
    const { sig, key: _key, ...rest } = e;
    return verifySignature(
      "sha256",
      canonicalEnvelope(rest),
      { key: known.key, dsaEncoding: "ieee-p1363" },
      hexToBytes(sig.slice(2)),
    );
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
