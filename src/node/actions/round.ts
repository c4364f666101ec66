/**
 * The coordination round of one action run: what `runOnce` and `broadcastAndCollect` (and the
 * decryption and sign-and-combine exchanges built on them) are keyed by, so that only nodes that run
 * the same action, with the same inputs, for the same caller, under the same request id share a
 * round.
 *
 * The request id alone is chosen by the client, which may send a different body to each node under
 * it: keyed by the id, one node running an action of the client's choosing would decide a `runOnce`
 * result for, or inject values into, the nodes running a permitted action. The round is therefore
 * keccak256 of the canonical JSON (keys sorted) of:
 *
 * - the request id;
 * - the CID of the top-level action (the node computed it from the code it runs; child actions
 *   run inside their parent's round);
 * - its jsParams;
 * - the caller as the action sees it in `Lit.Auth`: the authenticated address and, in order, the
 *   type and id of each verified auth method (not the times of the check, which differ per node).
 *
 * A node cannot check another node's round (it does not see that node's inputs); it does not need to:
 * it only ever looks up, and answers for, the round it computed from its own run.
 */
import { keccak256, toUtf8Bytes } from "ethers";
import { canonicalJson } from "../../protocol/recap";
import type { LitAuthContext } from "../sandbox";

export interface RoundInputs {
  readonly requestId: string;
  /** CIDv0 of the top-level action, as this node computed it. */
  readonly cid: string;
  readonly jsParams: unknown;
  /** `Lit.Auth` of the top-level run. */
  readonly auth: Pick<LitAuthContext, "authSigAddress" | "authMethodContexts">;
}

/** A round id: 0x-prefixed lowercase keccak256 hex (src/node/peers/payloads.ts checks the form). */
export type RoundId = string;

function authMethodOf(m: unknown): [unknown, unknown] {
  const o = (typeof m === "object" && m !== null ? m : {}) as Record<string, unknown>;
  return [o.authMethodType ?? null, o.authMethodId ?? null];
}

/** The round of a top-level action run (see the module comment). */
export function actionRound(inputs: RoundInputs): RoundId {
  return keccak256(
    toUtf8Bytes(
      canonicalJson({
        domain: "pkp-network/action-round/v1",
        requestId: inputs.requestId,
        cid: inputs.cid,
        jsParams: inputs.jsParams ?? {},
        caller: {
          address: inputs.auth.authSigAddress?.toLowerCase() ?? null,
          authMethods: inputs.auth.authMethodContexts.map(authMethodOf),
        },
      }),
    ),
  );
}
