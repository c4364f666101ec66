import { expect } from "chai";

import { InvalidArgumentError } from "../../src/chain/errors";
import {
  authMethodTypeName,
  parseAddress,
  parseAuthMethodType,
  parseCount,
  parseHexBytes,
  parseScopes,
  parseTokenId,
  scopeName,
} from "../../src/chain/parse";

describe("parseTokenId", function () {
  describe("with a decimal or 0x-hex uint256", function () {
    it("returns the bigint", function () {
      expect(parseTokenId("42")).to.equal(42n);
      expect(parseTokenId("0x2a")).to.equal(42n);
      expect(parseTokenId(" 7 ")).to.equal(7n);
      expect(parseTokenId(`0x${"f".repeat(64)}`)).to.equal((1n << 256n) - 1n);
    });
  });
  describe("when the value is not a uint256", function () {
    for (const [value, message] of [
      ["abc", /not a decimal or 0x-hex integer/],
      ["-1", /not a decimal or 0x-hex integer/],
      ["1.5", /not a decimal or 0x-hex integer/],
      ["", /not a decimal or 0x-hex integer/],
      [`0x1${"0".repeat(64)}`, /outside uint256/],
    ] as const) {
      it(`throws InvalidArgumentError for ${JSON.stringify(value).slice(0, 20)}`, function () {
        expect(() => parseTokenId(value))
          .to.throw(InvalidArgumentError, message)
          .with.property("argument", "token id");
      });
    }
  });
});

describe("parseAddress", function () {
  it("returns the checksummed address", function () {
    expect(parseAddress("--address", "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")).to.equal(
      "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    );
  });
  describe("when the value is not an address", function () {
    it("throws InvalidArgumentError naming the argument", function () {
      expect(() => parseAddress("--address", "0x1234"))
        .to.throw(InvalidArgumentError, /invalid --address: "0x1234" is not an Ethereum address/)
        .with.property("argument", "--address");
    });
    it("throws InvalidArgumentError for a wrong checksum", function () {
      expect(() => parseAddress("--owner", "0xF39fd6e51aad88f6f4ce6ab8827279cfffb92266")).to.throw(
        InvalidArgumentError,
        /invalid --owner/,
      );
    });
  });
});

describe("parseHexBytes", function () {
  it("accepts 0x and lower-cases", function () {
    expect(parseHexBytes("--id", "0x")).to.equal("0x");
    expect(parseHexBytes("--id", "0xABcd")).to.equal("0xabcd");
  });
  describe("when the value is not hex bytes", function () {
    for (const value of ["abcd", "0xabc", "0xzz"]) {
      it(`throws InvalidArgumentError for ${value}`, function () {
        expect(() => parseHexBytes("--id", value)).to.throw(
          InvalidArgumentError,
          /not 0x-prefixed hex bytes/,
        );
      });
    }
  });
});

describe("parseScopes", function () {
  it("accepts ids and names", function () {
    expect(parseScopes("1,2")).to.deep.equal([1n, 2n]);
    expect(parseScopes("sign-anything, personal-sign")).to.deep.equal([1n, 2n]);
    expect(parseScopes("")).to.deep.equal([]);
  });
  describe("when a scope is malformed or repeated", function () {
    it("throws InvalidArgumentError for an unknown name", function () {
      expect(() => parseScopes("sign-everything")).to.throw(InvalidArgumentError, /invalid scope/);
    });
    it("throws InvalidArgumentError for a repeated scope", function () {
      expect(() => parseScopes("1,sign-anything")).to.throw(InvalidArgumentError, /repeats a scope/);
    });
  });
  it("names scopes", function () {
    expect(scopeName(1n)).to.equal("sign-anything");
    expect(scopeName(2n)).to.equal("personal-sign");
    expect(scopeName(9n)).to.equal("scope-9");
  });
});

describe("parseAuthMethodType", function () {
  it("accepts numbers and names", function () {
    expect(parseAuthMethodType("3")).to.equal(3n);
    expect(parseAuthMethodType("webauthn")).to.equal(3n);
    expect(parseAuthMethodType("GOOGLE_JWT")).to.equal(6n);
    expect(authMethodTypeName(2n)).to.equal("ACTION");
    expect(authMethodTypeName(99n)).to.equal("TYPE_99");
  });
  it("throws InvalidArgumentError for an unknown name", function () {
    expect(() => parseAuthMethodType("FACEBOOK")).to.throw(InvalidArgumentError, /invalid auth method type/);
  });
});

describe("parseCount", function () {
  it("accepts an integer in range", function () {
    expect(parseCount("--count", "3", 10)).to.equal(3);
  });
  describe("when the count is out of range or not an integer", function () {
    for (const [value, message] of [
      ["0", /at least 1/],
      ["11", /at most 10/],
      ["2.5", /not an integer/],
      ["many", /not a number|Expected number/],
    ] as const) {
      it(`throws InvalidArgumentError for ${value}`, function () {
        expect(() => parseCount("--count", value, 10)).to.throw(InvalidArgumentError, message);
      });
    }
  });
});
