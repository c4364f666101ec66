/**
 * Combining one ECDSA signature from the shares the nodes return for one signing operation (a Lit
 * Action's `signedData[sigName]`): each share decoded from Lit's fields, checked against the
 * verification data our nodes add (the signing set, the presignature's public part, the DLEQ-proved
 * share and the node's public key share; see src/node/execute/service.ts), wrong ones named, 2t+1
 * combined into a low-s (r, s, recid) that must recover to the key's address. Without verification
 * data (a node that only speaks Lit's fields) the shares are summed as Lit's client does.
 *
 * This file turns the nodes' answers (Lit's hex fields, our verification JSON) into crypto's share
 * records and names nodes; the arithmetic is crypto's (`combineSigningSet`, `sumShares` in
 * src/crypto/ecdsa/combine.ts), shared with pkpSign (src/sdk/pkpSign.ts).
 */
import { secp256k1 } from "@noble/curves/secp256k1";
import { Signature, computeAddress, getBytes, hexlify, recoverAddress } from "ethers";

import { CryptoError } from "../crypto/errors";
import {
  combineSigningSet,
  presignaturePublicFromJSON,
  signatureShareFromJSON,
  sumShares,
  verificationContext,
  type SignatureShare,
  type VerificationContext,
} from "../crypto/ecdsa";
import { secp256k1Group, type Point } from "../crypto/group";
import type { ShareVerificationData } from "../protocol";
import { majority } from "./connect";
import type { ShareCulprit } from "./signErrors";

/** What our nodes add per signature so that each share can be verified (Lit's client ignores it). */
export type { ShareVerificationData };

/** One node's share of one signature, as it arrived. */
export interface NodeSignatureShare {
  url: string;
  /** The node's Shamir index (1-based position among the validators). */
  index: number;
  /** Lit's fields (hex without 0x; may be JSON-quoted). */
  signatureShare: string;
  bigR: string;
  publicKey: string;
  dataSigned: string;
  verification?: ShareVerificationData;
}

/** A combined signature in the shape of Lit's client (`r`, `s` hex without 0x), plus the 65-byte form. */
export interface CombinedSignature {
  r: string;
  s: string;
  recid: 0 | 1;
  /** r ‖ s ‖ v (v = 27 + recid), 0x-hex, 65 bytes. */
  signature: string;
  /** The key, uncompressed SEC1 hex without 0x (as Lit's client returns it). */
  publicKey: string;
  /** The signed 32-byte digest, hex without 0x. */
  dataSigned: string;
  /** The Ethereum address of the key (the signature recovers to it). */
  address: string;
  /** Shamir indices of the shares combined. */
  signingSet: number[];
}

export interface CombineNodeSharesOptions {
  digest: Uint8Array;
  /** The key (SEC1 hex, with or without 0x, compressed or not). */
  publicKey: string;
  t: number;
  /** The public re-randomisation entropy of this operation (`requestEntropy(requestId, sigName)`). */
  entropy: Uint8Array;
  /** Verify every share before combining (default true). */
  verify?: boolean;
}

export interface CombineNodeSharesOutcome {
  signature?: CombinedSignature;
  /** Nodes whose shares were wrong or malformed. */
  culprits: ShareCulprit[];
  /** Indices in the agreed signing set that gave no share. */
  missing: number[];
  error?: string;
}

/** Strips the JSON quotes Lit's nodes sometimes leave around hex values. */
export function unquote(v: unknown): string {
  const s = typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
  return s.replace(/^"+|"+$/g, "");
}

/** A secp256k1 point from SEC1 hex (compressed or uncompressed, with or without 0x), checked on the curve. */
export function pointFromHex(hex: string): Point {
  const bytes = getBytes("0x" + unquote(hex).replace(/^0x/, ""));
  const compressed = bytes.length === 33 ? bytes : secp256k1.Point.fromHex(bytes).toBytes(true);
  return secp256k1Group.pointFromBytes(compressed);
}

function decode(share: NodeSignatureShare, digest: Uint8Array, publicKey: Point): SignatureShare {
  const v = share.verification;
  if (v?.share !== undefined) {
    const decoded = signatureShareFromJSON(v.share);
    if (decoded.signingSet === undefined) throw new CryptoError("share has no signing set");
    if (decoded.index !== share.index) throw new CryptoError(`share is for index ${decoded.index}`);
    if (hexlify(decoded.hash) !== hexlify(digest)) throw new CryptoError("share is for another digest");
    if (unquote(share.signatureShare).toLowerCase() !== decoded.s.toString(16).padStart(64, "0"))
      throw new CryptoError("Lit share field and verification share differ");
    return decoded;
  }
  const hex = unquote(share.signatureShare);
  if (!/^[0-9a-fA-F]{1,64}$/.test(hex)) throw new CryptoError("signatureShare is not a hex scalar");
  const s = BigInt("0x" + hex);
  if (s >= secp256k1Group.order) throw new CryptoError("signatureShare is not below the group order");
  return {
    presignatureId: "0".repeat(64),
    index: share.index,
    hash: digest,
    publicKey,
    bigR: pointFromHex(share.bigR),
    s,
  };
}

/**
 * The context that verifies the shares of `signers` from what the nodes sent with them: the
 * presignature's public part most of them send and each one's public key share X_i. The index of a
 * node whose X_i is not a point is added to `badKeyShares` (its share cannot be verified then).
 */
export function verificationFromNodes(
  signers: readonly { index: number; data: Pick<ShareVerificationData, "presignature" | "publicKeyShare"> }[],
  o: { digest: Uint8Array; publicKey: Point; entropy: Uint8Array },
  badKeyShares: number[],
): VerificationContext {
  const presig = majority(signers.map((s) => JSON.stringify(s.data.presignature)))!.value;
  const pkShares = new Map<number, Point>();
  for (const s of signers) {
    try {
      pkShares.set(s.index, pointFromHex(s.data.publicKeyShare!));
    } catch {
      badKeyShares.push(s.index);
    }
  }
  return verificationContext(
    presignaturePublicFromJSON(JSON.parse(presig)),
    o.digest,
    o.publicKey,
    pkShares,
    o.entropy,
  );
}

/** Combines the shares of one signature; never throws for a node's fault (it names the node instead). */
export function combineNodeShares(
  shares: readonly NodeSignatureShare[],
  o: CombineNodeSharesOptions,
): CombineNodeSharesOutcome {
  const culprits: ShareCulprit[] = [];
  let publicKey: Point;
  try {
    publicKey = pointFromHex(o.publicKey);
  } catch (e) {
    return {
      culprits,
      missing: [],
      error: `the public key is not a secp256k1 point: ${(e as Error).message}`,
    };
  }
  const decoded: { node: NodeSignatureShare; share: SignatureShare }[] = [];
  for (const node of shares) {
    try {
      decoded.push({ node, share: decode(node, o.digest, publicKey) });
    } catch (e) {
      culprits.push({ url: node.url, index: node.index, reason: `malformed share: ${(e as Error).message}` });
    }
  }
  const urlOf = (index: number) => decoded.find((d) => d.share.index === index)?.node.url ?? `index ${index}`;
  const blame = (index: number, reason: string) => {
    if (!culprits.some((c) => c.index === index)) culprits.push({ url: urlOf(index), index, reason });
  };

  const withData = decoded.filter(
    (d) =>
      d.node.verification?.presignature !== undefined &&
      d.node.verification.publicKeyShare !== undefined &&
      d.share.signingSet !== undefined,
  );
  let outcome: { sig?: { serialized: string }; used: number[]; missing: number[]; error?: string };
  if (withData.length === 0) {
    outcome = litSum(
      decoded.map((d) => d.share),
      o.t,
    );
  } else {
    const keyShareFailures: number[] = [];
    const combined = combineSigningSet(
      withData.map((d) => d.share),
      {
        hash: o.digest,
        publicKey,
        t: o.t,
        verify: o.verify !== false,
        verification: (inSet) =>
          verificationFromNodes(
            withData
              .filter((d) => inSet.includes(d.share))
              .map((d) => ({ index: d.share.index, data: d.node.verification! })),
            { digest: o.digest, publicKey, entropy: o.entropy },
            keyShareFailures,
          ),
      },
    );
    const set = combined.signingSet.join(",");
    for (const stray of combined.strays)
      blame(stray.index, `share for signing set ${stray.signingSet!.join(",")}, not ${set}`);
    for (const i of keyShareFailures) blame(i, "public key share is not a point");
    for (const i of combined.culprits)
      blame(i, "share does not verify against the presignature's commitments");
    outcome = {
      sig: combined.signature,
      used: [...combined.used],
      missing: [...combined.missing],
      error: combined.error,
    };
  }
  if (outcome.sig === undefined) return { culprits, missing: outcome.missing, error: outcome.error };
  const sig = Signature.from(outcome.sig.serialized);
  const uncompressed = hexlify(publicKey.toBytes(false));
  const address = computeAddress(uncompressed);
  if (recoverAddress(o.digest, sig) !== address) {
    return {
      culprits,
      missing: outcome.missing,
      error: `the combined signature does not recover to ${address}`,
    };
  }
  return {
    culprits,
    missing: outcome.missing,
    signature: {
      r: sig.r.slice(2),
      s: sig.s.slice(2),
      recid: sig.yParity,
      signature: sig.serialized,
      publicKey: uncompressed.slice(2),
      dataSigned: hexlify(o.digest).slice(2),
      address,
      signingSet: outcome.used,
    },
  };
}

/** Lit's own combination (no verification data): s = Σ shares, low-s, r from R, recid from R.y. */
function litSum(
  shares: readonly SignatureShare[],
  t: number,
): { sig?: { serialized: string }; used: number[]; missing: number[]; error?: string } {
  if (shares.length < 2 * t + 1)
    return { used: [], missing: [], error: `only ${shares.length} shares, need ${2 * t + 1}` };
  const R = majority(
    shares.map((s) => s.bigR),
    (p) => hexlify(p.toBytes(true)),
  )!.value;
  return {
    sig: sumShares(
      shares.map((sh) => sh.s),
      R,
    ),
    used: shares.map((sh) => sh.index).sort((a, b) => a - b),
    missing: [],
  };
}
