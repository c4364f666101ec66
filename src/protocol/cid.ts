/**
 * IPFS CIDv0 of a Lit Action's code, exactly as `ipfs add` computes it by default (the
 * "unixfs-v0-2015" profile: CIDv0, 256 KiB fixed-size chunks, balanced DAG with at most 174 links per
 * node, UnixFS file leaves, raw leaves off), and the conversions between the base58 "Qm…" string and
 * the 34-byte sha2-256 multihash (0x1220…) that the contracts store as an ACTION auth method id.
 */
import { importer } from "ipfs-unixfs-importer";
import type { ImporterOptions, WritableStorage } from "ipfs-unixfs-importer";
import { base58btc } from "multiformats/bases/base58";
import { getBytes, hexlify, isHexString } from "ethers";

// The one import outside the protocol: a leaf module (no imports) whose class tasks and tests catch.
import { InvalidCidError } from "../chain/errors";

/** sha2-256 multihash code and digest length: every CIDv0 multihash starts with these two bytes. */
const SHA2_256 = 0x12;
const SHA2_256_LENGTH = 32;
/** A CIDv0 is the base58btc encoding (without multibase prefix) of a 34-byte multihash: 46 characters. */
const CID_V0_LENGTH = 46;

/**
 * The importer options of `ipfs add`'s default profile, a fresh object each time (the importer adds
 * its defaults to the object it is given). The only copy: the gateway (src/network) adds files with
 * these too, so its CIDs always match `cidOf`.
 */
export function unixfsV0Options(): ImporterOptions {
  return {
    profile: "unixfs-v0-2015",
    cidVersion: 0,
    rawLeaves: false,
    leafType: "file",
    reduceSingleLeafToSelf: true,
    wrapWithDirectory: false,
  };
}

/** Only the CID is wanted, not the blocks: a block sink that keeps nothing. */
export const discardBlocks: WritableStorage = { put: (cid) => cid };

/** The CIDv0 ("Qm…") that `ipfs add` prints for a file with these bytes. */
export async function cidOf(content: Uint8Array | string): Promise<string> {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  let root: string | undefined;
  for await (const entry of importer([{ content: bytes }], discardBlocks, unixfsV0Options())) {
    root = entry.cid.toString();
  }
  if (root === undefined) throw new Error("ipfs-unixfs-importer produced no root");
  return root;
}

/**
 * The 34-byte multihash (0x1220…, as hex) inside a CIDv0 string: what PKPPermissions stores as the id
 * of an ACTION auth method. Refuses anything that is not a base58btc sha2-256 CIDv0.
 */
export function cidToBytes(cid: string): string {
  if (typeof cid !== "string" || cid.length === 0) throw new InvalidCidError(String(cid), "empty");
  if (cid.length !== CID_V0_LENGTH) {
    throw new InvalidCidError(cid, `a CIDv0 has ${CID_V0_LENGTH} characters, this has ${cid.length}`);
  }
  if (!cid.startsWith("Qm")) throw new InvalidCidError(cid, 'a CIDv0 starts with "Qm"');
  let bytes: Uint8Array;
  try {
    bytes = base58btc.baseDecode(cid);
  } catch (cause) {
    throw new InvalidCidError(cid, "not base58btc", { cause });
  }
  if (bytes.length !== 2 + SHA2_256_LENGTH || bytes[0] !== SHA2_256 || bytes[1] !== SHA2_256_LENGTH) {
    throw new InvalidCidError(cid, "not a sha2-256 multihash");
  }
  return hexlify(bytes);
}

/** The CIDv0 string of a 34-byte sha2-256 multihash (0x1220…), as the contracts return it. */
export function bytesToCid(multihash: string | Uint8Array): string {
  const shown = typeof multihash === "string" ? multihash : hexlify(multihash);
  if (typeof multihash === "string" && !isHexString(multihash)) {
    throw new InvalidCidError(shown, "not 0x-prefixed hex bytes");
  }
  const bytes = getBytes(multihash);
  if (bytes.length !== 2 + SHA2_256_LENGTH || bytes[0] !== SHA2_256 || bytes[1] !== SHA2_256_LENGTH) {
    throw new InvalidCidError(shown, "not a 34-byte sha2-256 multihash (0x1220…)");
  }
  return base58btc.baseEncode(bytes);
}

/** True when `value` is a well-formed CIDv0 string. */
export function isCid(value: string): boolean {
  try {
    cidToBytes(value);
    return true;
  } catch {
    return false;
  }
}
