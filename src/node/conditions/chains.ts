/**
 * Chains by name, for access control conditions. A node reads the chains its configuration names
 * (`chains`: name → {rpcUrl, chainId}) and always its own chain, under the names in
 * {@link OWN_CHAIN_NAMES} unless the configuration gives one of them another chain.
 *
 * Lit's client checks every condition's `chain` against its own list of chain names (the
 * `@lit-protocol/accs-schemas` enum, e.g. `ethereum`, `sepolia`, `yellowstone`) before it encrypts, so
 * a local network must serve its chain under a name from that list. We use `yellowstone`: in Lit's
 * v7 networks (Datil) it is the chain the network itself runs on (Chronicle Yellowstone), which is
 * what the node's own chain is to us. `hardhat` (not in Lit's list) names the same chain for our SDK.
 */
import { JsonRpcProvider, type Provider } from "ethers";
import { InvalidRequestError } from "../errors";

/** The names the node's own chain is served under (Lit-accepted first). */
export const OWN_CHAIN_NAMES = ["yellowstone", "hardhat"] as const;
/** The name Lit's client accepts for the local chain. */
export const LIT_LOCAL_CHAIN_NAME = OWN_CHAIN_NAMES[0];

export interface ChainEndpoint {
  readonly rpcUrl: string;
  readonly chainId: number;
}

export interface ChainsConfig {
  readonly rpcUrl: string;
  readonly chainId: number;
  readonly chains?: Readonly<Record<string, ChainEndpoint>>;
}

/** Providers by chain name, made on first use; every read goes to the chain (no response cache). */
export class ConditionChains {
  readonly #endpoints = new Map<string, ChainEndpoint>();
  readonly #providers = new Map<string, Provider>();
  readonly #injected: Readonly<Record<string, Provider>>;

  /**
   * @param injected providers to use for some names instead of connecting to their rpcUrl (tests
   *   pass an in-process chain)
   */
  constructor(config: ChainsConfig, injected: Readonly<Record<string, Provider>> = {}) {
    for (const name of OWN_CHAIN_NAMES)
      this.#endpoints.set(name, { rpcUrl: config.rpcUrl, chainId: config.chainId });
    for (const [name, endpoint] of Object.entries(config.chains ?? {})) this.#endpoints.set(name, endpoint);
    this.#injected = injected;
  }

  /** Every chain name this node serves. */
  names(): string[] {
    return [...this.#endpoints.keys()].sort();
  }

  has(name: string): boolean {
    return this.#endpoints.has(name);
  }

  endpoint(name: string): ChainEndpoint {
    const e = this.#endpoints.get(name);
    if (e === undefined)
      throw new InvalidRequestError(
        `chain ${JSON.stringify(name)} is not served by this node (known: ${this.names().join(", ")})`,
        { reason: "UnknownChain" },
      );
    return e;
  }

  provider(name: string): Provider {
    const endpoint = this.endpoint(name);
    const injected = this.#injected[name];
    if (injected !== undefined) return injected;
    let p = this.#providers.get(endpoint.rpcUrl);
    if (p === undefined) {
      // One request per call (no batching delay) and no cache: a condition is read at the latest block.
      p = new JsonRpcProvider(endpoint.rpcUrl, endpoint.chainId, {
        staticNetwork: true,
        cacheTimeout: -1,
        batchMaxCount: 1,
      });
      this.#providers.set(endpoint.rpcUrl, p);
    }
    return p;
  }

  destroy(): void {
    for (const p of this.#providers.values()) p.destroy();
    this.#providers.clear();
  }
}
