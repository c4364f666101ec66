/**
 * Where an action's code comes from: inline (base64; the node computes its CIDv0 exactly as `ipfs add`
 * does) or by `ipfsId`, fetched from the configured IPFS HTTP gateway (`GET <url>/ipfs/<cid>`) and
 * refused unless the bytes hash to that CID. The gateway is trusted for availability only, never for
 * content.
 */
import { cidOf } from "../../protocol/cid";
import { InvalidRequestError, NotFoundError, InternalError } from "../errors";

export interface ActionCode {
  /** The code as UTF-8 text. */
  readonly code: string;
  /** Its CIDv0 ("Qm…"), computed by this node. */
  readonly cid: string;
}

export interface GatewayOptions {
  readonly gatewayUrl: string | undefined;
  readonly maxCodeBytes: number;
  readonly timeoutMs?: number;
}

const CID_V0 = /^Qm[1-9A-HJ-NP-Za-km-z]{44}$/;

/** Inline code: base64 (already shape-checked by the wire schema). */
export async function inlineCode(base64: string, maxCodeBytes: number): Promise<ActionCode> {
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length > maxCodeBytes)
    throw new InvalidRequestError(`code is ${bytes.length} bytes, the limit is ${maxCodeBytes}`, {
      reason: "CodeTooLarge",
    });
  return { code: bytes.toString("utf8"), cid: await cidOf(new Uint8Array(bytes)) };
}

/** Code by CID from the gateway, checked against the CID. */
export async function codeByCid(cid: string, options: GatewayOptions): Promise<ActionCode> {
  if (!CID_V0.test(cid))
    throw new InvalidRequestError("ipfsId must be an IPFS CIDv0 (Qm… 46 base58 characters)", {
      reason: "MalformedIpfsId",
    });
  if (options.gatewayUrl === undefined)
    throw new InvalidRequestError("this node has no IPFS gateway configured: send the code inline", {
      reason: "NoIpfsGateway",
    });
  const url = `${options.gatewayUrl.replace(/\/+$/, "")}/ipfs/${cid}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000), redirect: "error" });
  } catch (e) {
    throw new InternalError("the IPFS gateway cannot be reached", {
      reason: "IpfsGatewayUnreachable",
      cause: e,
    });
  }
  if (res.status === 404) {
    await res.body?.cancel();
    throw new NotFoundError(`the IPFS gateway has no content for ${cid}`, { reason: "IpfsNotFound" });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new InternalError(`the IPFS gateway answered ${res.status}`, { reason: "IpfsGatewayError" });
  }
  const bytes = await readLimited(res, options.maxCodeBytes);
  const actual = await cidOf(bytes);
  if (actual !== cid)
    throw new InvalidRequestError(
      `the IPFS gateway returned bytes that hash to ${actual}, not to the requested ${cid}`,
      { reason: "IpfsCidMismatch" },
    );
  return { code: Buffer.from(bytes).toString("utf8"), cid };
}

async function readLimited(res: Response, limit: number): Promise<Uint8Array> {
  const reader = res.body?.getReader();
  if (reader === undefined) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new InvalidRequestError(`the action at the gateway is over ${limit} bytes`, {
        reason: "CodeTooLarge",
      });
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
