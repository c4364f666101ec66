/* global Lit, jsParams, number, publicKey */
// The prime-number certificate (pkp-network, examples/prime/action.js).
//
// Signs the decimal string of jsParams.number as an Ethereum personal message (EIP-191) with the
// PKP whose public key is jsParams.publicKey, but only if the number is prime. A PKP minted, granted
// this action alone and burned in one mintGrantAndBurnNext transaction can sign with no other code,
// so its signature over "7919" proves that 7919 is prime.
//
// jsParams: number (a decimal string, or an integer) in 0 … 2^53; publicKey (0x04…, the PKP's key).
// Response: {"number":"7919","prime":true} (and a signature named "prime"), {"number":"7917","prime":false},
// or {"number":…,"error":"…"} for input that is not such a number.

const MAX = 2n ** 53n;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
// Miller–Rabin with these bases is deterministic for every n < 3.3 · 10^24 (so for every n ≤ 2^53).
const BASES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n];

const given = (name, fallback) =>
  typeof jsParams === "object" && jsParams !== null && jsParams[name] !== undefined
    ? jsParams[name]
    : fallback;

// The input as a canonical decimal string and a BigInt, or the reason it is refused.
const parse = (input) => {
  if (input === undefined || input === null) return { error: "no number given: pass jsParams.number" };
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return { error: "number must be finite" };
    if (!Number.isInteger(input)) return { error: "number must be an integer" };
    if (input < 0) return { error: "number must not be negative" };
    if (input > Number(MAX)) return { error: "number must be at most 2^53 (9007199254740992)" };
    return { text: String(input), value: BigInt(input) };
  }
  if (typeof input !== "string") return { error: `number must be a decimal string, not ${typeof input}` };
  if (/^-[0-9]+$/.test(input)) return { error: "number must not be negative" };
  if (!DECIMAL.test(input)) {
    return {
      error: "number must be decimal digits only (no sign, spaces, leading zeros, point or exponent)",
    };
  }
  if (input.length > 16 || BigInt(input) > MAX) {
    return { error: "number must be at most 2^53 (9007199254740992)" };
  }
  return { text: input, value: BigInt(input) };
};

const powMod = (base, exponent, modulus) => {
  let result = 1n;
  base %= modulus;
  while (exponent > 0n) {
    if (exponent & 1n) result = (result * base) % modulus;
    base = (base * base) % modulus;
    exponent >>= 1n;
  }
  return result;
};

const isPrime = (n) => {
  if (n < 2n) return false;
  for (const p of BASES) {
    if (n === p) return true;
    if (n % p === 0n) return false;
  }
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s += 1;
  }
  for (const a of BASES) {
    let x = powMod(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    let witness = true;
    for (let r = 1; r < s && witness; r++) {
      x = (x * x) % n;
      if (x === n - 1n) witness = false;
    }
    if (witness) return false;
  }
  return true;
};

const go = async () => {
  const input = given("number", typeof number === "undefined" ? undefined : number);
  const parsed = parse(input);
  if (parsed.error !== undefined) {
    const shown = typeof input === "string" || typeof input === "number" ? input : null;
    Lit.Actions.setResponse({ response: JSON.stringify({ number: shown, error: parsed.error }) });
    return;
  }
  const prime = isPrime(parsed.value);
  if (prime) {
    const key = given("publicKey", typeof publicKey === "undefined" ? undefined : publicKey);
    if (typeof key !== "string" || key === "") {
      const error = "no publicKey given: pass the PKP's public key as jsParams.publicKey";
      Lit.Actions.setResponse({ response: JSON.stringify({ number: parsed.text, error }) });
      return;
    }
    await Lit.Actions.ethPersonalSignMessageEcdsa({ message: parsed.text, publicKey: key, sigName: "prime" });
  }
  Lit.Actions.setResponse({ response: JSON.stringify({ number: parsed.text, prime }) });
};

go();
