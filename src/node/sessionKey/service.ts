/**
 * `/web/sign_session_key/v1` on one node (Lit's v7 shapes): the holder of a permitted auth method of
 * a PKP gets this node's BLS share of a PKP session.
 *
 * 1. The SIWE message: for the PKP's address, `URI: lit:session:<session key>` (the request's
 *    `sessionKey`), nonce a block hash of this chain, unexpired and at most 30 days long, one valid
 *    ReCap (the first resource, where Lit's client reads it).
 * 2. The auth: every auth method verified and permitted for the PKP on-chain (EthWallet, WebAuthn),
 *    or custom auth: the Lit Action given as code, permitted for the PKP, approves; at least one.
 *    Each auth method is spent on this node when the share is released: shown again, it is refused
 *    (`AuthMethodAlreadyUsed`, see src/node/auth/singleUse.ts).
 * 3. The node appends one `lit-pkpauth://<tokenId>/<type>/<id>` resource per auth method that
 *    passed (every node the same, deterministic) and signs
 *    `sha256("lit_session:" + hex(keccak256(EIP-191 prefix + siweMessage)))` with its share of the
 *    network key. The client combines 2t+1 shares into `{algo: "LIT_BLS", derivedVia: "lit.bls"}`.
 */
import { bytesToHex } from "@noble/hashes/utils";
import { computeAddress, getAddress } from "ethers";
import { SiweMessage } from "siwe";
import { RecapError, extractRecap } from "../../protocol/recap";
import { encodeShareHex, signShare } from "../../crypto/bls";
import { blsG1Group } from "../../crypto/group";
import { PKP_AUTH_RESOURCE_PREFIX, nodeAuthContext, pkpAuthResource, pkpSessionDigest } from "../auth";
import { tokenIdOf } from "../chain";
import {
  InternalError,
  InvalidRequestError,
  NotFoundError,
  NotPermittedError,
  UnauthorizedError,
} from "../errors";
import type { PkpNode } from "../node";
import type { SignSessionKeyAnswer, SignSessionKeyRequest, SignSessionKeyResponse } from "../wire";
import { DEFAULT_WIRE_LIMITS } from "../wire";
import { checkAuthMethods } from "./authMethods";
import { checkCustomAuth, type CustomAuthRunner } from "./customAuth";

/** Longest PKP session a node signs. */
export const MAX_PKP_SESSION_MS = 30 * 24 * 3600 * 1000;

/** Lit's fields and, always, our `pkpNetwork` extras: this node's public share of the network key (src/protocol/wire.ts). */
export type SignSessionKeyNodeResponse = SignSessionKeyResponse & {
  pkpNetwork: NonNullable<SignSessionKeyAnswer["pkpNetwork"]>;
};

function siweOf(text: string): SiweMessage {
  try {
    return new SiweMessage(text);
  } catch (e) {
    throw new InvalidRequestError(`malformed SIWE message: ${e instanceof Error ? e.message : String(e)}`, {
      reason: "MalformedSiwe",
    });
  }
}

function date(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    throw new InvalidRequestError("malformed SIWE message: a time is not a date", {
      reason: "MalformedSiwe",
    });
  return d;
}

export class SessionKeyService {
  constructor(
    readonly node: PkpNode,
    readonly runCustomAuth: CustomAuthRunner,
  ) {}

  async signSessionKey(req: SignSessionKeyRequest, requestId: string): Promise<SignSessionKeyNodeResponse> {
    const node = this.node;
    const me = node.me;
    if (me === undefined) throw new InternalError("this node is not a current validator");
    const share = node.networkKeyShare();
    if (share === undefined) {
      throw new InternalError("this node has no share of the network key yet", { reason: "NoNetworkKey" });
    }
    if (req.pkpPublicKey === undefined) {
      throw new InvalidRequestError("pkpPublicKey is required", { reason: "MissingPkpPublicKey" });
    }
    const pkpPublicKey = req.pkpPublicKey.toLowerCase();
    const tokenId = tokenIdOf(Buffer.from(pkpPublicKey.slice(2), "hex"));
    const pkpAddress = computeAddress(pkpPublicKey);
    const ctx = nodeAuthContext(node, me.url);

    // 1. The SIWE message the network will sign.
    const siwe = siweOf(req.siweMessage);
    if (getAddress(siwe.address) !== pkpAddress) {
      throw new UnauthorizedError(
        `the SIWE message is for ${siwe.address}, not the PKP's address ${pkpAddress}`,
        {
          reason: "SiweAddressMismatch",
        },
      );
    }
    if (siwe.uri !== req.sessionKey) {
      throw new UnauthorizedError(`the SIWE URI is ${siwe.uri}, not the session key ${req.sessionKey}`, {
        reason: "SiweUriMismatch",
      });
    }
    const now = ctx.now().getTime();
    const expiration = date(siwe.expirationTime);
    const issuedAt = date(siwe.issuedAt);
    if (expiration === undefined) {
      throw new UnauthorizedError("the SIWE message has no Expiration Time", {
        reason: "CapabilityWithoutExpiration",
      });
    }
    if (expiration.getTime() <= now) {
      throw new UnauthorizedError(`the SIWE message expired at ${expiration.toISOString()}`, {
        reason: "CapabilityExpired",
      });
    }
    if (expiration.getTime() - Math.min(now, issuedAt?.getTime() ?? now) > MAX_PKP_SESSION_MS) {
      throw new UnauthorizedError("a PKP session may last at most 30 days", { reason: "SessionTooLong" });
    }
    if (issuedAt !== undefined && issuedAt.getTime() > now + 60_000) {
      throw new UnauthorizedError("the SIWE message is issued in the future", {
        reason: "CapabilityNotYetValid",
      });
    }
    if (!(await ctx.isKnownBlockhash(siwe.nonce, { issuedAt, expiration }))) {
      throw new UnauthorizedError(`the SIWE nonce ${siwe.nonce} is not a block hash of this chain`, {
        reason: "NonceNotBlockhash",
      });
    }
    const resources = siwe.resources ?? [];
    try {
      extractRecap(resources, siwe.statement);
    } catch (e) {
      if (!(e instanceof RecapError)) throw e;
      const Err = e.reason === "RecapMalformed" ? InvalidRequestError : UnauthorizedError;
      throw new Err(e.shortMessage, { reason: e.reason });
    }
    if (!resources[0]?.startsWith("urn:recap:")) {
      throw new InvalidRequestError("the ReCap must be the SIWE message's first resource", {
        reason: "RecapNotFirst",
      });
    }
    if (resources.some((r) => r.startsWith(PKP_AUTH_RESOURCE_PREFIX))) {
      throw new InvalidRequestError(`only the nodes add ${PKP_AUTH_RESOURCE_PREFIX} resources`, {
        reason: "MalformedSiwe",
      });
    }

    // 2. The PKP and the auth.
    if (!(await node.chain.pkpExists(tokenId))) {
      if (await node.chain.wasBurned(tokenId))
        throw new NotPermittedError("the PKP was burned", { reason: "PkpBurned" });
      throw new NotFoundError("no PKP with this public key exists", { reason: "PkpNotFound" });
    }
    const checked = await checkAuthMethods(node.chain, tokenId, req.authMethods, ctx);
    const granted = checked.map((m) => ({ authMethodType: m.authMethodType, authMethodId: m.authMethodId }));
    if (req.code !== undefined || req.litActionIpfsId !== undefined) {
      const custom = await checkCustomAuth(node.chain, tokenId, req, this.runCustomAuth, {
        requestId,
        pkpPublicKey,
        authMethodContexts: checked.map((m) => m.context),
        maxCodeBytes: DEFAULT_WIRE_LIMITS.maxCodeBytes,
        gatewayUrl: node.config.ipfsGatewayUrl,
      });
      // Custom auth decides alone: the session carries the action, not the methods it was shown.
      granted.splice(0, granted.length, {
        authMethodType: custom.authMethodType,
        authMethodId: custom.authMethodId,
      });
    }
    if (granted.length === 0) {
      throw new UnauthorizedError("give at least one auth method, or a custom auth Lit Action", {
        reason: "NoAuthMethod",
      });
    }

    // 3. The auth methods are spent (synchronously with the signing below, so a concurrent request
    // with one of them cannot also pass), then the network's session: the SIWE with the auth methods
    // appended, this node's share over it.
    node.usedAuthMethods.consume(checked.map((m) => m.singleUse));
    siwe.resources = [...resources, ...granted.map((m) => pkpAuthResource(tokenId, m))];
    const siweMessage = siwe.prepareMessage();
    const digest = pkpSessionDigest(siweMessage);
    const sigShare = signShare(me.index, share.secretShare, digest);
    node.log.info(
      { requestId, tokenId: tokenId.toString(16), authMethods: granted.map((m) => Number(m.authMethodType)) },
      "PKP session share released",
    );
    return {
      result: "success",
      signatureShare: { ProofOfPossession: encodeShareHex(sigShare) },
      shareIndex: me.index - 1,
      curveType: "BLS",
      siweMessage,
      dataSigned: bytesToHex(digest),
      blsRootPubkey: node.networkPublicKeyHex(),
      pkpNetwork: {
        index: me.index,
        publicKeyShare: bytesToHex(blsG1Group.pointToBytes(share.publicKeyShares.get(me.index)!)),
      },
    };
  }
}
