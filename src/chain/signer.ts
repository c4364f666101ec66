/**
 * One account's transactions, sent one after another with nonces the chain agrees with.
 *
 * A wallet that signs locally (ethers' `Wallet`) asks the chain for its next nonce before every
 * transaction. Two things put that answer out of step: a provider that caches identical requests
 * (ethers' default `cacheTimeout` of 250 ms hands the previous transaction's count to the next one:
 * "Nonce too low"), and two transactions prepared at once from the same account (both read the same
 * count). `SequencedSigner` sends one transaction at a time per account, and before each one asks
 * the chain for the account's pending count past the provider's cache. It keeps no count of its own:
 * after a failed send, a retried attempt, a transaction sent elsewhere, or a chain that went back to
 * a snapshot (Hardhat's `loadFixture`), the chain's answer is the right nonce.
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
    return blockTag === "pending" ? this.#pendingCount() : this.inner.getNonce(blockTag);
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
      return this.inner.sendTransaction(nonce === undefined ? tx : { ...tx, nonce });
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
