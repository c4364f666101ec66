/**
 * One account's transactions, sent one after another with nonces the chain agrees with.
 *
 * A wallet that signs locally (ethers' `Wallet`) asks the chain for its next nonce before every
 * transaction. Two things put that answer out of step: a provider that caches identical requests
 * (ethers' default `cacheTimeout` of 250 ms hands the previous transaction's count to the next one:
 * "Nonce too low"), and two transactions prepared at once from the same account (both read the same
 * count). `SequencedSigner` sends one transaction at a time per account and takes the larger of the
 * chain's pending count (asked with `send`, past the provider's cache) and its own count of what it
 * has sent; after any failed send (a revert in
 * gas estimation, a dropped connection) it forgets its own count and believes the chain again, so a
 * retried attempt never reuses or skips a nonce.
 *
 * An account the RPC holds (`JsonRpcSigner`, `eth_sendTransaction`) gets its nonce from the node
 * itself; its transactions are only serialised.
 */
import {
  AbstractSigner,
  JsonRpcApiProvider,
  JsonRpcSigner,
  getNumber,
  type Provider,
  type Signer,
  type TransactionRequest,
  type TransactionResponse,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";

export class SequencedSigner extends AbstractSigner {
  /** The signer that signs and sends. */
  readonly inner: Signer;
  #queue: Promise<unknown> = Promise.resolve();
  /** The nonce after the last transaction this signer sent; undefined = ask the chain only. */
  #next: number | undefined;

  constructor(inner: Signer) {
    super(inner.provider);
    this.inner = inner;
  }

  override connect(provider: Provider | null): SequencedSigner {
    return new SequencedSigner(this.inner.connect(provider));
  }

  override getAddress(): Promise<string> {
    return this.inner.getAddress();
  }

  override async getNonce(blockTag?: string): Promise<number> {
    if (blockTag !== "pending") return this.inner.getNonce(blockTag);
    const chain = await this.#pendingCount();
    return this.#next === undefined ? chain : Math.max(chain, this.#next);
  }

  /** The chain's pending transaction count, asked past the provider's request cache where it has one. */
  async #pendingCount(): Promise<number> {
    const provider = this.inner.provider;
    if (provider instanceof JsonRpcApiProvider) {
      const count: unknown = await provider.send("eth_getTransactionCount", [
        await this.getAddress(),
        "pending",
      ]);
      return getNumber(count as string, "eth_getTransactionCount");
    }
    return this.inner.getNonce("pending");
  }

  override signTransaction(tx: TransactionRequest): Promise<string> {
    return this.inner.signTransaction(tx);
  }

  override signMessage(message: string | Uint8Array): Promise<string> {
    return this.inner.signMessage(message);
  }

  override signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    return this.inner.signTypedData(domain, types, value);
  }

  override sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    const send = async (): Promise<TransactionResponse> => {
      const assignsItself = this.inner instanceof JsonRpcSigner;
      const nonce = tx.nonce ?? (assignsItself ? undefined : await this.getNonce("pending"));
      try {
        const response = await this.inner.sendTransaction(nonce === undefined ? tx : { ...tx, nonce });
        this.#next = assignsItself ? undefined : response.nonce + 1;
        return response;
      } catch (error) {
        this.#next = undefined;
        throw error;
      }
    };
    const result = this.#queue.then(send, send);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}

/** One SequencedSigner per signer object, so that every contract connected to a wallet shares its queue. */
const sequencedSigners = new WeakMap<Signer, SequencedSigner>();

/** `signer` as a SequencedSigner (the same one for the same signer object). */
export function sequenced(signer: Signer): SequencedSigner {
  if (signer instanceof SequencedSigner) return signer;
  let found = sequencedSigners.get(signer);
  if (found === undefined) {
    found = new SequencedSigner(signer);
    sequencedSigners.set(signer, found);
  }
  return found;
}

/** Whether a contract runner can send transactions (has `sendTransaction` and `getAddress`). */
export function isSigner(runner: unknown): runner is Signer {
  return (
    typeof runner === "object" &&
    runner !== null &&
    typeof (runner as Signer).sendTransaction === "function" &&
    typeof (runner as Signer).getAddress === "function"
  );
}
