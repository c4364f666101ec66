/**
 * Size limits of the v7 node API. A request over any of them is refused with a 4xx that names the
 * limit; nothing is parsed beyond what is needed to see that it is too large.
 */
export interface WireLimits {
  /** Largest JSON body for every route except execute. */
  maxBodyBytes: number;
  /** Largest JSON body for `/web/execute/v1` (code travels inline, base64). */
  maxExecuteBodyBytes: number;
  /** Largest Lit Action code after base64 decoding (spec: 16 MB). */
  maxCodeBytes: number;
  /** Largest `signedMessage` of an AuthSig or session signature. */
  maxSignedMessageChars: number;
  /** Most capabilities (AuthSigs) in one session signature. */
  maxCapabilities: number;
  /** Most resource/ability requests in one session signature. */
  maxResourceAbilityRequests: number;
  /** Most auth methods in one request. */
  maxAuthMethods: number;
  /** Largest auth method access token. */
  maxAccessTokenChars: number;
  /** Most access control conditions (including operators) in one request. */
  maxConditions: number;
  /** Largest serialised `jsParams`. */
  maxJsParamsBytes: number;
}

export const DEFAULT_WIRE_LIMITS: Readonly<WireLimits> = Object.freeze({
  maxBodyBytes: 1024 * 1024,
  maxExecuteBodyBytes: 24 * 1024 * 1024,
  maxCodeBytes: 16 * 1024 * 1024,
  maxSignedMessageChars: 64 * 1024,
  maxCapabilities: 8,
  maxResourceAbilityRequests: 32,
  maxAuthMethods: 16,
  maxAccessTokenChars: 16 * 1024,
  maxConditions: 64,
  maxJsParamsBytes: 1024 * 1024,
});
