import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Wallet, verifyMessage } from "ethers";

import { SandboxPool, type Capabilities, type RunActionResult } from "../../src/node/sandbox";

/** The action exactly as it is published (its bytes are its CID). */
const ACTION = readFileSync(path.join(__dirname, "..", "..", "examples", "prime", "action.js"), "utf8");

/** The key the test's signing capability signs with, standing in for the PKP. */
const PKP = new Wallet("0x" + "5a".repeat(32));
const PUBLIC_KEY = PKP.signingKey.publicKey;

interface SignCall {
  message: string;
  publicKey: string;
  sigName: string;
  signature: string;
}

/** Trial division with doubles (exact below 2^53): the reference the action is checked against. */
function referenceIsPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

describe("examples/prime/action.js", function () {
  this.timeout(120_000);
  let pool: SandboxPool;

  before(async () => {
    pool = new SandboxPool({ size: 2, limits: { timeoutMs: 10_000, memoryMb: 64 } });
    await pool.start();
  });

  after(async () => {
    await pool.close();
  });

  /** Runs the action with these jsParams; signing goes through a capability that signs with PKP. */
  async function run(jsParams: Record<string, unknown>): Promise<{
    result: RunActionResult;
    response: Record<string, unknown>;
    signs: SignCall[];
  }> {
    const signs: SignCall[] = [];
    const capabilities: Capabilities = {
      ethPersonalSignMessageEcdsa: async (args) => {
        const { message, publicKey, sigName } = args as {
          message: string;
          publicKey: string;
          sigName: string;
        };
        if (publicKey !== PUBLIC_KEY) throw new Error(`no share for ${publicKey}`);
        signs.push({ message, publicKey, sigName, signature: await PKP.signMessage(message) });
        return "success";
      },
    };
    const result = await pool.runAction({ code: ACTION, globals: { jsParams }, capabilities });
    expect(result.error, JSON.stringify(result.error)).to.equal(undefined);
    expect(result.success).to.equal(true);
    return { result, response: JSON.parse(result.response) as Record<string, unknown>, signs };
  }

  async function expectPrime(number: string | number, text = String(number)): Promise<void> {
    const { response, signs, result } = await run({ number, publicKey: PUBLIC_KEY });
    expect(response, text).to.deep.equal({ number: text, prime: true });
    expect(signs, text).to.have.length(1);
    expect(signs[0]).to.include({ message: text, publicKey: PUBLIC_KEY, sigName: "prime" });
    expect(verifyMessage(text, signs[0]!.signature)).to.equal(PKP.address);
    expect(result.usage.signatures).to.equal(1);
  }

  async function expectComposite(number: string | number, text = String(number)): Promise<void> {
    const { response, signs, result } = await run({ number, publicKey: PUBLIC_KEY });
    expect(response, text).to.deep.equal({ number: text, prime: false });
    expect(signs, text).to.deep.equal([]);
    expect(result.usage.signatures).to.equal(0);
  }

  async function expectRefused(number: unknown, reason: RegExp, shown: unknown = number): Promise<void> {
    const { response, signs, result } = await run({ number, publicKey: PUBLIC_KEY });
    expect(Object.keys(response)).to.deep.equal(["number", "error"]);
    expect(response.number).to.deep.equal(shown);
    expect(response.error).to.match(reason);
    expect(signs).to.deep.equal([]);
    expect(result.usage.signatures).to.equal(0);
  }

  describe("when the number is prime", () => {
    it("signs 7919 as an EIP-191 personal message named 'prime' and says so", async () => {
      await expectPrime("7919");
    });

    it("signs 2, the only even prime, and 3", async () => {
      await expectPrime("2");
      await expectPrime("3");
    });

    it("signs the largest prime below 2^53 (9007199254740881)", async () => {
      expect(referenceIsPrime(9007199254740881)).to.equal(true);
      await expectPrime("9007199254740881");
    });

    it("takes an integer given as a JS number, and signs its decimal string", async () => {
      await expectPrime(104729);
    });

    it("reads the global `number` when jsParams has it (Lit sets every jsParam as a global)", async () => {
      // jsParams.number and the global are the same value in every Lit runtime: one path checks both.
      await expectPrime("65537");
    });
  });

  describe("when the number is not prime", () => {
    it("does not sign 7917 (3 · 7 · 13 · 29) and answers prime: false", async () => {
      await expectComposite("7917");
    });

    it("does not sign 0 or 1", async () => {
      await expectComposite("0");
      await expectComposite("1");
    });

    it("does not sign 2^53 - 1 or 2^53", async () => {
      await expectComposite("9007199254740991");
      await expectComposite("9007199254740992");
      await expectComposite(2 ** 53, "9007199254740992");
    });

    it("does not sign the square of the largest prime below sqrt(2^53) (no small factor)", async () => {
      expect(referenceIsPrime(94906249)).to.equal(true);
      await expectComposite(String(94906249n * 94906249n));
    });

    it("does not sign Carmichael numbers and strong pseudoprimes to small bases", async () => {
      // 561 and 41041 fool Fermat's test; 2047 fools Miller–Rabin base 2; 3215031751 bases 2, 3, 5, 7.
      for (const n of ["561", "41041", "2047", "3215031751"]) await expectComposite(n);
    });

    it("does not sign 1 000 003 · 1 000 033, a product of two primes above 10^6", async () => {
      expect(referenceIsPrime(1_000_003) && referenceIsPrime(1_000_033)).to.equal(true);
      await expectComposite(String(1_000_003 * 1_000_033));
    });
  });

  it("agrees with trial division on small squares, odd composites and primes", async () => {
    for (const n of [4, 9, 25, 49, 91, 97, 121, 127, 221, 223]) {
      if (referenceIsPrime(n)) await expectPrime(String(n));
      else await expectComposite(String(n));
    }
  });

  describe("when the input is not a number 0 … 2^53", () => {
    it("refuses a missing number", async () => {
      await expectRefused(undefined, /^no number given/, null);
    });

    it("refuses negative numbers, as strings and as numbers", async () => {
      await expectRefused("-7", /must not be negative/);
      await expectRefused(-7, /must not be negative/);
    });

    it("refuses numbers above 2^53, however long", async () => {
      await expectRefused("9007199254740993", /at most 2\^53/);
      await expectRefused("1" + "0".repeat(400), /at most 2\^53/);
      await expectRefused(2 ** 60, /at most 2\^53/);
    });

    it("refuses a decimal point, an exponent, a sign, spaces, leading zeros, hex and words", async () => {
      for (const input of ["7.0", "7919.5", "1e3", "+7", " 7", "7 ", "007", "0x1f", "seven", "", "７"]) {
        await expectRefused(input, /decimal digits only/);
      }
    });

    it("refuses fractions, NaN and Infinity given as numbers", async () => {
      await expectRefused(7.5, /must be an integer/);
      // NaN and Infinity cross the isolate boundary as numbers but not as JSON.
      const nan = await run({ number: Number.NaN, publicKey: PUBLIC_KEY });
      expect(nan.response.error).to.equal("number must be finite");
      expect(nan.signs).to.deep.equal([]);
      const infinite = await run({ number: Number.POSITIVE_INFINITY, publicKey: PUBLIC_KEY });
      expect(infinite.response.error).to.equal("number must be finite");
    });

    it("refuses other types (boolean, object, array)", async () => {
      await expectRefused(true, /not boolean/, null);
      await expectRefused({ value: 7 }, /not object/, null);
      await expectRefused([7], /not object/, null);
    });

    it("refuses to sign a prime when no publicKey is given", async () => {
      const { response, signs } = await run({ number: "7919" });
      expect(response).to.deep.equal({
        number: "7919",
        error: "no publicKey given: pass the PKP's public key as jsParams.publicKey",
      });
      expect(signs).to.deep.equal([]);
    });
  });

  it("fails the run when the node refuses the signature share (the key is not this action's)", async () => {
    const other = Wallet.createRandom().signingKey.publicKey;
    const result = await pool.runAction({
      code: ACTION,
      globals: { jsParams: { number: "7919", publicKey: other } },
      capabilities: {
        ethPersonalSignMessageEcdsa: async () => {
          throw new Error("the action is not permitted to sign with this PKP");
        },
      },
    });
    expect(result.success).to.equal(false);
    expect(result.error?.kind).to.equal("ActionError");
    expect(result.error?.message).to.match(/not permitted to sign with this PKP/);
    expect(result.response).to.equal("");
  });
});
