/**
 * `/web/encryption/sign/` (Lit v7): a node's BLS share of the decryption key for one encryption.
 *
 * 1. the body (zod schema `encryptionSign`): exactly one kind of conditions, `dataToEncryptHash`, `authSig`;
 * 2. the conditions' structure (grammar, at most 30, known chains, valid ABIs), before anything else;
 * 3. the requester: a session signature (or, as Lit's client may send, a wallet AuthSig) granting
 *    `Threshold/Decryption` on `lit-accesscontrolcondition://<hash of the conditions>/<dataToEncryptHash>`
 *    (or `lit-accesscontrolcondition://*`); a wallet AuthSig must not be a session capability
 *    (`lit:session:…`, lifted from someone's session signatures) and must name one of
 *    `walletAuthSigChainIds`; without a ReCap it grants decryption of whatever its wallet may decrypt
 *    (what Lit's client sends: docs/compatibility.md, "Wallet AuthSigs and auth methods");
 * 4. the conditions, evaluated for the requester's address at the latest block;
 * 5. only then this node's share `x_i·H(identity)` of the network key's signature on
 *    `lit-accesscontrolcondition://<hex sha256 of the canonical conditions>/<dataToEncryptHash>`, in
 *    Lit's shape `{result, signatureShare: {ProofOfPossession}, shareIndex, …}`; our extra field
 *    `pkpNetwork` carries the node's index and every public key share (for per-share verification).
 *
 * Any refusal is a 4xx NodeError (the reason in `details`) and no share.
 */
import { bytesToHex } from "@noble/hashes/utils";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { encodeShareHex, signShare, verify as blsVerify } from "../../crypto/bls";
import { blsG1Group } from "../../crypto/group";
import { AuthCache, authenticate, decryptionCapability, type Authenticated } from "../auth";
import {
  ConditionChains,
  LIT_LOCAL_CHAIN_NAME,
  checkConditions,
  decryptionRequest,
  litParamsFromAuthSig,
  prepareConditions,
  type DecryptionRequest,
  type RunActionCondition,
} from "../conditions";
import { InternalError } from "../errors";
import type { PkpNode } from "../node";
import { createActionConditionRunner } from "../actions/actionConditions";
import { DEFAULT_WIRE_LIMITS, ROUTES, parseRequest, type EncryptionSignRequest } from "../wire";
import type { EncryptionSignAnswer, EncryptionSignResponse } from "../wire";

export interface EncryptionRouteOptions {
  /**
   * Runs Lit Action conditions (`ipfs://<CID>`); default: the node's own runner (actions/actionConditions.ts);
   * `null`: refuse them as unavailable.
   */
  runActionCondition?: RunActionCondition | null;
}

/**
 * `pkpNetwork` extras of our nodes' response (src/protocol/wire.ts): this node's Shamir index
 * (= shareIndex + 1) and every participant's public key share (compressed G1 hex), by index.
 */
export interface EncryptionSignExtras {
  pkpNetwork: NonNullable<EncryptionSignAnswer["pkpNetwork"]>;
}

/** Chronicle Yellowstone's Chain ID: what Lit's client signs for the chain name `yellowstone`. */
const LIT_YELLOWSTONE_CHAIN_ID = 175188;

/**
 * The Chain IDs a wallet AuthSig's SIWE may name on this node: 1 (what Lit's `createSiweMessage`
 * and `generateAuthSig` sign by default), every chain the node serves for conditions (its own
 * included), and Lit's ID for `yellowstone`, the name the node's own chain is served under.
 */
export function walletAuthSigChainIds(chains: ConditionChains): number[] {
  const ids = new Set<number>([1]);
  for (const name of chains.names()) ids.add(chains.endpoint(name).chainId);
  if (chains.has(LIT_LOCAL_CHAIN_NAME)) ids.add(LIT_YELLOWSTONE_CHAIN_ID);
  return [...ids].sort((a, b) => a - b);
}

export function registerEncryptionRoutes(
  app: FastifyInstance,
  node: PkpNode,
  options: EncryptionRouteOptions = {},
): void {
  const chains = new ConditionChains(node.config);
  const walletChainIds = walletAuthSigChainIds(chains);
  const cache = new AuthCache();
  const runner = options.runActionCondition === undefined ? createActionConditionRunner(node) : undefined;
  const runActionCondition =
    options.runActionCondition === undefined ? runner!.run : (options.runActionCondition ?? undefined);
  app.addHook("onClose", async () => {
    chains.destroy();
    await runner?.close();
  });

  const raw = (req: FastifyRequest): string => (typeof req.body === "string" ? req.body : "");

  const authenticateDecryption = (
    body: EncryptionSignRequest,
    d: DecryptionRequest,
  ): Promise<Authenticated> => {
    const me = node.me;
    if (me === undefined) throw new InternalError("this node is not a current validator");
    return authenticate(
      body.authSig,
      decryptionCapability(d.hashOfConditions, body.dataToEncryptHash),
      {
        nodeUrl: me.url,
        now: () => new Date(),
        cache,
        isKnownBlockhash: (nonce, window) => {
          const span = window.issuedAt
            ? Math.ceil((window.expiration.getTime() - window.issuedAt.getTime()) / 1000) + 120
            : 24 * 3600;
          return node.chain.isKnownBlockhash(nonce, Math.min(Math.max(span, 120), 30 * 24 * 3600));
        },
        verifyNetworkSignature: (message, signature) => {
          const key = node.networkKeyShare();
          return key !== undefined && blsVerify(blsG1Group.pointToBytes(key.publicKey), message, signature);
        },
      },
      { allowWalletAuthSig: true, walletChainIds },
    );
  };

  app.post(ROUTES.encryptionSign, async (req): Promise<EncryptionSignResponse & EncryptionSignExtras> => {
    const body = parseRequest("encryptionSign", raw(req), DEFAULT_WIRE_LIMITS);
    const d = decryptionRequest(body);
    prepareConditions(d.kind, d.conditions, chains);
    const auth = await authenticateDecryption(body, d);
    await checkConditions(d.kind, d.conditions, {
      userAddress: auth.address,
      chains,
      litParams: litParamsFromAuthSig(body.authSig),
      runActionCondition,
    });
    const key = node.networkKeyShare();
    const me = node.me;
    if (key === undefined || me === undefined)
      throw new InternalError("this node has no share of the network key yet", {
        reason: "NetworkKeyNotReady",
      });
    const share = signShare(key.index, key.secretShare, d.identity);
    const publicKeyShares: Record<string, string> = {};
    for (const [j, p] of key.publicKeyShares)
      publicKeyShares[String(j)] = bytesToHex(blsG1Group.pointToBytes(p));
    node.log.info(
      { requester: auth.address, conditions: d.hashOfConditions, dataToEncryptHash: body.dataToEncryptHash },
      "decryption share released",
    );
    return {
      result: "success",
      signatureShare: { ProofOfPossession: encodeShareHex(share) },
      shareIndex: key.index - 1,
      curveType: "BLS",
      siweMessage: "",
      dataSigned: bytesToHex(new TextEncoder().encode(d.identity)),
      blsRootPubkey: bytesToHex(blsG1Group.pointToBytes(key.publicKey)),
      pkpNetwork: { index: key.index, publicKeyShares },
    };
  });
}
