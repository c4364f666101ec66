/**
 * Randomness for every protocol of the library. By default everything comes from the system CSPRNG
 * (noble's `randomBytes`, i.e. `crypto.getRandomValues`); tests, vectors and benchmarks pass a
 * deterministic stream so that a whole transcript can be reproduced from a seed. Each protocol family
 * draws from its own domain, so one seed never yields the same secrets in two protocols.
 */
import { sha256 } from "@noble/hashes/sha2";
import { concatBytes, randomBytes, utf8ToBytes } from "@noble/hashes/utils";
import type { Group } from "./group";
import { bytesToBigBE } from "./group";
import { CryptoError } from "./errors";

/** A source of random bytes: returns exactly `length` fresh bytes per call. */
export type Rng = (length: number) => Uint8Array;

export const systemRng: Rng = randomBytes;

/**
 * The domain labels of the deterministic streams. The labels are part of the bytes of every stored
 * vector (test/vectors/) and stay as they were when each family had its own generator.
 */
export const RNG_DOMAIN = {
  dkg: "pkp-network/test-rng/v1",
  ecdsa: "pkp-network/ecdsa/test-rng/v1",
} as const;

export type RngDomain = keyof typeof RNG_DOMAIN;

/**
 * A deterministic byte stream: block_k = SHA-256(label(domain) ‖ seed ‖ k_be64).
 * For tests, vectors and benchmarks only: whoever knows the seed knows every secret drawn from it.
 */
export function deterministicRng(seed: Uint8Array | string, domain: RngDomain): Rng {
  const label = RNG_DOMAIN[domain];
  if (label === undefined) throw new CryptoError(`rng: unknown domain ${String(domain)}`);
  const prefix = concatBytes(
    utf8ToBytes(label),
    typeof seed === "string" ? utf8ToBytes(seed) : Uint8Array.from(seed),
  );
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

/**
 * A uniformly random non-zero scalar of `group` from `rng`: scalarLength + 32 bytes reduced mod the
 * order (bias below 2^-250), as group.ts draws its own.
 */
export function randomScalarFrom(group: Group, rng: Rng): bigint {
  for (;;) {
    const s = group.Fn.create(bytesToBigBE(rng(group.scalarLength + 32)));
    if (s !== 0n) return s;
  }
}
