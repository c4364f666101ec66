/**
 * Node errors on the shared error base (src/errors.ts): details and cause as everywhere else, while
 * Lit's wire body keeps the short message alone.
 */
import { expect } from "chai";
import { DetailedError } from "../../src/errors";
import { InvalidRequestError, InternalError, NodeError, errorBody, toNodeError } from "../../src/node/errors";

describe("node errors", () => {
  const cause = new Error("zod said no");
  const e = new InvalidRequestError("invalid pkp/sign body: toSign: Required", {
    reason: "SchemaViolation",
    details: ["toSign: Required", "pubkey: Invalid"],
    cause,
  });

  it("are DetailedErrors: short message, details one per line in the message, and the cause kept", () => {
    expect(e).to.be.instanceOf(DetailedError);
    expect(e).to.be.instanceOf(NodeError);
    expect(e.name).to.equal("InvalidRequestError");
    expect(e.shortMessage).to.equal("invalid pkp/sign body: toSign: Required");
    expect(e.details).to.deep.equal(["toSign: Required", "pubkey: Invalid"]);
    expect(e.message).to.equal(
      "invalid pkp/sign body: toSign: Required\n  - toSign: Required\n  - pubkey: Invalid",
    );
    expect(e.cause).to.equal(cause);
  });

  it("put only the short message on the wire, byte for byte Lit's body", () => {
    expect(JSON.stringify(errorBody(e, "lit_1"))).to.equal(
      '{"errorKind":"Validation","errorCode":"InvalidRequest","status":400,' +
        '"message":"invalid pkp/sign body: toSign: Required","correlationId":"lit_1",' +
        '"details":["reason: SchemaViolation","toSign: Required","pubkey: Invalid"]}',
    );
  });

  it("without details, the message is the short message", () => {
    const plain = new InternalError();
    expect([plain.message, plain.shortMessage, plain.details]).to.deep.equal([
      "internal error",
      "internal error",
      [],
    ]);
    expect(errorBody(plain, "x").details).to.deep.equal([]);
  });

  it("turn anything else into an opaque Internal error that keeps the original as its cause", () => {
    const original = new TypeError("secret path /data/keys");
    const wrapped = toNodeError(original);
    expect(wrapped).to.be.instanceOf(InternalError);
    expect(wrapped.cause).to.equal(original);
    expect(JSON.stringify(errorBody(original, "x"))).to.not.contain("secret");
  });
});
