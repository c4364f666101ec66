/**
 * An ethers v6 signer backed by a PKP: every signature is made by the network's nodes through
 * `pkpSign` (EIP-191 messages, transactions, EIP-712 typed data) and sent like any other signer's.
 */
import {
  AbstractSigner,
  Signature,
  Transaction,
  TypedDataEncoder,
  computeAddress,
  getAddress,
  hashMessage,
  keccak256,
  resolveAddress,
  resolveProperties,
  type Provider,
  type Signer,
  type TransactionLike,
  type TransactionRequest,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";

import type { NetworkClient } from "./connect";
import { InvalidArgumentError } from "./errors";
import { pkpSign, type PkpSignReturnType } from "./pkpSign";
import { getSessionSigs, pkpResource, requestAbility, type SessionSigs } from "./session";

export interface PkpSignerOptions {
  client: NetworkClient;
  /** The PKP's public key, 0x04… (65 bytes). */
  pubkey: string;
  /** Session signatures (one per node) allowing pkp-signing with this PKP. */
  sessionSigs?: SessionSigs;
  /** Or a wallet allowed to sign with the PKP (its owner or a permitted address): sessions are made from it. */
  authSigner?: Signer;
  /** Length of sessions made from `authSigner` (default 1 hour). */
  sessionTtlMs?: number;
  maxAttempts?: number;
}

export class PkpSigner extends AbstractSigner {
  readonly address: string;
  readonly pubkey: string;
  readonly tokenId: bigint;
  readonly #options: PkpSignerOptions;
  #session: { sigs: SessionSigs; expires: number } | undefined;
  /** The last pkpSign result (request id, signing set, culprits), for callers that want to show it. */
  lastSignature: PkpSignReturnType | undefined;

  constructor(options: PkpSignerOptions, provider?: Provider | null) {
    super(provider ?? null);
    if (options.sessionSigs === undefined && options.authSigner === undefined) {
      throw new InvalidArgumentError("options", "give sessionSigs or authSigner");
    }
    this.#options = options;
    this.pubkey = options.pubkey;
    try {
      this.address = computeAddress(options.pubkey);
    } catch (cause) {
      throw new InvalidArgumentError("pubkey", "not a secp256k1 public key", { cause });
    }
    this.tokenId = BigInt(keccak256(options.pubkey));
    if (options.sessionSigs) this.#session = { sigs: options.sessionSigs, expires: Number.POSITIVE_INFINITY };
  }

  override connect(provider: Provider | null): PkpSigner {
    return new PkpSigner(this.#options, provider);
  }

  override getAddress(): Promise<string> {
    return Promise.resolve(this.address);
  }

  async #sessionSigs(): Promise<SessionSigs> {
    if (this.#session && this.#session.expires > Date.now() + 60_000) return this.#session.sigs;
    const ttl = this.#options.sessionTtlMs ?? 60 * 60 * 1000;
    const expiration = new Date(Date.now() + ttl);
    const { sessionSigs } = await getSessionSigs({
      signer: this.#options.authSigner!,
      nodeUrls: this.#options.client.nodes.map((x) => x.url),
      latestBlockhash: this.#options.client.latestBlockhash,
      resourceAbilityRequests: [requestAbility(pkpResource(this.tokenId), "pkp-signing")],
      expiration,
    });
    this.#session = { sigs: sessionSigs, expires: expiration.getTime() };
    return sessionSigs;
  }

  /** Signs a 32-byte digest with the PKP. */
  async signDigest(digest: string | Uint8Array): Promise<Signature> {
    const result = await pkpSign({
      client: this.#options.client,
      pubkey: this.pubkey,
      toSign: digest,
      sessionSigs: await this.#sessionSigs(),
      maxAttempts: this.#options.maxAttempts,
    });
    this.lastSignature = result;
    return Signature.from(result.signature);
  }

  override async signTransaction(tx: TransactionRequest): Promise<string> {
    // ethers' sendTransaction passes a Transaction (fields behind getters): clone it, never spread it.
    if (tx instanceof Transaction) {
      const btx = tx.clone();
      if (btx.from !== null && getAddress(btx.from) !== this.address) {
        throw new InvalidArgumentError("tx.from", `${btx.from} is not this PKP's address ${this.address}`);
      }
      btx.signature = await this.signDigest(btx.unsignedHash);
      return btx.serialized;
    }
    const { to, from } = await resolveProperties({
      to: tx.to ? resolveAddress(tx.to, this.provider) : undefined,
      from: tx.from ? resolveAddress(tx.from, this.provider) : undefined,
    });
    if (from !== undefined && getAddress(from) !== this.address) {
      throw new InvalidArgumentError("tx.from", `${from} is not this PKP's address ${this.address}`);
    }
    const like: TransactionLike<string> = { ...(tx as TransactionLike<string>), to: to ?? null };
    delete like.from;
    const btx = Transaction.from(like);
    btx.signature = await this.signDigest(btx.unsignedHash);
    return btx.serialized;
  }

  override async signMessage(message: string | Uint8Array): Promise<string> {
    return (await this.signDigest(hashMessage(message))).serialized;
  }

  override async signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    const populated = await TypedDataEncoder.resolveNames(domain, types, value, async (name: string) => {
      if (this.provider === null) throw new InvalidArgumentError("provider", "needed to resolve ENS names");
      const address = await this.provider.resolveName(name);
      if (address === null) throw new InvalidArgumentError("typed data", `unresolved name ${name}`);
      return address;
    });
    return (await this.signDigest(TypedDataEncoder.hash(populated.domain, types, populated.value)))
      .serialized;
  }
}
