/**
 * WebAuthn (auth method type 3) as Lit registers and presents it (facts from Lit's v7 client and
 * relay): the access token is the JSON of the browser's assertion (`{id, rawId, type,
 * response: {authenticatorData, clientDataJSON, signature, userHandle?}}`, every binary field
 * base64url); the auth method id is `keccak256(utf8(rawId + ":lit"))`; the user pubkey stored in
 * PKPPermissions is the credential's COSE_Key (EC2, ES256, P-256), or a SEC1 P-256 point. The
 * challenge the authenticator signed is a recent block hash of this chain (Lit's client asks it for
 * the latest one), which makes an assertion fresh; it is not bound to the session it is shown for,
 * so each node also takes an assertion only once (src/node/sessionKey/authMethods.ts, singleUse.ts).
 */
import { p256 } from "@noble/curves/p256";
import { sha256 } from "@noble/hashes/sha2";
import { concatBytes } from "@noble/hashes/utils";
import { decodeFirstSync } from "cbor";
import { hexlify, keccak256, toUtf8Bytes } from "ethers";
import { z } from "zod";
import { InvalidRequestError, UnauthorizedError } from "../errors";

const b64url = z
  .string()
  .max(16 * 1024)
  .regex(/^[A-Za-z0-9_-]*={0,2}$/, "must be base64url");

const assertionSchema = z.object({
  id: z.string().max(1024).optional(),
  rawId: b64url.min(1),
  type: z.literal("public-key"),
  response: z.object({
    authenticatorData: b64url.min(1),
    clientDataJSON: b64url.min(1),
    signature: b64url.min(1),
    userHandle: b64url.nullish(),
  }),
});

const clientDataSchema = z.object({
  type: z.string(),
  challenge: b64url,
  origin: z.string().max(1024).optional(),
});

export interface WebAuthnAssertion {
  /** The credential id exactly as the token carries it (base64url). */
  rawId: string;
  /** `keccak256(utf8(rawId + ":lit"))`: the id PKPPermissions stores. */
  authMethodId: string;
  authenticatorData: Uint8Array;
  clientDataJSON: Uint8Array;
  signature: Uint8Array;
  /** The challenge as a 0x-hex block hash. */
  challenge: string;
  origin?: string;
}

function malformed(message: string): InvalidRequestError {
  return new InvalidRequestError(`malformed WebAuthn assertion: ${message}`, {
    reason: "MalformedAuthMethod",
  });
}

function fromB64url(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/=+$/, ""), "base64url"));
}

/** The auth method id of a WebAuthn credential (as Lit's client computes it). */
export function webAuthnAuthMethodId(rawId: string): string {
  return keccak256(toUtf8Bytes(`${rawId}:lit`));
}

/** Parses an access token: its shape, its client data (`webauthn.get`, a 32-byte challenge). */
export function parseWebAuthnAssertion(accessToken: string): WebAuthnAssertion {
  let json: unknown;
  try {
    json = JSON.parse(accessToken);
  } catch {
    throw malformed("the access token is not JSON");
  }
  const parsed = assertionSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw malformed(`${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  const a = parsed.data;
  if (a.id !== undefined && a.id !== a.rawId) throw malformed("id and rawId differ");
  const clientDataJSON = fromB64url(a.response.clientDataJSON);
  let clientData: z.infer<typeof clientDataSchema>;
  try {
    clientData = clientDataSchema.parse(JSON.parse(new TextDecoder().decode(clientDataJSON)));
  } catch {
    throw malformed("clientDataJSON is not the JSON of a WebAuthn client data");
  }
  if (clientData.type !== "webauthn.get") {
    throw new UnauthorizedError(`the WebAuthn client data is of type ${clientData.type}, not webauthn.get`, {
      reason: "WebAuthnWrongType",
    });
  }
  const challenge = fromB64url(clientData.challenge);
  if (challenge.length !== 32) throw malformed("the challenge is not a 32-byte block hash");
  const authenticatorData = fromB64url(a.response.authenticatorData);
  if (authenticatorData.length < 37) throw malformed("authenticatorData is shorter than 37 bytes");
  return {
    rawId: a.rawId,
    authMethodId: webAuthnAuthMethodId(a.rawId),
    authenticatorData,
    clientDataJSON,
    signature: fromB64url(a.response.signature),
    challenge: hexlify(challenge),
    origin: clientData.origin,
  };
}

/**
 * The P-256 public key (SEC1, uncompressed) of a registered credential: a COSE_Key map
 * (kty 2 = EC2, alg -7 = ES256, crv 1 = P-256, x = -2, y = -3) or already a SEC1 point.
 */
export function webAuthnPublicKey(userPubkey: Uint8Array): Uint8Array {
  if ((userPubkey.length === 65 && userPubkey[0] === 4) || (userPubkey.length === 33 && userPubkey[0] < 4)) {
    try {
      return p256.ProjectivePoint.fromHex(userPubkey).toRawBytes(false);
    } catch {
      throw new UnauthorizedError("the registered WebAuthn public key is not a P-256 point", {
        reason: "WebAuthnBadPublicKey",
      });
    }
  }
  let cose: unknown;
  try {
    cose = decodeFirstSync(Buffer.from(userPubkey));
  } catch {
    cose = undefined;
  }
  const get = (k: number) => (cose instanceof Map ? cose.get(k) : undefined);
  const x = get(-2);
  const y = get(-3);
  if (
    get(1) !== 2 ||
    (get(3) !== undefined && get(3) !== -7) ||
    get(-1) !== 1 ||
    !(x instanceof Uint8Array) ||
    !(y instanceof Uint8Array) ||
    x.length !== 32 ||
    y.length !== 32
  ) {
    throw new UnauthorizedError("the registered WebAuthn public key is not a COSE EC2 P-256 (ES256) key", {
      reason: "WebAuthnBadPublicKey",
    });
  }
  try {
    return p256.ProjectivePoint.fromHex(concatBytes(Uint8Array.of(4), x, y)).toRawBytes(false);
  } catch {
    throw new UnauthorizedError("the registered WebAuthn public key is not on P-256", {
      reason: "WebAuthnBadPublicKey",
    });
  }
}

/**
 * Checks an assertion against the credential's registered public key: the user-present flag, and
 * the ES256 signature (DER) over `authenticatorData ‖ SHA-256(clientDataJSON)`. (The challenge's
 * freshness is the caller's: it must be a recent block hash.)
 */
export function verifyWebAuthnSignature(assertion: WebAuthnAssertion, userPubkey: Uint8Array): void {
  const publicKey = webAuthnPublicKey(userPubkey);
  const flags = assertion.authenticatorData[32];
  if ((flags & 0x01) === 0) {
    throw new UnauthorizedError("the WebAuthn assertion was made without user presence", {
      reason: "WebAuthnUserNotPresent",
    });
  }
  const digest = sha256(concatBytes(assertion.authenticatorData, sha256(assertion.clientDataJSON)));
  let ok = false;
  try {
    const sig = p256.Signature.fromDER(assertion.signature);
    ok = p256.verify(sig.toCompactRawBytes(), digest, publicKey, { lowS: false, prehash: false });
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new UnauthorizedError("the WebAuthn signature does not verify with the registered credential", {
      reason: "WebAuthnBadSignature",
    });
  }
}
