/**
 * `POST /web/pkp/sign/v1`: the epoch check, the session signature (authenticated at the latest
 * block), the permission at that same block, then this node's part of the signing session, answered
 * in Lit's v7 shape (snake_case share fields, hex without 0x) with our `pkpNetwork` extension.
 */
import { bytesToHex, hexToBytes } from "@noble/hashes/utils";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Logger } from "pino";

import { PKP_SIGN_NAME } from "../../protocol";
import type { Authenticated } from "../auth";
import { tokenIdOf, type BlockHead, type Chain } from "../chain";
import { DEFAULT_WIRE_LIMITS, ROUTES, parseRequest, parseRequestId } from "../wire";
import type { PkpSignAnswer, PkpSignRequest } from "../wire";
import type { ValidatorSet } from "../view";
import type { SigningShare, SigningShareRequest } from "./session";

/** What of a node the pkpSign route needs. */
export interface PkpSignNode {
  readonly view: Pick<ValidatorSet, "self" | "checkEpoch">;
  readonly chain: Pick<Chain, "latestHead" | "atHead">;
  readonly log: Logger;
  authenticateSigner(req: PkpSignRequest, tokenId: bigint): Promise<Authenticated>;
  checkPermission(tokenId: bigint, requester: Authenticated, head: BlockHead): Promise<void>;
  signingShare(req: SigningShareRequest): Promise<SigningShare>;
}

export async function pkpSign(
  node: PkpSignNode,
  req: PkpSignRequest,
  requestId: string,
): Promise<PkpSignAnswer> {
  const me = node.view.self();
  const tokenId = tokenIdOf(hexToBytes(req.pubkey.slice(2)));
  await node.view.checkEpoch(req.epoch);
  const t0 = performance.now();
  // One read of the latest block for this request: the session nonce's age and the permission.
  const head = await node.chain.latestHead();
  const auth = await node.chain.atHead(head, () => node.authenticateSigner(req, tokenId));
  const t1 = performance.now();
  await node.checkPermission(tokenId, auth, head);
  const t2 = performance.now();
  const hash = Uint8Array.from(req.toSign);
  const r = await node.signingShare({ requestId, sigName: PKP_SIGN_NAME, pubkey: req.pubkey, hash });
  const ms = (a: number, b: number) => Math.round((b - a) * 10) / 10;
  node.log.debug(
    { requestId, authMs: ms(t0, t1), permissionMs: ms(t1, t2), shareMs: ms(t2, performance.now()) },
    "pkpSign timing",
  );
  if (r.member) node.log.info({ requestId, tokenId: tokenId.toString(16) }, "pkpSign share released");
  return pkpSignAnswer(me.index, hash, r);
}

/** Lit's v7 pkp/sign body for this node's part of the session (a non-member answers `result: "fail"`). */
export function pkpSignAnswer(index: number, hash: Uint8Array, r: SigningShare): PkpSignAnswer {
  const digest = bytesToHex(hash);
  const base = { success: true, signedData: [...hash] };
  if (!r.member) {
    return {
      ...base,
      signatureShare: {
        digest,
        result: "fail",
        share_index: index - 1,
        signature_share: "",
        big_r: "",
        public_key: "",
        sig_type: "K256",
      },
      pkpNetwork: {
        signingSet: r.decision.signingSet,
        presignatureId: r.decision.presignatureId,
        member: false,
      },
    };
  }
  return {
    ...base,
    signatureShare: {
      digest,
      result: "success",
      share_index: index - 1,
      signature_share: r.share.share,
      big_r: r.share.bigR,
      public_key: r.publicKey,
      sig_type: "K256",
    },
    pkpNetwork: {
      member: true,
      index: r.index,
      signingSet: r.decision.signingSet,
      presignatureId: r.decision.presignatureId,
      presignature: r.presignature,
      share: r.share,
      publicKeyShare: r.publicKeyShare,
    },
  };
}

export function registerPkpSignRoute(
  app: FastifyInstance,
  node: PkpSignNode,
  raw: (req: FastifyRequest) => string,
): void {
  app.post(ROUTES.pkpSign, async (req) => {
    const requestId = parseRequestId(req.headers["x-request-id"]);
    const body = parseRequest("pkpSign", raw(req), DEFAULT_WIRE_LIMITS);
    return pkpSign(node, body, requestId);
  });
}
