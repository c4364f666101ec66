import { expect } from "chai";
import { ethers } from "ethers";
import { secp256k1Group as group, type Point } from "../../src/crypto/group";
import { share } from "../../src/crypto/polynomial";
import { CulpritError, CulpritsError, ThresholdError } from "../../src/crypto/errors";
import {
  combineSignatureShares,
  decodeComplaintBroadcast,
  decodeDealingBroadcast,
  decodeDealingShare,
  decodeJustificationBroadcast,
  decodeProductBroadcast,
  encodeComplaintBroadcast,
  encodeDealingBroadcast,
  encodeDealingShare,
  encodeJustificationBroadcast,
  encodeProductBroadcast,
  presignParams,
  presignRound1,
  presignRound2,
  presignRound3,
  presignRound4,
  presignRound5,
  runPresignLocally,
  signShare,
  type PresignParams,
} from "../../src/crypto/ecdsa";

/** JSON.stringify then parse: what crosses the network. */
const wire = <T>(v: T): unknown => JSON.parse(JSON.stringify(v));

describe("threshold ECDSA wire format", () => {
  it("runs the five rounds with every message through JSON and signs", () => {
    const n = 4;
    const sessionId = new TextEncoder().encode("wire run");
    const ids = [1, 2, 3, 4];
    const params = new Map<number, PresignParams>(ids.map((i) => [i, presignParams(n, i, sessionId)]));
    const r1 = ids.map((i) => presignRound1(params.get(i)!));
    const dealings = r1.map((r) => wire(encodeDealingBroadcast(r.broadcast)));
    const r2 = ids.map((i) =>
      presignRound2(
        r1[i - 1].secret,
        dealings.map((d, k) => decodeDealingBroadcast(params.get(i)!, k + 1, d)),
        r1.map((r, k) =>
          decodeDealingShare(params.get(i)!, k + 1, wire(encodeDealingShare(r.shares[i - 1]))),
        ),
      ),
    );
    const complaints = r2.map((r) => wire(encodeComplaintBroadcast(r.broadcast)));
    const r3 = ids.map((i) =>
      presignRound3(
        r2[i - 1].secret,
        complaints.map((c, k) => decodeComplaintBroadcast(params.get(i)!, k + 1, c)),
      ),
    );
    const justifications = r3.map((r) => wire(encodeJustificationBroadcast(r.broadcast)));
    const r4 = ids.map((i) =>
      presignRound4(
        r3[i - 1].secret,
        justifications.map((j, k) => decodeJustificationBroadcast(params.get(i)!, k + 1, j)),
      ),
    );
    const products = r4.map((r) => wire(encodeProductBroadcast(r.broadcast)));
    const presigs = ids.map(
      (i) =>
        presignRound5(
          r4[i - 1].secret,
          products.map((p, k) => decodeProductBroadcast(params.get(i)!, k + 1, p)),
        ).presignature,
    );
    expect(new Set(presigs.map((p) => p.id)).size).to.equal(1);

    const secret = group.randomScalar();
    const { shares } = share(group, secret, 1, n);
    const Y = group.G.multiply(secret);
    const publicKeyShares = new Map<number, Point>(shares.map((s, k) => [k + 1, group.G.multiply(s)]));
    const hash = ethers.getBytes(ethers.id("over the wire"));
    const sigShares = [1, 2, 3].map((i) =>
      signShare(
        presigs[i - 1],
        { index: i, secretShare: shares[i - 1], publicKey: Y, publicKeyShares },
        hash,
        sessionId,
      ),
    );
    const { signature } = combineSignatureShares(sigShares, { hash, publicKey: Y, t: 1 });
    expect(ethers.recoverAddress(hash, signature.serialized)).to.equal(
      ethers.computeAddress("0x" + Buffer.from(Y.toBytes(false)).toString("hex")),
    );
  });

  describe("when a message is malformed", () => {
    const n = 4;
    const params = presignParams(n, 1, new Uint8Array([7]));
    const r1 = presignRound1(presignParams(n, 2, new Uint8Array([7])));
    const dealing = wire(encodeDealingBroadcast(r1.broadcast)) as Record<string, unknown>;
    const shareTo1 = wire(encodeDealingShare(r1.shares[0])) as Record<string, unknown>;

    const cases: [string, number, () => unknown, string][] = [
      [
        "a dealing with too few commitments",
        2,
        () => decodeDealingBroadcast(params, 2, { ...dealing, k: (dealing.k as string[]).slice(1) }),
        "expected 2 points",
      ],
      [
        "a dealing with a point off the curve",
        2,
        () =>
          decodeDealingBroadcast(params, 2, {
            ...dealing,
            a: ["02" + "00".repeat(31) + "05", (dealing.a as string[])[1]],
          }),
        "not a point",
      ],
      [
        "a dealing claiming another dealer",
        3,
        () => decodeDealingBroadcast(params, 3, dealing),
        "not the sender",
      ],
      [
        "a dealing for another session",
        2,
        () => decodeDealingBroadcast(params, 2, { ...dealing, sessionId: "08" }),
        "another session",
      ],
      [
        "a share with a scalar not below n",
        2,
        () => decodeDealingShare(params, 2, { ...shareTo1, k: "ff".repeat(32) }),
        "not below",
      ],
      [
        "a share with a short scalar",
        2,
        () => decodeDealingShare(params, 2, { ...shareTo1, a: "01" }),
        "32 bytes",
      ],
      [
        "a share for another participant",
        2,
        () => decodeDealingShare(params, 2, wire(encodeDealingShare(r1.shares[1]))),
        "another participant",
      ],
      [
        "a complaint list naming a dealer twice",
        2,
        () => decodeComplaintBroadcast(params, 2, { sessionId: "07", accuser: 2, dealers: [3, 3] }),
        "twice",
      ],
      [
        "a complaint naming index 0",
        2,
        () => decodeComplaintBroadcast(params, 2, { sessionId: "07", accuser: 2, dealers: [0] }),
        "1..4",
      ],
      [
        "a product that is not an object",
        4,
        () => decodeProductBroadcast(params, 4, "w"),
        "expected an object",
      ],
      [
        "a product with a bad proof point",
        4,
        () =>
          decodeProductBroadcast(params, 4, {
            sessionId: "07",
            sender: 4,
            w: "00".repeat(32),
            proof: { T1: "05" + "00".repeat(32), T2: "", z: "00".repeat(32) },
          }),
        "not a point",
      ],
    ];
    for (const [title, sender, f, message] of cases) {
      it(`names the sender of ${title}`, () => {
        expect(f).to.throw(CulpritError, message).with.property("culprit", sender);
      });
    }
  });
});

describe("threshold ECDSA presignature bad paths", () => {
  it("two dealers whose errors cancel in a sum are found when one is disqualified", () => {
    // Dealers 2 and 3 collude against participant 1: errors +1 and -1 cancel in its joint check, so it
    // does not complain. Dealer 2 is then disqualified (it cheats participant 4 and cannot answer), and
    // participant 1 re-checks the rest and names dealer 3 instead of signing with a bad share.
    expect(() =>
      runPresignLocally(4, {
        tamper: {
          share: (s) => {
            if (s.recipient === 1 && s.dealer === 2) return { ...s, k: group.Fn.add(s.k, 1n) };
            if (s.recipient === 1 && s.dealer === 3) return { ...s, k: group.Fn.sub(s.k, 1n) };
            if (s.recipient === 4 && s.dealer === 2) return { ...s, a: group.Fn.add(s.a, 1n) };
            return s;
          },
          justification: (j) => (j.dealer === 2 ? { ...j, revealed: [] } : j),
        },
      }),
    )
      .to.throw(CulpritsError)
      .with.property("culprits")
      .that.deep.equals([3]);
  });

  it("a missing dealing leaves its dealer out", () => {
    const run = runPresignLocally(4, { participants: [1, 2, 3] });
    expect(run.qualified).to.deep.equal([1, 2, 3]);
    for (const i of [1, 2, 3]) expect(run.faults.get(i)!.get(4)).to.equal("missing-dealing");
  });

  it("two different dealings from one dealer leave it out", () => {
    const n = 4;
    const sid = new Uint8Array([9]);
    const outs = [1, 2, 3, 4].map((i) => presignRound1(presignParams(n, i, sid)));
    const twin = presignRound1(presignParams(n, 4, sid));
    const dealings = [...outs.map((o) => o.broadcast), twin.broadcast];
    const r2 = presignRound2(
      outs[0].secret,
      dealings,
      outs.map((o) => o.shares[0]),
    );
    expect(r2.broadcast.dealers).to.deep.equal([]);
    const r3 = presignRound3(r2.secret, [r2.broadcast]);
    const r4 = presignRound4(r3.secret, [r3.broadcast]);
    expect(() => presignRound5(r4.secret, [r4.broadcast])).to.throw(ThresholdError, "need 3, have 1");
  });

  it("refuses to open a·k from fewer than 2t+1 products", () => {
    expect(() =>
      runPresignLocally(4, { tamper: { product: (p) => (p.sender >= 3 ? undefined : p) } }),
    ).to.throw(ThresholdError, "too few correct products");
  });
});
