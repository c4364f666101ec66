/**
 * Raw `/web/pkp/sign/v1` requests to chosen nodes, as a test plays a client (or an attacker) that
 * picks which nodes it asks and under which request id, and Lit's client's combination of the
 * shares that come back.
 */
import { randomBytes } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1";
import { Signature, hexlify, recoverAddress } from "ethers";

const N_ORDER = secp256k1.CURVE.n;

export interface NodeAnswer<N extends { url: string } = { url: string }> {
  node: N;
  status: number;
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export const newRequestId = (): string => `lit_${randomBytes(16).toString("hex")}`;

/** POSTs `body` (JSON, or a string as is) to `node.url + path`, with an X-Request-Id if given. */
export async function postNode<N extends { url: string }>(
  node: N,
  path: string,
  body: unknown,
  requestId?: string,
): Promise<NodeAnswer<N>> {
  const res = await fetch(node.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(requestId ? { "x-request-id": requestId } : {}) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { node, status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** pkpSign of `digest` at each of `nodes`, all under one request id, with each node's session signature. */
export function pkpSignAt<N extends { url: string }>(
  nodes: readonly N[],
  sigs: Record<string, unknown>,
  pubkey: string,
  digest: Uint8Array,
  requestId = newRequestId(),
  epoch = 2,
): Promise<NodeAnswer<N>[]> {
  return Promise.all(
    nodes.map((n) =>
      postNode(
        n,
        "/web/pkp/sign/v1",
        { toSign: [...digest], pubkey, authSig: sigs[n.url], epoch },
        requestId,
      ),
    ),
  );
}

/** Lit's client's combination: add the shares, take r from big_r, normalise low-s; the signer's address. */
export function combinedSigner(answers: readonly NodeAnswer[], digest: Uint8Array): string {
  const good = answers.filter((a) => a.body.signatureShare?.result === "success");
  let s = 0n;
  for (const a of good) s = (s + BigInt("0x" + a.body.signatureShare.signature_share)) % N_ORDER;
  const R = secp256k1.Point.fromHex(good[0].body.signatureShare.big_r);
  const r = R.x % N_ORDER;
  let recovery = R.y & 1n ? 1 : 0;
  if (s > N_ORDER / 2n) {
    s = N_ORDER - s;
    recovery ^= 1;
  }
  const sig = Signature.from({
    r: "0x" + r.toString(16).padStart(64, "0"),
    s: "0x" + s.toString(16).padStart(64, "0"),
    v: 27 + recovery,
  });
  return recoverAddress(hexlify(digest), sig);
}
