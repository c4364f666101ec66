import { expect } from "chai";

import { InvalidRequestError } from "../../src/node/errors";
import { ActionCoordinator, COLLECT_KIND, RUN_ONCE_KIND } from "../../src/node/actions/coordination";
import { actionRound } from "../../src/node/actions/round";
import type { PkpNode } from "../../src/node/node";
import type { PeerHandler } from "../../src/node/peers/peers";
import {
  MAX_COLLECT_VALUE_BYTES,
  decisionSchema,
  joinRequestSchema,
  parsePeerPayload,
  presignStartPayloadSchema,
  routingSigPayloadSchema,
  startPayloadSchema,
} from "../../src/node/peers/payloads";

function refusal(f: () => unknown): InvalidRequestError {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(InvalidRequestError);
    return e as InvalidRequestError;
  }
  throw new Error("expected a refusal");
}

describe("peer payloads", () => {
  const hash = "0x" + "11".repeat(32);
  const pubkey = "0x04" + "22".repeat(64);

  describe("parsePeerPayload", () => {
    it("returns a payload that matches its schema", () => {
      const join = { requestId: "lit_00", sigName: "pkpSign", pubkey, hash };
      expect(parsePeerPayload(joinRequestSchema, join, "join")).to.deep.equal(join);
      const decision = { ...join, signingSet: [1, 2, 3], presignatureId: "ab".repeat(32) };
      expect(parsePeerPayload(decisionSchema, decision, "decision")).to.deep.equal(decision);
    });

    it("refuses one that does not with a 400 naming each invalid field", () => {
      const e = refusal(() => parsePeerPayload(joinRequestSchema, { requestId: "lit_00", hash: 7 }, "join"));
      expect(e.status).to.equal(400);
      expect(e.reason).to.equal("MalformedPeerPayload");
      expect(e.shortMessage).to.match(/^invalid join payload: sigName: Required/);
      expect(e.details).to.have.length(3);
      expect(e.details.join("\n")).to.contain("hash: Expected string, received number");
    });

    it("refuses a payload that is not an object", () => {
      expect(refusal(() => parsePeerPayload(routingSigPayloadSchema, null, "routing-sig")).status).to.equal(
        400,
      );
    });
  });

  describe("schemas of node.ts's payloads", () => {
    it("start: the DKG purposes and counts a coordinator sends (presigning is not one of them)", () => {
      const ok = { session: "pkp-keys/1/2/ab", purpose: "pkp-keys", count: 2, participants: ["0x01"] };
      expect(startPayloadSchema.safeParse(ok).success).to.equal(true);
      expect(startPayloadSchema.safeParse({ ...ok, purpose: "presign" }).success).to.equal(false);
      expect(startPayloadSchema.safeParse({ ...ok, purpose: "other" }).success).to.equal(false);
      expect(startPayloadSchema.safeParse({ ...ok, count: 0 }).success).to.equal(false);
    });

    it("presign-start: an owner, its signing set and a count", () => {
      const ok = { session: "presign/1/2/ab", owner: 2, signingSet: [1, 2, 4], count: 8 };
      expect(presignStartPayloadSchema.safeParse(ok).success).to.equal(true);
      expect(presignStartPayloadSchema.safeParse({ ...ok, owner: 0 }).success).to.equal(false);
      expect(presignStartPayloadSchema.safeParse({ ...ok, signingSet: [] }).success).to.equal(false);
      expect(presignStartPayloadSchema.safeParse({ ...ok, count: 257 }).success).to.equal(false);
    });

    it("routing-sig", () => {
      const sig = { r: hash, s: hash, v: 27 };
      expect(routingSigPayloadSchema.safeParse({ session: "s", sigs: [{ pubkey, sig }] }).success).to.equal(
        true,
      );
      expect(
        routingSigPayloadSchema.safeParse({ session: "s", sigs: [{ pubkey, sig: {} }] }).success,
      ).to.equal(false);
    });
  });

  describe("the action coordinator's handlers", () => {
    const handlers = new Map<string, PeerHandler>();
    const me = { index: 1, nodeAddress: "0x" + "01".repeat(20), url: "n1", commsKey: new Uint8Array(32) };
    const node = {
      peers: { on: (kind: string, h: PeerHandler) => handlers.set(kind, h) },
      validators: [me],
      address: me.nodeAddress,
      me,
    };
    const coordinator = new ActionCoordinator(node as unknown as PkpNode);
    const from = { index: 2 };
    const call = (kind: string, payload: unknown) =>
      Promise.resolve().then(() =>
        handlers.get(kind)!({ envelope: { payload } as never, from: from as never, secret: undefined }),
      );
    const auth = { authSigAddress: "0x" + "aa".repeat(20), authMethodContexts: [] };
    const roundOf = (requestId: string, cid: string) => actionRound({ requestId, cid, jsParams: {}, auth });
    const round = roundOf("lit_00", "QmX");

    it("refuses a malformed runOnce query with a 400 naming the field", async () => {
      const e = await call(RUN_ONCE_KIND, { requestId: "lit_00", round, name: 5 }).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).to.be.instanceOf(InvalidRequestError);
      expect((e as InvalidRequestError).status).to.equal(400);
      expect((e as InvalidRequestError).shortMessage).to.equal(
        `invalid ${RUN_ONCE_KIND} payload: name: Expected string, received number`,
      );
    });

    it("refuses a runOnce query without a round, naming the field", async () => {
      const e = await call(RUN_ONCE_KIND, { requestId: "lit_00", name: "price" }).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect((e as InvalidRequestError).status).to.equal(400);
      expect((e as InvalidRequestError).shortMessage).to.equal(
        `invalid ${RUN_ONCE_KIND} payload: round: Required`,
      );
    });

    it("answers a runOnce query with the result of the follower's round", async () => {
      const at = { requestId: "lit_01", round: roundOf("lit_01", "QmX") };
      coordinator.recordRunOnce(at, "price", "42");
      expect(await call(RUN_ONCE_KIND, { ...at, name: "price", waitMs: 0 })).to.deep.equal({
        ok: true,
        response: "42",
      });
    });

    it("refuses a runOnce result from a different action under the same request id (RoundMismatch)", async () => {
      const theirs = { requestId: "lit_02", round: roundOf("lit_02", "QmInline") };
      const ours = { requestId: "lit_02", round: roundOf("lit_02", "QmX") };
      coordinator.startRunOnce(theirs, "price");
      // Refused at once, while the other run is still running (not after the 30 s wait), and after.
      const early = (await call(RUN_ONCE_KIND, { ...ours, name: "price", waitMs: 30_000 })) as {
        reason?: string;
      };
      expect(early.reason).to.equal("RoundMismatch");
      coordinator.recordRunOnce(theirs, "price", "1");
      const reply = (await call(RUN_ONCE_KIND, { ...ours, name: "price", waitMs: 30_000 })) as {
        ok: boolean;
        reason?: string;
        error?: string;
      };
      expect(reply.ok).to.equal(false);
      expect(reply.reason).to.equal("RoundMismatch");
      expect(reply.error).to.match(/^round mismatch: /);
      expect(reply).not.to.have.property("response");
    });

    it("bounds the rounds one request id and runOnce name may hold", () => {
      for (let k = 0; k < 8; k++)
        coordinator.startRunOnce({ requestId: "lit_03", round: roundOf("lit_03", `Qm${k}`) }, "n");
      expect(() =>
        coordinator.startRunOnce({ requestId: "lit_03", round: roundOf("lit_03", "Qm8") }, "n"),
      ).to.throw(/too many different runs of "n"/);
    });

    it("refuses a collected value over the limit, naming the field", async () => {
      const value = "x".repeat(MAX_COLLECT_VALUE_BYTES);
      const e = await call(COLLECT_KIND, { round, name: "n", value }).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect((e as InvalidRequestError).status).to.equal(400);
      expect((e as InvalidRequestError).shortMessage).to.match(
        /^invalid action-collect payload: value: is \d+ bytes/,
      );
    });

    it("accepts a well-formed collected value", async () => {
      expect(await call(COLLECT_KIND, { round, name: "n", value: { a: 1 } })).to.deep.equal({
        accepted: true,
      });
    });
  });
});

describe("actionRound (what runOnce and broadcastAndCollect are keyed by)", () => {
  const auth = { authSigAddress: "0x" + "aA".repeat(20), authMethodContexts: [] };
  const base = { requestId: "lit_00", cid: "QmX", jsParams: { a: 1, b: [1, 2] }, auth };

  it("is a 32-byte id that does not depend on the order of jsParams' keys or the address's case", () => {
    const r = actionRound(base);
    expect(r).to.match(/^0x[0-9a-f]{64}$/);
    expect(actionRound({ ...base, jsParams: { b: [1, 2], a: 1 } })).to.equal(r);
    expect(
      actionRound({ ...base, auth: { ...auth, authSigAddress: auth.authSigAddress.toLowerCase() } }),
    ).to.equal(r);
  });

  it("differs for another request id, action, jsParams or caller", () => {
    const r = actionRound(base);
    expect(actionRound({ ...base, requestId: "lit_01" })).not.to.equal(r);
    expect(actionRound({ ...base, cid: "QmY" })).not.to.equal(r);
    expect(actionRound({ ...base, jsParams: { a: 2, b: [1, 2] } })).not.to.equal(r);
    expect(actionRound({ ...base, auth: { ...auth, authSigAddress: "0x" + "bb".repeat(20) } })).not.to.equal(
      r,
    );
    const method = { authMethodType: 1, authMethodId: "0x01", lastRetrievedAt: "now" };
    const withMethod = actionRound({ ...base, auth: { ...auth, authMethodContexts: [method] } });
    expect(withMethod).not.to.equal(r);
    // The time of each node's check is not part of it.
    expect(
      actionRound({
        ...base,
        auth: { ...auth, authMethodContexts: [{ ...method, lastRetrievedAt: "later" }] },
      }),
    ).to.equal(withMethod);
  });
});
