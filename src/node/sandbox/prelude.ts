/**
 * The in-isolate runtime: JavaScript evaluated in every fresh context before the action. It defines the
 * globals Lit Actions use (`Lit.Actions`, `LitActions`, `Lit.Auth`, `LitAuth`, `jsParams`, `fetch`,
 * `console`, `setResponse`, `uint8arrayToString`, `uint8arrayFromString`, `TextEncoder`, `TextDecoder`,
 * `atob`, `btoa`, `setTimeout`) on top of two bridges the worker installs and this prelude hides again:
 * `__lit_host` (async: a capability call by name, structured-clone arguments) and `__lit_sync` (sync:
 * logs, the response and the start of a run, each counted by the worker against its limit).
 * Nothing here can reach the worker's objects: the bridges copy plain data both ways.
 */
import { FORWARDED_ACTIONS } from "./types";

export const PRELUDE_FILENAME = "lit-runtime.js";
export const BASE_PRELUDE_FILENAME = "lit-runtime-base.js";

/** Pure runtime (no bridges): encodings, TextEncoder/Decoder, atob/btoa, console and crypto shells. Snapshot-safe. */

export const BASE_PRELUDE = `"use strict";
(function (global) {
  const ObjectFreeze = Object.freeze;
  const JSONStringify = JSON.stringify;
  // The worker's sync bridge, installed later by PRELUDE (absent while this runs for a V8 snapshot).
  const hooks = { sync: null };
  function sync(kind, payload) {
    if (hooks.sync !== null) return hooks.sync(kind, payload);
    if (kind === "log") return true;
    throw new Error("no host bridge yet: " + kind);
  }

  function format(value) {
    if (typeof value === "string") return value;
    if (value instanceof Error) return value.stack || String(value);
    if (typeof value === "bigint") return value.toString() + "n";
    if (typeof value === "function" || typeof value === "symbol" || value === undefined) return String(value);
    try {
      const text = JSONStringify(value, (k, v) => (typeof v === "bigint" ? v.toString() : v));
      return text === undefined ? String(value) : text;
    } catch (e) {
      return String(value);
    }
  }

  function log(...args) {
    if (!sync("log", args.map(format).join(" "))) throw new Error("logs too large");
  }
  global.console = ObjectFreeze({ log, info: log, warn: log, error: log, debug: log, trace: log });

  // UTF-8 and the encodings Lit's uint8arrayToString / uint8arrayFromString accept.
  function utf8Encode(text) {
    text = String(text);
    const out = [];
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        } else c = 0xfffd;
      } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
  }
  function utf8Decode(bytes) {
    bytes = toBytes(bytes);
    let out = "";
    for (let i = 0; i < bytes.length; ) {
      const b = bytes[i];
      let c = 0xfffd;
      let n = 1;
      if (b < 0x80) c = b;
      else if (b >= 0xc2 && b < 0xe0 && i + 1 < bytes.length) {
        c = ((b & 31) << 6) | (bytes[i + 1] & 63);
        n = 2;
      } else if (b >= 0xe0 && b < 0xf0 && i + 2 < bytes.length) {
        c = ((b & 15) << 12) | ((bytes[i + 1] & 63) << 6) | (bytes[i + 2] & 63);
        n = 3;
      } else if (b >= 0xf0 && b < 0xf5 && i + 3 < bytes.length) {
        c = ((b & 7) << 18) | ((bytes[i + 1] & 63) << 12) | ((bytes[i + 2] & 63) << 6) | (bytes[i + 3] & 63);
        n = 4;
      }
      out += String.fromCodePoint(c);
      i += n;
    }
    return out;
  }
  function toBytes(value) {
    if (value instanceof Uint8Array) return value;
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (Array.isArray(value)) return Uint8Array.from(value);
    throw new TypeError("expected a Uint8Array");
  }
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  function base64Encode(bytes, url) {
    let out = "";
    for (let i = 0; i < bytes.length; i += 3) {
      const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
      out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
      out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : url ? "" : "=";
      out += i + 2 < bytes.length ? B64[n & 63] : url ? "" : "=";
    }
    return url ? out.replace(/\\+/g, "-").replace(/\\//g, "_") : out;
  }
  function base64Decode(text) {
    const clean = String(text).replace(/-/g, "+").replace(/_/g, "/").replace(/[=\\s]/g, "");
    const out = [];
    let acc = 0;
    let bits = 0;
    for (const ch of clean) {
      const v = B64.indexOf(ch);
      if (v < 0) throw new TypeError("invalid base64");
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out.push((acc >> bits) & 255);
      }
    }
    return new Uint8Array(out);
  }
  function hexEncode(bytes) {
    let out = "";
    for (const b of bytes) out += (b < 16 ? "0" : "") + b.toString(16);
    return out;
  }
  function hexDecode(text) {
    text = String(text);
    if (text.startsWith("0x")) text = text.slice(2);
    if (text.length % 2 !== 0 || /[^0-9a-fA-F]/.test(text)) throw new TypeError("invalid base16");
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
    return out;
  }
  function uint8arrayToString(array, encoding = "utf8") {
    const bytes = toBytes(array);
    switch (encoding) {
      case "utf8": case "utf-8": return utf8Decode(bytes);
      case "base16": case "hex": return hexEncode(bytes);
      case "base64": return base64Encode(bytes, false);
      case "base64url": return base64Encode(bytes, true);
      case "ascii": case "latin1": return String.fromCharCode(...bytes);
      default: throw new TypeError("unsupported encoding: " + encoding);
    }
  }
  function uint8arrayFromString(string, encoding = "utf8") {
    switch (encoding) {
      case "utf8": case "utf-8": return utf8Encode(string);
      case "base16": case "hex": return hexDecode(string);
      case "base64": case "base64url": return base64Decode(string);
      case "ascii": case "latin1": return Uint8Array.from(String(string), (c) => c.charCodeAt(0) & 255);
      default: throw new TypeError("unsupported encoding: " + encoding);
    }
  }
  global.uint8arrayToString = uint8arrayToString;
  global.uint8arrayFromString = uint8arrayFromString;
  global.TextEncoder = class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(text = "") { return utf8Encode(text); }
  };
  global.TextDecoder = class TextDecoder {
    get encoding() { return "utf-8"; }
    decode(bytes) { return bytes === undefined ? "" : utf8Decode(bytes); }
  };
  global.btoa = (text) => base64Encode(Uint8Array.from(String(text), (c) => c.charCodeAt(0) & 255), false);
  global.atob = (text) => String.fromCharCode(...base64Decode(text));

  // crypto.getRandomValues from the worker's CSPRNG (ethers uses it for random wallets and nonces).
  global.crypto = ObjectFreeze({
    getRandomValues(array) {
      if (!ArrayBuffer.isView(array) || array instanceof DataView) throw new TypeError("expected an integer typed array");
      if (array.byteLength > 65536) throw new RangeError("getRandomValues: at most 65536 bytes");
      const bytes = sync("random", String(array.byteLength));
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes);
      return array;
    },
  });

  global.__lit_base = { hooks, utf8Encode, utf8Decode, toBytes, uint8arrayToString, uint8arrayFromString };
})(globalThis);
`;

/** Per isolate, after BASE_PRELUDE and ethers: the bridges, fetch, timers, `Lit` and the lockdown. */
export const PRELUDE = `"use strict";
(function (global) {
  const hostRef = global.__lit_host;
  const syncRef = global.__lit_sync;
  const base = global.__lit_base;
  delete global.__lit_host;
  delete global.__lit_sync;
  delete global.__lit_base;
  const FORWARDED = ${JSON.stringify(FORWARDED_ACTIONS)};
  const ObjectFreeze = Object.freeze;
  const JSONStringify = JSON.stringify;
  const { utf8Encode, utf8Decode, toBytes, uint8arrayToString, uint8arrayFromString } = base;
  let available = [];

  const sync = (kind, payload) =>
    syncRef.applySync(undefined, [kind, payload], { arguments: { copy: true }, result: { copy: true } });
  base.hooks.sync = sync;

  // Host calls started and not yet settled inside the isolate; the worker reads it (through
  // __lit_pending, taken away before any action runs) to know when a run has nothing left to do.
  let pending = 0;
  global.__lit_pending = () => pending;
  async function host(name, args) {
    if (name !== "__sleep" && !available.includes(name)) {
      throw new Error("not available on this node yet: " + name);
    }
    pending++;
    try {
      const reply = await hostRef.apply(undefined, [name, args], {
        arguments: { copy: true },
        result: { promise: true, copy: true },
      });
      if (!reply.ok) throw new Error(reply.error);
      return reply.value;
    } finally {
      pending--;
    }
  }

  // Timers: only a one-shot setTimeout (a host sleep), so that "await new Promise(r => setTimeout(r, ms))" works.
  let nextTimer = 1;
  const cancelled = new Set();
  global.setTimeout = (fn, ms = 0, ...args) => {
    const id = nextTimer++;
    host("__sleep", { ms: Number(ms) || 0 }).then(() => {
      if (!cancelled.delete(id) && typeof fn === "function") fn(...args);
    });
    return id;
  };
  global.clearTimeout = (id) => { cancelled.add(id); };

  // fetch through the node's capability; the worker counts it against maxFetches.
  class Headers {
    constructor(init) {
      this._map = new Map();
      if (init instanceof Headers) init.forEach((v, k) => this.set(k, v));
      else if (Array.isArray(init)) for (const [k, v] of init) this.set(k, v);
      else if (init && typeof init === "object") for (const k of Object.keys(init)) this.set(k, init[k]);
    }
    get(name) { const v = this._map.get(String(name).toLowerCase()); return v === undefined ? null : v; }
    set(name, value) { this._map.set(String(name).toLowerCase(), String(value)); }
    has(name) { return this._map.has(String(name).toLowerCase()); }
    forEach(fn) { for (const [k, v] of this._map) fn(v, k, this); }
    entries() { return this._map.entries(); }
    [Symbol.iterator]() { return this._map.entries(); }
    toObject() { return Object.fromEntries(this._map); }
  }
  class Response {
    constructor(reply, url) {
      this.status = reply.status;
      this.statusText = reply.statusText || "";
      this.ok = reply.status >= 200 && reply.status < 300;
      this.url = url;
      this.headers = new Headers(reply.headers || {});
      this._body = typeof reply.body === "string" ? utf8Encode(reply.body) : toBytes(reply.body || new Uint8Array(0));
      this.bodyUsed = false;
    }
    _take() {
      if (this.bodyUsed) return Promise.reject(new TypeError("body already used"));
      this.bodyUsed = true;
      return Promise.resolve(this._body);
    }
    text() { return this._take().then(utf8Decode); }
    json() { return this.text().then((t) => JSON.parse(t)); }
    arrayBuffer() { return this._take().then((b) => b.slice().buffer); }
  }
  global.Headers = Headers;
  global.fetch = async function fetch(input, init = {}) {
    const url = typeof input === "string" ? input : input && input.url ? String(input.url) : String(input);
    const headers = new Headers(init.headers).toObject();
    let body = init.body;
    if (body !== undefined && body !== null && typeof body !== "string") body = toBytes(body);
    const reply = await host("fetch", { url, method: String(init.method || "GET").toUpperCase(), headers, body });
    return new Response(reply, url);
  };

  function deepFreeze(value) {
    if (value && typeof value === "object" && !Object.isFrozen(value)) {
      Object.freeze(value);
      for (const key of Object.keys(value)) deepFreeze(value[key]);
    }
    return value;
  }

  const RESERVED = ["Lit", "LitActions", "LitAuth", "jsParams", "ethers", "fetch", "console", "Headers", "crypto"];

  // Called once by the worker after ethers has loaded, then removed: no code generation from strings.
  // (isolated-vm allows it in every context, so eval and every Function constructor are replaced by
  // throwing stand-ins that no action can undo: the originals are unreachable afterwards.)
  global.__lit_lockdown = function () {
    delete global.__lit_lockdown;
    const refuse = function () {
      throw new EvalError("Code generation from strings disallowed for this context");
    };
    const lock = (object, key, value) =>
      Object.defineProperty(object, key, { value, writable: false, configurable: false, enumerable: false });
    const prototypes = [
      Function.prototype,
      Object.getPrototypeOf(async function () {}),
      Object.getPrototypeOf(function* () {}),
      Object.getPrototypeOf(async function* () {}),
    ];
    for (const prototype of prototypes) {
      const stand = function () { return refuse(); };
      lock(stand, "prototype", prototype);
      lock(prototype, "constructor", stand);
    }
    lock(global, "Function", Function.prototype.constructor);
    lock(global, "eval", function () { return refuse(); });
  };

  // Called once by the worker with the run's data, then removed.
  global.__lit_begin = function (jsParams, auth, capabilityNames) {
    delete global.__lit_begin;
    available = capabilityNames;
    const actions = {};
    for (const name of FORWARDED) actions[name] = (params) => host(name, params);
    actions.setResponse = ({ response } = {}) => {
      const text = typeof response === "string" ? response : JSONStringify(response);
      if (!sync("response", text === undefined ? "" : text)) throw new Error("response too large");
    };
    actions.uint8arrayToString = uint8arrayToString;
    actions.uint8arrayFromString = uint8arrayFromString;
    actions.runOnce = async ({ waitForResponse = true, name = "default" } = {}, fn) => {
      const elected = await host("runOnce", { stage: "elect", name, waitForResponse });
      if (!elected.leader) return elected.response;
      let response;
      try {
        response = await fn();
      } catch (e) {
        response = "[ERROR] " + (e && e.message ? e.message : String(e));
      }
      await host("runOnce", { stage: "result", name, waitForResponse, response });
      return response;
    };
    const litAuth = deepFreeze(auth);
    const litActions = ObjectFreeze(actions);
    global.Lit = ObjectFreeze({ Actions: litActions, Auth: litAuth });
    global.LitActions = litActions;
    global.LitAuth = litAuth;
    global.jsParams = jsParams;
    for (const key of Object.keys(jsParams)) {
      if (!RESERVED.includes(key)) global[key] = jsParams[key];
    }
  };
})(globalThis);
`;
