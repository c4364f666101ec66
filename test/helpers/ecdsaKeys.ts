/**
 * Threshold ECDSA keys for crypto tests that are about signing rather than about making the key: a
 * trusted dealer's Shamir sharing of a random secp256k1 key (degree t for n participants), with every
 * public key share — the same shape the DKG gives each node.
 */
import { secp256k1Group as group, type Point } from "../../src/crypto/group";
import { share, thresholdFor } from "../../src/crypto/polynomial";
import type { EcdsaKeyShare } from "../../src/crypto/ecdsa";

/** Every participant's share (index 1..n) of a fresh key dealt with threshold t = floor((n-1)/3). */
export function dealtKey(n: number): EcdsaKeyShare[] {
  const { t } = thresholdFor(n);
  const secret = group.randomScalar();
  const { shares } = share(group, secret, t, n);
  const publicKey = group.G.multiply(secret);
  const publicKeyShares = new Map<number, Point>(shares.map((s, k) => [k + 1, group.G.multiply(s)]));
  return shares.map((s, k) => ({ index: k + 1, secretShare: s, publicKey, publicKeyShares }));
}
