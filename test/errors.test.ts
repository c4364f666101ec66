/** The one error base (src/errors.ts): walk() over the cause chain, and the classes rebased on it. */
import { expect } from "chai";

import { DetailedError, InvalidArgumentError, walk } from "../src/errors";
import {
  ChainError,
  ContractRevertError,
  InvalidArgumentError as ChainInvalidArgumentError,
  InvalidCidError,
  UnknownTokenError,
} from "../src/chain/errors";
import {
  InvalidArgumentError as SdkInvalidArgumentError,
  SdkError,
  SessionSigningError,
} from "../src/sdk/errors";
import { TransportError } from "../src/transport";

describe("errors", () => {
  describe("walk", () => {
    const root = new Error("socket hang up");
    const transport = new TransportError("ECONNRESET", "connection reset", { cause: root });
    const top = new DetailedError("signing failed", { cause: transport });

    it("returns the deepest cause without a predicate", () => {
      expect(top.walk()).to.equal(root);
    });

    it("returns the error itself when it has no cause", () => {
      const alone = new DetailedError("alone");
      expect(alone.walk()).to.equal(alone);
    });

    it("returns the first error the predicate holds for, this one included", () => {
      expect(top.walk((e) => e instanceof TransportError)).to.equal(transport);
      expect(top.walk((e) => e instanceof DetailedError)).to.equal(top);
    });

    it("returns undefined when the predicate holds for none", () => {
      expect(top.walk((e) => e instanceof RangeError)).to.equal(undefined);
    });

    it("narrows the type with a type guard", () => {
      const found = top.walk((e): e is TransportError => e instanceof TransportError);
      expect(found?.code).to.equal("ECONNRESET");
    });

    it("follows causes that are not errors, and stops where a chain loops", () => {
      expect(walk(new DetailedError("x", { cause: "a string" }))).to.equal("a string");
      const a = new Error("a");
      const b = new Error("b", { cause: a });
      (a as { cause?: unknown }).cause = b;
      expect(walk(b)).to.equal(a);
      expect(walk(b, (e) => e === "nothing")).to.equal(undefined);
    });
  });

  describe("ChainError", () => {
    it("is a DetailedError with its details as a list and the message on one line", () => {
      const e = new UnknownTokenError(7n);
      expect(e).to.be.instanceOf(DetailedError);
      expect(e).to.be.instanceOf(ChainError);
      expect(e.message).to.equal("unknown PKP token id 7: not routed by PubkeyRouter on this deployment");
      expect(e.shortMessage).to.equal("unknown PKP token id 7");
      expect(e.details).to.deep.equal(["not routed by PubkeyRouter on this deployment"]);
      expect(e.name).to.equal("UnknownTokenError");
    });

    it("keeps the cause, and walk() finds it", () => {
      const cause = new Error("execution reverted");
      const e = new ContractRevertError("PKPNFT", "mintNext", "PKPNFTWrongFee", [1n], { cause });
      expect(e.message).to.equal("PKPNFT.mintNext reverted with PKPNFTWrongFee(1)");
      expect(e.details).to.deep.equal([]);
      expect(e.walk()).to.equal(cause);
    });

    it("subclasses keep plain instanceof", () => {
      expect(new InvalidCidError("x", "not base58")).to.not.be.instanceOf(UnknownTokenError);
      expect(new InvalidArgumentError("--count", "not a number")).to.not.be.instanceOf(InvalidCidError);
    });
  });

  describe("InvalidArgumentError", () => {
    it("is one class under both import paths", () => {
      expect(ChainInvalidArgumentError).to.equal(InvalidArgumentError);
      expect(SdkInvalidArgumentError).to.equal(InvalidArgumentError);
    });

    it("counts as a ChainError and as an SdkError, as each part's own class did", () => {
      const e = new InvalidArgumentError("toSign", "must be a 32-byte digest");
      expect(e).to.be.instanceOf(ChainError);
      expect(e).to.be.instanceOf(SdkError);
      expect(e).to.be.instanceOf(DetailedError);
      expect(new SessionSigningError("refused")).to.not.be.instanceOf(ChainError);
      expect(new ChainError("x")).to.not.be.instanceOf(SdkError);
    });

    it("names the argument in a one-line message, with details and cause as options", () => {
      const cause = new Error("bad hex");
      const e = new InvalidArgumentError("--address", '"0x12" is not an Ethereum address', {
        cause,
        details: ["give 20 bytes"],
      });
      expect([e.name, e.argument, e.shortMessage]).to.deep.equal([
        "InvalidArgumentError",
        "--address",
        'invalid --address: "0x12" is not an Ethereum address',
      ]);
      expect(e.message).to.equal('invalid --address: "0x12" is not an Ethereum address\n  - give 20 bytes');
      expect(e.cause).to.equal(cause);
    });
  });

  describe("TransportError", () => {
    it("is a DetailedError with its code", () => {
      const e = new TransportError("Timeout", "no answer in 5 ms");
      expect(e).to.be.instanceOf(DetailedError);
      expect([e.name, e.code, e.message, e.shortMessage]).to.deep.equal([
        "TransportError",
        "Timeout",
        "no answer in 5 ms",
        "no answer in 5 ms",
      ]);
    });
  });
});
