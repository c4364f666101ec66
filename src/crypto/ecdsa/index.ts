/**
 * Threshold ECDSA with presignatures (secp256k1). See presign.ts (offline), sign.ts (online shares),
 * verify.ts (checking shares) and combine.ts (combining them into a signature).
 */
export * from "./types";
export { RNG_DOMAIN, deterministicRng, systemRng, type Rng, type RngDomain } from "../rng";
export * from "./presignature";
export * from "./presign";
export * from "./sign";
export * from "./verify";
export * from "./combine";
export * from "./local";
export * from "./wire";
