/**
 * Distributed key generation: Pedersen's joint-Feldman DKG with GJKR'99's complaints,
 * justifications and disqualification, and a Schnorr proof of knowledge of each dealer's constant
 * term (bound to the dealer's index and the session id) so that no dealer can bias the key or
 * mount a rogue-key attack. Generic over `Group`: secp256k1Group (PKP/ECDSA keys) and blsG1Group
 * (the network's BLS key). No I/O: the node moves the messages.
 *
 * Usage, at participant i (1-based; every participant deals and receives):
 *
 *   const params = dkgParams(group, n, sessionId);          // t = floor((n-1)/3) unless { t }
 *   // Round 1: deal.
 *   const r1 = dkgRound1(params, i);
 *   broadcast(encodeRound1Broadcast(params, r1.broadcast));
 *   for (const [j, s] of r1.privateShares) sendTo(j, sealShare(params, i, j, s, myKeys, pubKeyOf(j)));
 *   // Round 2: verify; the decoders and openShare throw a CulpritError naming the sender: leave that one out.
 *   const broadcasts = Map j → decodeRound1Broadcast(params, j, bytes_j);
 *   const shares     = Map j → openShare(params, j, i, sealed_j, myKeys, pubKeyOf(j));
 *   const r2 = dkgRound2(r1.secret, broadcasts, shares);
 *   broadcast(encodeComplaints(params, i, r2.complaints));
 *   // Justification round: answer complaints against me.
 *   const r3 = dkgJustify(r2.secret, all decodeComplaints(params, j, bytes_j));
 *   broadcast(encodeJustifications(params, i, r3.justifications));
 *   // Finalize.
 *   const result = dkgFinalize(r3.secret, all decodeJustifications(params, j, bytes_j));
 *   // result: { secretShare, publicKey, publicKeyShares, commitments, qualified, disqualified }
 *
 * Every secret state is single-use (ReuseError on a second use, CryptoError when passed to the
 * wrong round). Broadcast messages must reach all honest participants identically (reliable
 * broadcast, as GJKR assume); then every honest participant computes the same QUAL, Y and X_k.
 * `runDkgLocally(group, n, t?, { faults })` runs everything in one process (tests, benchmarks).
 *
 * What it tolerates: up to t faulty participants among n > 2t (the default t = floor((n-1)/3)
 * leaves 2t+1 honest). A faulty dealer is disqualified and named (`result.disqualified`); an
 * honest dealer is never disqualified (a false complaint is answered by revealing that share). The
 * proofs of knowledge stop rogue keys; a rushing dealer can still choose to be disqualified after
 * seeing the others' commitments (GJKR'99 §3), which skews the key distribution by at most t bits
 * but never lets anyone learn or choose the key (see proof.ts).
 */
export { dkgParams, MAX_PARTICIPANTS, MAX_SESSION_ID_LENGTH } from "./types";
export type {
  Complaint,
  ComplaintReason,
  DkgParams,
  DkgResult,
  Justification,
  Round1Broadcast,
  SchnorrProof,
} from "./types";
export { dkgRound1, dkgRound2, dkgJustify, dkgFinalize, verifyRound1Broadcast } from "./rounds";
export type {
  Round1Output,
  Round1Secret,
  Round2Output,
  Round2Secret,
  JustifyOutput,
  Round3Secret,
} from "./rounds";
export {
  encodeRound1Broadcast,
  decodeRound1Broadcast,
  encodeShare,
  decodeShare,
  encodeComplaints,
  decodeComplaints,
  encodeJustifications,
  decodeJustifications,
} from "./wire";
export { sealShare, openShare, shareAad } from "./transport";
export { RNG_DOMAIN, deterministicRng, randomScalarFrom, systemRng, type Rng, type RngDomain } from "../rng";
export { pokChallenge, provePok, verifyPok } from "./proof";
export { runDkgLocally } from "./local";
export type { DkgFaults, LocalDkgOptions, LocalDkgRun, LocalDkgTranscript } from "./local";
