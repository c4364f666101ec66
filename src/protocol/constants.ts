/**
 * The numbers client, node and contracts agree on: key types (PubkeyRouter, PKPNFT), auth method
 * types (PKPPermissions, the `authMethodType` of v7 requests) and scopes. This is the only place they
 * are declared; every other file imports them from here.
 *
 * Contract calls take uint256s, so each value also has a bigint form (`KEY_TYPE_ECDSA`, …); the wire
 * carries numbers (`AUTH_METHOD_TYPE.EthWallet`, …).
 */

/** keyType of a BLS12-381 key (the network's root key) in PubkeyRouter. */
export const KEY_TYPE_BLS = 1n;
/** keyType of a secp256k1 (ECDSA) key: every PKP. */
export const KEY_TYPE_ECDSA = 2n;

/** Auth method types, with the names of Lit's v7 client (`AUTH_METHOD_TYPE` of @lit-protocol/constants). */
export const AUTH_METHOD_TYPE = {
  EthWallet: 1,
  LitAction: 2,
  WebAuthn: 3,
  Discord: 4,
  Google: 5,
  GoogleJwt: 6,
  AppleJwt: 8,
  StytchOtp: 9,
  StytchEmailFactorOtp: 10,
  StytchSmsFactorOtp: 11,
  StytchWhatsAppFactorOtp: 12,
  StytchTotpFactorOtp: 13,
} as const;
export type AuthMethodTypeName = keyof typeof AUTH_METHOD_TYPE;

/** PKPPermissions' auth method type of an Ethereum address (an EthWallet), as a uint256. */
export const AUTH_METHOD_ADDRESS = BigInt(AUTH_METHOD_TYPE.EthWallet);
/** PKPPermissions' auth method type of a Lit Action (id: the CID's multihash), as a uint256. */
export const AUTH_METHOD_ACTION = BigInt(AUTH_METHOD_TYPE.LitAction);
/** PKPPermissions' auth method type of a WebAuthn credential, as a uint256. */
export const AUTH_METHOD_WEBAUTHN = BigInt(AUTH_METHOD_TYPE.WebAuthn);

/** Scope ids (bit indices per auth method), with Lit's names (`AUTH_METHOD_SCOPE`). */
export const AUTH_METHOD_SCOPE = { NoPermissions: 0, SignAnything: 1, PersonalSign: 2 } as const;
/** Scope 1: signs anything. */
export const SCOPE_SIGN_ANYTHING = BigInt(AUTH_METHOD_SCOPE.SignAnything);
/** Scope 2: signs EIP-191 messages only. */
export const SCOPE_PERSONAL_SIGN = BigInt(AUTH_METHOD_SCOPE.PersonalSign);
