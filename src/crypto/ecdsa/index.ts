/** Threshold ECDSA with presignatures (secp256k1). See presign.ts (offline) and sign.ts (online). */
export * from "./types";
export { RNG_DOMAIN, deterministicRng, systemRng, type Rng, type RngDomain } from "../rng";
export * from "./presignature";
export * from "./presign";
export * from "./sign";
export * from "./local";
export * from "./wire";
