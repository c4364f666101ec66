/**
 * Randomness for the DKG. By default everything comes from the system CSPRNG (noble's
 * `randomBytes`, i.e. `crypto.getRandomValues`); tests and known-answer vectors pass a
 * deterministic source so that a whole transcript can be reproduced from a seed.
 */
import { sha256 } from "@noble/hashes/sha2";
import { concatBytes, randomBytes as cryptoRandomBytes, utf8ToBytes } from "@noble/hashes/utils";
import type { Group } from "../group";
import { bytesToBigBE } from "../group";
import { CryptoError } from "../errors";

/** A source of random bytes: returns exactly `length` fresh bytes per call. */
export type Rng = (length: number) => Uint8Array;

export const systemRng: Rng = cryptoRandomBytes;

/**
 * A deterministic byte stream: block_k = SHA-256("pkp-network/test-rng/v1" ‖ seed ‖ k_be64).
 * For tests and vectors only: anyone who knows the seed knows every secret drawn from it.
 */
export function deterministicRng(seed: Uint8Array | string): Rng {
  const seedBytes = typeof seed === "string" ? utf8ToBytes(seed) : Uint8Array.from(seed);
  const prefix = concatBytes(utf8ToBytes("pkp-network/test-rng/v1"), seedBytes);
  let counter = 0n;
  let pool: Uint8Array = new Uint8Array(0);
  return (length: number) => {
    if (!Number.isInteger(length) || length < 0)
      throw new CryptoError("rng: length must be a natural number");
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (pool.length === 0) {
        const ctr = new Uint8Array(8);
        new DataView(ctr.buffer).setBigUint64(0, counter++);
        pool = sha256(concatBytes(prefix, ctr));
      }
      const take = Math.min(pool.length, length - filled);
      out.set(pool.subarray(0, take), filled);
      pool = pool.subarray(take);
      filled += take;
    }
    return out;
  };
}

/** A uniformly random non-zero scalar from `rng`: 32 extra bytes reduced mod the order, as group.ts does. */
export function randomScalarFrom(group: Group, rng: Rng): bigint {
  for (;;) {
    const s = group.Fn.create(bytesToBigBE(rng(group.scalarLength + 32)));
    if (s !== 0n) return s;
  }
}
