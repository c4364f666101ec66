/**
 * A node's keys, all derived from its secp256k1 node key: the node address (ethers), and the x25519
 * comms key that peers seal secret protocol messages to:
 *   commsSecret = HKDF-SHA256(ikm = nodePrivateKey, salt = "pkp-network", info = "comms-x25519", 32).
 * The launcher registers `uint256(publicKey, big-endian)` as both senderPubKey and receiverPubKey.
 */
import { hkdf } from "@noble/hashes/hkdf";
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils";
import { encryptionKeysFromSecret, type EncryptionKeyPair } from "../crypto/encryption";

export interface CommsKeyPair extends EncryptionKeyPair {
  /** The public key as the uint256 registered in Staking (big-endian). */
  readonly publicKeyUint: bigint;
}

function privateKeyBytes(nodePrivateKey: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(nodePrivateKey))
    throw new Error("node private key must be 0x followed by 64 hex");
  return hexToBytes(nodePrivateKey.slice(2));
}

export function deriveCommsKeyPair(nodePrivateKey: string): CommsKeyPair {
  const secret = hkdf(
    sha256,
    privateKeyBytes(nodePrivateKey),
    utf8ToBytes("pkp-network"),
    utf8ToBytes("comms-x25519"),
    32,
  );
  const keys = encryptionKeysFromSecret(secret);
  return Object.freeze({ ...keys, publicKeyUint: BigInt("0x" + bytesToHex(keys.publicKey)) });
}

/** The 32-byte x25519 key a validator registered (uint256, big-endian). */
export function commsKeyFromUint(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 256n) throw new Error("comms key does not fit in 32 bytes");
  return hexToBytes(value.toString(16).padStart(64, "0"));
}

/** The node's secret key bytes (for the storage key). */
export function nodeSecretBytes(nodePrivateKey: string): Uint8Array {
  return privateKeyBytes(nodePrivateKey);
}
