/**
 * The user's AuthSig inside a session: a SIWE (EIP-4361) signed EIP-191 by a wallet, or by the
 * network's BLS key for a PKP session; its signer, validity window, nonce (a block hash of this
 * chain) and ReCap. Also the shapes and refusal helper the session layer shares.
 */
import { getAddress, verifyMessage } from "ethers";
import { SiweMessage } from "siwe";
import { z } from "zod";
import { hexToBytes } from "@noble/hashes/utils";
import { parsePkpAuthResources, pkpSessionDigest, type PkpSessionBinding } from "../../protocol";
import { RecapError, extractRecap, type Attenuations, type Recap } from "../../protocol/recap";
import { InvalidRequestError, SessionExpiredError, UnauthorizedError } from "../errors";
import { memo, type AuthContext } from "./context";

export const hex = (n: number) =>
  z.string().regex(new RegExp(`^[0-9a-fA-F]{${2 * n}}$`), `must be ${2 * n} hex characters`);

export const capabilityAuthSigSchema = z.object({
  sig: z.string().max(1024),
  derivedVia: z.string().max(64),
  signedMessage: z.string().max(64 * 1024),
  address: z.string().max(128),
  algo: z.string().max(32).optional(),
});
export type CapabilityAuthSig = z.infer<typeof capabilityAuthSigSchema>;

export function malformed(what: string, error: z.ZodError, reason: string): InvalidRequestError {
  const details = error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  return new InvalidRequestError(`malformed ${what}: ${details[0]}`, { reason, details });
}

export interface VerifiedSiwe {
  address: string;
  expiration: Date;
  att?: Attenuations;
  pkp?: PkpSessionBinding;
}

/** The SIWE's one ReCap, a refusal mapped to the node's errors (malformed: 400; else 401). */
function recapOf(siwe: SiweMessage): Recap {
  try {
    return extractRecap(siwe.resources, siwe.statement);
  } catch (e) {
    if (!(e instanceof RecapError)) throw e;
    const Err = e.reason === "RecapMalformed" ? InvalidRequestError : UnauthorizedError;
    throw new Err(e.shortMessage, { reason: e.reason });
  }
}

function parseSiwe(text: string): SiweMessage {
  try {
    return new SiweMessage(text);
  } catch (e) {
    throw new InvalidRequestError(`malformed SIWE message: ${e instanceof Error ? e.message : String(e)}`, {
      reason: "MalformedSiwe",
    });
  }
}

function parseTime(value: string | undefined, what: string): Date | undefined {
  if (value === undefined) return undefined;
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) {
    throw new InvalidRequestError(`malformed SIWE message: ${what} is not a date`, {
      reason: "MalformedSiwe",
    });
  }
  return t;
}

/**
 * What a SIWE AuthSig is shown as, which decides what its URI, chain and ReCap must be:
 * - `capability`: the last capability of a session; it delegates to that session (`URI:
 *   lit:session:<key>`) with a ReCap;
 * - `auth method`: an EthWallet auth method (Lit's client signs one whose URI is the app's origin);
 * - `wallet AuthSig`: a plain wallet AuthSig for the request itself (`chainIds`: the Chain IDs it may
 *   name, when the route restricts them).
 * An auth method or a wallet AuthSig must not be a session capability (see `isSessionCapability`):
 * that one is sent to every node inside the session signatures, so anyone holding those could
 * otherwise lift it and speak as the wallet.
 */
export type SiweRole =
  | { readonly as: "capability"; readonly sessionKeyUri: string }
  | { readonly as: "auth method" }
  | { readonly as: "wallet AuthSig"; readonly chainIds?: readonly number[] };

/**
 * Whether a SIWE delegates to a session key rather than signing the wallet in: its URI is
 * `lit:session:…`, or it carries a ReCap (ERC-5573: a ReCap delegates to the SIWE's URI) and that URI
 * is not a web origin (`https://app.example/…`), i.e. it names a key or another principal.
 */
export function isSessionCapability(siwe: Pick<SiweMessage, "uri" | "resources">): boolean {
  const uri = siwe.uri.toLowerCase();
  if (uri.startsWith("lit:session:")) return true;
  const hasRecap = (siwe.resources ?? []).some((r) => r.startsWith("urn:recap:"));
  return hasRecap && !/^https?:\/\//.test(uri);
}

/** Checks the signer, the role (URI, chain), the validity window, the nonce and the ReCap of a SIWE AuthSig. */
export async function verifyUserAuthSig(
  authSig: CapabilityAuthSig,
  ctx: AuthContext,
  role: SiweRole,
): Promise<VerifiedSiwe & { via: "wallet" | "pkp-session" }> {
  const requireRecap = role.as === "capability";
  const siwe = memo(ctx, ["siwe", authSig.signedMessage], () => parseSiwe(authSig.signedMessage));
  let via: "wallet" | "pkp-session";
  let signer: string;

  if (authSig.algo === "LIT_BLS" && authSig.derivedVia === "lit.bls") {
    via = "pkp-session";
    if (!ctx.verifyNetworkSignature) {
      throw new UnauthorizedError("this node cannot check PKP sessions (no network BLS verifier)", {
        reason: "PkpSessionUnsupported",
      });
    }
    let signature: Uint8Array;
    try {
      const parsed = z.object({ ProofOfPossession: hex(96) }).parse(JSON.parse(authSig.sig));
      signature = hexToBytes(parsed.ProofOfPossession);
    } catch {
      throw new InvalidRequestError('a PKP session sig must be {"ProofOfPossession": <192 hex>}', {
        reason: "MalformedPkpSessionSig",
      });
    }
    const message = pkpSessionDigest(authSig.signedMessage);
    let ok = false;
    try {
      ok = await ctx.verifyNetworkSignature(message, signature);
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new UnauthorizedError("the PKP session is not signed by this network's key", {
        reason: "BadNetworkSignature",
      });
    }
    signer = siwe.address;
  } else if (authSig.derivedVia === "web3.eth.personal.sign" && authSig.algo === undefined) {
    via = "wallet";
    try {
      signer = memo(ctx, ["eip191", authSig.signedMessage, authSig.sig], () =>
        verifyMessage(authSig.signedMessage, authSig.sig),
      );
    } catch {
      throw new UnauthorizedError("the SIWE signature is not a valid EIP-191 signature", {
        reason: "SiweSignatureInvalid",
      });
    }
    if (signer !== siwe.address) {
      throw new UnauthorizedError(`the SIWE message is signed by ${signer}, not by ${siwe.address}`, {
        reason: "SiweSignatureInvalid",
      });
    }
  } else {
    throw new UnauthorizedError(
      `unsupported capability AuthSig (derivedVia ${JSON.stringify(authSig.derivedVia)}, algo ${JSON.stringify(authSig.algo)})`,
      { reason: "UnsupportedCapability" },
    );
  }

  let claimed: string;
  try {
    claimed = getAddress(authSig.address);
  } catch {
    throw new InvalidRequestError("the AuthSig address is not an Ethereum address", {
      reason: "MalformedAuthSig",
    });
  }
  if (claimed !== signer) {
    throw new UnauthorizedError(`the AuthSig claims ${claimed} but its SIWE message is for ${signer}`, {
      reason: "SiweAddressMismatch",
    });
  }

  if (role.as === "capability") {
    if (siwe.uri !== role.sessionKeyUri) {
      throw new UnauthorizedError(`the SIWE URI is ${siwe.uri}, not this session's ${role.sessionKeyUri}`, {
        reason: "SiweUriMismatch",
      });
    }
  } else if (isSessionCapability(siwe)) {
    throw new UnauthorizedError(
      `the SIWE delegates to ${siwe.uri}: a session capability is not ${role.as === "auth method" ? "an auth method" : "a wallet AuthSig"}`,
      {
        reason:
          role.as === "auth method" ? "SessionCapabilityAsAuthMethod" : "SessionCapabilityAsWalletAuthSig",
      },
    );
  }
  if (role.as === "wallet AuthSig") {
    if (siwe.domain.trim() === "") {
      throw new UnauthorizedError("the SIWE message names no domain", { reason: "SiweDomainMissing" });
    }
    if (role.chainIds !== undefined && !role.chainIds.includes(Number(siwe.chainId))) {
      throw new UnauthorizedError(
        `the SIWE message is for chain ${siwe.chainId}, not one this node accepts (${role.chainIds.join(", ")})`,
        { reason: "SiweChainNotAccepted" },
      );
    }
  }

  const now = ctx.now().getTime();
  const skew = ctx.clockSkewMs ?? 60_000;
  const expiration = parseTime(siwe.expirationTime, "Expiration Time");
  const issuedAt = parseTime(siwe.issuedAt, "Issued At");
  const notBefore = parseTime(siwe.notBefore, "Not Before");
  if (expiration === undefined) {
    throw new UnauthorizedError("the SIWE message has no Expiration Time", {
      reason: "CapabilityWithoutExpiration",
    });
  }
  if (now >= expiration.getTime()) {
    throw new SessionExpiredError(`the SIWE capability expired at ${expiration.toISOString()}`, {
      reason: "CapabilityExpired",
    });
  }
  if ((issuedAt && issuedAt.getTime() > now + skew) || (notBefore && notBefore.getTime() > now)) {
    throw new SessionExpiredError("the SIWE capability is not valid yet", {
      reason: "CapabilityNotYetValid",
    });
  }

  if (!(await ctx.isKnownBlockhash(siwe.nonce, { issuedAt, expiration }))) {
    throw new UnauthorizedError(`the SIWE nonce ${siwe.nonce} is not a block hash of this chain`, {
      reason: "NonceNotBlockhash",
    });
  }

  const hasRecap = (siwe.resources ?? []).some((r) => r.startsWith("urn:recap:"));
  const att = requireRecap || hasRecap ? recapOf(siwe).att : undefined;
  let pkp: PkpSessionBinding | undefined;
  if (via === "pkp-session") {
    try {
      pkp = parsePkpAuthResources(siwe.resources);
    } catch (e) {
      throw new UnauthorizedError(`the PKP session is malformed: ${(e as Error).message}`, {
        reason: "MalformedPkpSession",
      });
    }
    if (pkp === undefined) {
      throw new UnauthorizedError("the PKP session names no auth method it was granted through", {
        reason: "MalformedPkpSession",
      });
    }
  }
  return { via, address: signer, expiration, att, pkp };
}
