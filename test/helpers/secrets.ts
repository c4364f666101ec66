/**
 * Looking for a secret scalar in bytes: the forms a 32-byte secret takes in a node's memory or files
 * (raw big-endian as in our encodings, raw little-endian as V8 keeps a BigInt's digits, hex text in
 * either case, decimal text, base64), and a search over buffers for any of them.
 */

/** The forms of `secret` worth searching for, by name. */
export function secretForms(secret: bigint, length = 32): Record<string, Buffer> {
  const hex = secret.toString(16).padStart(length * 2, "0");
  const be = Buffer.from(hex, "hex");
  if (be.length !== length) throw new RangeError(`secret does not fit in ${length} bytes`);
  return {
    "raw big-endian": be,
    "raw little-endian": Buffer.from(be).reverse(),
    "hex (lower case)": Buffer.from(hex, "latin1"),
    "hex (upper case)": Buffer.from(hex.toUpperCase(), "latin1"),
    decimal: Buffer.from(secret.toString(10), "latin1"),
    base64: Buffer.from(be.toString("base64").replace(/=+$/, ""), "latin1"),
  };
}

/** The names of the forms in `forms` that occur in `haystack`. */
export function formsIn(haystack: Uint8Array, forms: Readonly<Record<string, Uint8Array>>): string[] {
  const buf = Buffer.isBuffer(haystack)
    ? haystack
    : Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength);
  return Object.entries(forms)
    .filter(([, needle]) => buf.indexOf(needle) !== -1)
    .map(([name]) => name);
}

/** The longest needle, for the overlap between chunks of a streamed search. */
export function longestForm(forms: Readonly<Record<string, Uint8Array>>): number {
  return Math.max(...Object.values(forms).map((f) => f.length));
}
