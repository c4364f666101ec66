/**
 * `:litParam:<name>` values: the requester puts `litParam:<name>:<base64url of the value>` into the
 * resources of the SIWE message it signs (Lit's documented convention); the nodes decode them and
 * substitute them into the conditions' parameters.
 */
import { SiweMessage } from "siwe";

const LIT_PARAM = /^litParam:([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_-]*={0,2})$/;

/** The litParams of a list of SIWE resources (malformed entries are ignored). */
export function litParamsFromResources(resources: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of resources ?? []) {
    const m = LIT_PARAM.exec(r);
    if (m) out[m[1]] = Buffer.from(m[2], "base64url").toString("utf8");
  }
  return out;
}

/**
 * The litParams of an already authenticated `authSig`: a wallet AuthSig's own SIWE message, or the
 * last capability of a session signature's message.
 */
export function litParamsFromAuthSig(authSig: {
  signedMessage: string;
  derivedVia: string;
}): Record<string, string> {
  try {
    let siwe = authSig.signedMessage;
    if (authSig.derivedVia === "litSessionSignViaNacl") {
      const message = JSON.parse(authSig.signedMessage) as { capabilities: { signedMessage: string }[] };
      siwe = message.capabilities[message.capabilities.length - 1].signedMessage;
    }
    return litParamsFromResources(new SiweMessage(siwe).resources);
  } catch {
    return {};
  }
}
