/**
 * Signed peer envelopes. Every node-to-node message is `{from, to, session, kind, round, payload,
 * sealed?, sig}`: `sig` is the sender's node key signing (EIP-191) keccak256 of the canonical
 * encoding of everything else, so the receiver can check the sender is a current validator and the
 * message is for it. Secret parts go in `sealed`: x25519 + ChaCha20-Poly1305 (src/crypto/encryption)
 * to the receiver's comms key, with associated data binding sender, receiver, session, kind and round.
 */
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils";
import { getAddress, keccak256, verifyMessage, type Wallet, getBytes } from "ethers";
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

export function envelopeDigest(e: UnsignedEnvelope): Uint8Array {
  return getBytes(keccak256(canonicalEnvelope(e)));
}

export function signEnvelope(e: UnsignedEnvelope, wallet: Wallet): Envelope {
  return { ...e, sig: wallet.signMessageSync(envelopeDigest(e)) };
}

/** The address that signed the envelope (checksummed). */
export function envelopeSigner(e: Envelope): string {
  const { sig, ...rest } = e;
  return getAddress(verifyMessage(envelopeDigest(rest), sig));
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
