import { expect } from "chai";
import { UsedAuthMethods, singleUseKey, type SingleUseToken } from "../../src/node/auth";
import { NodeError, UnauthorizedError } from "../../src/node/errors";

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

function token(name: string, untilMs: number): SingleUseToken {
  return {
    key: singleUseKey("test", new TextEncoder().encode(name)),
    until: new Date(untilMs),
    what: `the auth method ${name}`,
  };
}

function refusal(f: () => void, reason: string): NodeError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a refusal with ${reason}`).to.be.instanceOf(UnauthorizedError);
  expect((caught as NodeError).reason).to.equal(reason);
  expect((caught as NodeError).status).to.equal(401);
  return caught as NodeError;
}

describe("UsedAuthMethods (single-use auth methods on one node)", () => {
  it("refuses an auth method used twice on one node", () => {
    const used = new UsedAuthMethods(10, () => T0);
    used.consume([token("a", T0 + 10 * MINUTE)]);
    const e = refusal(() => used.consume([token("a", T0 + 10 * MINUTE)]), "AuthMethodAlreadyUsed");
    expect(e.shortMessage).to.contain("already used");
    used.consume([token("b", T0 + 10 * MINUTE)]);
  });

  it("spends all of a request's auth methods or none, and refuses one shown twice in a request", () => {
    const used = new UsedAuthMethods(10, () => T0);
    used.consume([token("a", T0 + MINUTE)]);
    refusal(() => used.consume([token("b", T0 + MINUTE), token("a", T0 + MINUTE)]), "AuthMethodAlreadyUsed");
    expect(used.has(token("b", 0).key)).to.equal(false);
    refusal(() => used.consume([token("c", T0 + MINUTE), token("c", T0 + MINUTE)]), "AuthMethodAlreadyUsed");
    expect(used.has(token("c", 0).key)).to.equal(false);
  });

  it("forgets an auth method once it could no longer be accepted anyway", () => {
    let now = T0;
    const used = new UsedAuthMethods(10, () => now);
    used.consume([token("a", T0 + MINUTE)]);
    now = T0 + MINUTE;
    expect(used.has(token("a", 0).key)).to.equal(false);
    now = T0 + 2 * MINUTE;
    used.consume([token("b", T0 + 3 * MINUTE)]);
    expect(used.size).to.equal(1);
  });

  it("refuses new auth methods when full of unexpired ones, rather than forget one", () => {
    let now = T0;
    const used = new UsedAuthMethods(2, () => now);
    used.consume([token("a", T0 + MINUTE), token("b", T0 + 2 * MINUTE)]);
    refusal(() => used.consume([token("c", T0 + MINUTE)]), "AuthMethodStoreFull");
    expect(used.has(token("a", 0).key)).to.equal(true);
    now = T0 + MINUTE;
    used.consume([token("c", T0 + 3 * MINUTE)]);
    expect(used.size).to.equal(2);
    refusal(() => used.consume([token("b", T0 + 2 * MINUTE)]), "AuthMethodAlreadyUsed");
  });

  it("keys tokens by kind and every part, unambiguously", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(singleUseKey("x", enc("ab"), enc("c"))).to.not.equal(singleUseKey("x", enc("a"), enc("bc")));
    expect(singleUseKey("x", enc("ab"))).to.not.equal(singleUseKey("y", enc("ab")));
    expect(singleUseKey("x", enc("ab"))).to.match(/^x:[0-9a-f]{64}$/);
  });
});
