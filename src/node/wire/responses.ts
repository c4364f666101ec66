/**
 * Response bodies of the v7 node API, as `@lit-protocol/lit-node-client-nodejs@7.4.0` reads them
 * (`spec/lit-v7-wire.md`). Hex is without `0x` in every share field (a prefix breaks the client).
 */
export type { NodeErrorBody } from "../errors";

/** `/web/handshake/`. BLS keys are compressed G1 points, 96 hex, no `0x`. */
export interface HandshakeResponse {
  serverPublicKey: string;
  subnetPublicKey: string;
  networkPublicKey: string;
  networkPublicKeySet: string;
  hdRootPubkeys: string[];
  /** `0x`-prefixed hash of a recent block of this chain; becomes the client's SIWE nonce. */
  latestBlockhash: string;
  attestation: null;
  nodeVersion: string;
  clientSdkVersion: string;
}

/** One ECDSA share inside an execute response's `signedData`. */
export interface EcdsaSignedData {
  sigType: "K256";
  /** The 32-byte digest signed, hex. */
  dataSigned: string;
  /** This node's Lagrange-weighted share of s, 32 bytes hex; empty for a node outside the signing set. */
  signatureShare: string;
  shareIndex: number;
  /** The presignature's R, SEC1 hex. */
  bigR: string;
  /** The PKP's public key, SEC1 hex. */
  publicKey: string;
  sigName: string;
}

/** `/web/execute/v1`. Objects are always objects, never null. */
export interface ExecuteResponse {
  success: boolean;
  signedData: Record<string, EcdsaSignedData>;
  decryptedData: Record<string, unknown>;
  claimData: Record<string, unknown>;
  response: string;
  logs: string;
  error?: string;
}

/** The share part of a pkp/sign response (values may be JSON-quoted strings; the client strips quotes). */
export interface PkpSignatureShare {
  digest: string;
  result: "success" | "fail";
  share_index: number;
  signature_share: string;
  big_r: string;
  public_key: string;
  sig_type: "K256";
}

/** `/web/pkp/sign/v1`. */
export interface PkpSignResponse {
  success: boolean;
  /** The digest signed, as 32 numbers. */
  signedData: number[];
  signatureShare: PkpSignatureShare;
}

/** A BLS signature share: 1 byte Shamir identifier + 96-byte compressed G2 point, hex. */
export interface BlsSignatureShare {
  ProofOfPossession: string;
}

/** `/web/encryption/sign/`. */
export interface EncryptionSignResponse {
  result: "success";
  signatureShare: BlsSignatureShare;
  shareIndex: number;
  curveType: "BLS";
  siweMessage: string;
  dataSigned: string;
  blsRootPubkey: string;
}

/** `/web/sign_session_key/v1`. */
export interface SignSessionKeyResponse {
  result: "success";
  signatureShare: BlsSignatureShare;
  shareIndex: number;
  curveType: "BLS";
  siweMessage: string;
  dataSigned: string;
  blsRootPubkey: string;
}
