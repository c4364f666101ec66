/**
 * Signing a 32-byte digest with a PKP: the same `X-Request-Id` to every node, one session signature
 * per node, the shares of the agreed signing set collected, each share verified against the public
 * data the nodes return (presignature commitments, the key's public shares, DLEQ proofs), 2t+1
 * combined into a low-s (r, s, v) and checked against the PKP's address. A node whose share is wrong
 * is named; missing or lying nodes are left out of a retry with a fresh request id.
 */
import { Signature, computeAddress, getBytes, hexlify, recoverAddress } from "ethers";

import { CryptoError } from "../crypto/errors";
import { combineSigningSet, signatureShareFromJSON, sumShares, type SignatureShare } from "../crypto/ecdsa";
import type { Point } from "../crypto/group";
import { PKP_SIGN_NAME, ROUTES, requestEntropy, type AnswerOf } from "../protocol";
import type { NetworkClient } from "./connect";
import { InvalidArgumentError, type NodeFailure } from "./errors";
import { fanOut, newRequestId } from "./http";
import type { SessionSigs } from "./session";
import { pointFromHex, unquote, verificationFromNodes } from "./shares";
import { PkpSignError, SignatureMismatchError, type ShareCulprit } from "./signErrors";

/** A pkp/sign answer as the SDK accepts it (src/protocol/wire.ts): every field optional, each typed. */
type PkpSignAnswer = AnswerOf<"pkpSign">;
/** The Lit v7 share fields of a pkp/sign answer (values may be JSON-quoted strings). */
type LitPkpSignatureShare = NonNullable<PkpSignAnswer["signatureShare"]>;
/** What our nodes add (under `pkpNetwork`) so that each share can be verified; Lit's client ignores it. */
type ShareVerificationData = NonNullable<PkpSignAnswer["pkpNetwork"]>;

export { PKP_SIGN_NAME, requestEntropy };

export interface PkpSignParameters {
  client: NetworkClient;
  /** The PKP's public key, 0x04… (65 bytes uncompressed). */
  pubkey: string;
  /** The 32-byte digest to sign. */
  toSign: Uint8Array | string;
  /** One session signature per node URL (see `getSessionSigs`). */
  sessionSigs: SessionSigs;
  /** Attempts, each with a fresh request id (default 3). */
  maxAttempts?: number;
  /** Per-node timeout (default 30 s). */
  timeoutMs?: number;
  /**
   * Verify every share against the presignature's commitments before combining (true), or combine
   * first and check shares only if the combined signature fails its ECDSA check (false, the default:
   * a signature that verifies needs no per-share proof; a wrong share is still found and named).
   */
  verifyShares?: boolean;
}

export interface PkpSignReturnType {
  /** 65 bytes r ‖ s ‖ v (v = 27 or 28), 0x-hex. */
  signature: string;
  r: string;
  s: string;
  v: 27 | 28;
  recoveryId: 0 | 1;
  /** The PKP's Ethereum address (the signature recovers to it). */
  address: string;
  requestId: string;
  /** Shamir indices of the nodes whose shares were combined. */
  signingSet: number[];
  /** Nodes whose shares were wrong in some attempt. */
  culprits: ShareCulprit[];
  /** Nodes that failed in some attempt (unreachable, refused, or in the signing set without a share). */
  failures: NodeFailure[];
  attempts: number;
}

function parseDigest(toSign: Uint8Array | string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = typeof toSign === "string" ? getBytes(toSign) : toSign;
  } catch (cause) {
    throw new InvalidArgumentError("toSign", "not hex bytes", { cause });
  }
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new InvalidArgumentError("toSign", "must be a 32-byte digest");
  }
  return Uint8Array.from(bytes);
}

function parsePubkey(pubkey: string): string {
  if (!/^0x04[0-9a-fA-F]{128}$/.test(pubkey)) {
    throw new InvalidArgumentError("pubkey", "must be 0x04 followed by 128 hex (uncompressed secp256k1)");
  }
  try {
    computeAddress(pubkey);
  } catch (cause) {
    throw new InvalidArgumentError("pubkey", "not a point on secp256k1", { cause });
  }
  return pubkey.toLowerCase();
}

interface Member {
  url: string;
  share: SignatureShare;
  data?: ShareVerificationData;
  lit: LitPkpSignatureShare;
}

export async function pkpSign(p: PkpSignParameters): Promise<PkpSignReturnType> {
  const digest = parseDigest(p.toSign);
  const pubkey = parsePubkey(p.pubkey);
  const address = computeAddress(pubkey);
  const publicKey = pointFromHex(pubkey);
  const { client } = p;
  const maxAttempts = p.maxAttempts ?? 3;
  const byIndex = new Map(client.nodes.map((x) => [x.index, x.url]));
  const indexOf = new Map(client.nodes.map((x) => [x.url, x.index]));
  const excluded = new Set<string>();
  const allFailures: NodeFailure[] = [];
  const culprits: ShareCulprit[] = [];

  let attempts = 0;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    attempts = attempt;
    const requestId = newRequestId();
    const targets = client.nodes.filter((x) => !excluded.has(x.url));
    const failures: NodeFailure[] = [];
    const answers = await fanOut(
      targets,
      p.sessionSigs,
      ROUTES.pkpSign,
      (authSig) => ({ toSign: Array.from(digest), pubkey, authSig, epoch: Number(client.epoch.number) }),
      { requestId, timeoutMs: p.timeoutMs },
    );

    const members: Member[] = [];
    for (const a of answers) {
      if (!a.ok) {
        failures.push(a.failure);
        continue;
      }
      const lit = a.body.signatureShare ?? {};
      if (unquote(lit.result) !== "success" || unquote(lit.signature_share) === "") continue; // outside S
      try {
        members.push({
          url: a.url,
          lit,
          data: a.body.pkpNetwork,
          share: decodeShare(a.body, lit, pubkey, digest),
        });
      } catch (e) {
        const index = indexOf.get(a.url) ?? 0;
        culprits.push({ url: a.url, index, reason: `malformed share: ${(e as Error).message}` });
      }
    }
    allFailures.push(...failures.map((f) => ({ ...f, reason: `attempt ${attempt}: ${f.reason}` })));

    const newlyExcluded: string[] = [];
    const exclude = (url: string) => {
      if (!excluded.has(url)) {
        excluded.add(url);
        newlyExcluded.push(url);
      }
    };
    for (const f of failures) if (f.status === undefined) exclude(f.url);
    for (const c of culprits) exclude(c.url);

    if (members.length > 0) {
      const outcome = tryCombine(members, {
        digest,
        publicKey,
        t: client.t,
        verify: p.verifyShares === true,
        entropy: requestEntropy(requestId, PKP_SIGN_NAME),
      });
      for (const index of outcome.culprits) {
        const url =
          byIndex.get(index) ?? members.find((m) => m.share.index === index)?.url ?? `index ${index}`;
        if (!culprits.some((c) => c.url === url && c.index === index)) {
          culprits.push({
            url,
            index,
            reason: "share does not verify against the presignature's commitments",
          });
        }
        exclude(url);
      }
      if (outcome.signature) {
        const sig = Signature.from(outcome.signature);
        if (recoverAddress(digest, sig) !== address) {
          throw new SignatureMismatchError(`the combined signature does not recover to ${address}`, {
            details: [`request ${requestId}`, `signing set ${outcome.used.join(",")}`],
          });
        }
        return {
          signature: sig.serialized,
          r: sig.r,
          s: sig.s,
          v: sig.v,
          recoveryId: sig.yParity,
          address,
          requestId,
          signingSet: outcome.used,
          culprits,
          failures: allFailures,
          attempts: attempt,
        };
      }
      // Members of the signing set that gave no share: leave them out next time.
      for (const index of outcome.missing) {
        const url = byIndex.get(index);
        if (url !== undefined) {
          allFailures.push({
            url,
            code: "MissingShare",
            reason: `attempt ${attempt}: in the signing set but gave no share`,
          });
          exclude(url);
        }
      }
      if (outcome.error)
        allFailures.push({
          url: "(combine)",
          code: "CombineFailed",
          reason: `attempt ${attempt}: ${outcome.error}`,
        });
    }
    if (newlyExcluded.length === 0) break; // nothing to route around: another attempt would fail the same way
    if (client.nodes.length - excluded.size < client.quorum) break;
  }
  const unreachable = [...new Set(allFailures.filter((f) => f.status === undefined).map((f) => f.url))];
  throw new PkpSignError({
    message:
      unreachable.length > 0
        ? `signing failed: ${unreachable.length} node(s) unreachable (${unreachable.join(", ")}), need ${client.quorum} of ${client.n}`
        : `signing failed: fewer than ${client.quorum} valid shares`,
    failures: allFailures,
    culprits,
    attempts,
  });
}

/** Our nodes' share (with proof) when present, else the share rebuilt from Lit's fields alone. */
function decodeShare(
  body: PkpSignAnswer,
  lit: LitPkpSignatureShare,
  pubkey: string,
  digest: Uint8Array,
): SignatureShare {
  if (body.pkpNetwork?.share !== undefined) {
    const share = signatureShareFromJSON(body.pkpNetwork.share);
    if (share.signingSet === undefined) throw new CryptoError("share has no signing set");
    if (hexlify(share.hash) !== hexlify(digest)) throw new CryptoError("share is for another digest");
    if (unquote(lit.signature_share).toLowerCase() !== share.s.toString(16).padStart(64, "0"))
      throw new CryptoError("Lit share field and verification share differ");
    return share;
  }
  const s = BigInt("0x" + unquote(lit.signature_share));
  return {
    presignatureId: "0".repeat(64),
    index: Number(unquote(lit.share_index)) || 0,
    hash: digest,
    publicKey: pointFromHex(pubkey),
    bigR: pointFromHex(lit.big_r ?? ""),
    s,
  };
}

interface CombineOutcome {
  signature?: string;
  used: number[];
  culprits: number[];
  missing: number[];
  error?: string;
}

function tryCombine(
  members: readonly Member[],
  o: { digest: Uint8Array; publicKey: Point; t: number; verify: boolean; entropy: Uint8Array },
): CombineOutcome {
  const withData = members.filter(
    (m) =>
      m.data?.presignature !== undefined &&
      m.data.publicKeyShare !== undefined &&
      m.share.signingSet !== undefined,
  );
  if (withData.length === 0) return litSum(members, o.t);
  const keyShareCulprits: number[] = [];
  const outcome = combineSigningSet(
    withData.map((m) => m.share),
    {
      hash: o.digest,
      publicKey: o.publicKey,
      t: o.t,
      verify: o.verify,
      verification: (inSet) => {
        const signers = withData
          .filter((m) => inSet.includes(m.share))
          .map((m) => ({ index: m.share.index, data: m.data! }));
        try {
          return verificationFromNodes(signers, o, keyShareCulprits);
        } catch (e) {
          throw new CryptoError(`the nodes' verification data is unusable: ${(e as Error).message}`);
        }
      },
    },
  );
  return {
    signature: outcome.signature?.serialized,
    used: [...outcome.used],
    culprits: [...new Set([...keyShareCulprits, ...outcome.culprits])],
    missing: [...outcome.missing],
    error: outcome.error,
  };
}

/** Lit's own combination (no verification data): s = Σ shares, low-s, r from R; v from R.y. */
function litSum(members: readonly Member[], t: number): CombineOutcome {
  if (members.length < 2 * t + 1)
    return { used: [], culprits: [], missing: [], error: `only ${members.length} shares` };
  const sig = sumShares(
    members.map((m) => m.share.s),
    members[0].share.bigR,
  );
  return { signature: sig.serialized, used: members.map((m) => m.share.index), culprits: [], missing: [] };
}
