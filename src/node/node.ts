/**
 * One node, as a composition of its parts: its identity (wallet, comms key), its chain view, its
 * store, the peer network, the validator view, the network key, who answers (background/liveness.ts),
 * the node's own presignature pool (background/presignPool.ts), the coordinator of the network's
 * keys (background/coordinator.ts) and the signing sessions (signing/session.ts). The HTTP routes
 * (server.ts and the feature folders) take the node, or the narrow part of it they need.
 */
import { Wallet } from "ethers";
import type { Logger } from "pino";

import {
  AuthCache,
  UsedAuthMethods,
  authenticate,
  nodeAuthContext,
  pkpSigningCapability,
  type Authenticated,
} from "./auth";
import { Coordinator } from "./background/coordinator";
import { Liveness } from "./background/liveness";
import { PresignPool } from "./background/presignPool";
import { Chain, type BlockHead, type Validator } from "./chain";
import type { NodeConfig } from "./config";
import { deriveCommsKeyPair, nodeSecretBytes, type CommsKeyPair } from "./keys";
import { NetworkKey } from "./networkKey";
import { Peers } from "./peers/peers";
import { checkSigningPermission } from "./permissions";
import { SigningSessions, type SigningShare, type SigningShareRequest } from "./signing/session";
import { NodeStore } from "./storage";
import { ValidatorSet } from "./view";
import type { PkpSignRequest } from "./wire";

export { NETWORK_KEY } from "./networkKey";
export { PKP_SIGN_NAME } from "../protocol";
export type { SigningShare, SigningShareRequest } from "./signing/session";

export interface NodeStatus {
  ready: boolean;
  nodeAddress: string;
  index: number;
  epoch: number;
  networkKey: boolean;
  pools: {
    pkpKeysRouted: number;
    presignatures: number;
    pkpKeysTarget: number;
    presignaturesTarget: number;
  };
  coordinator: boolean;
  /** Whether the latest block comes from heads the chain pushes, or from a read per request. */
  chainHeads: "subscription" | "per-request";
}

export class PkpNode {
  readonly wallet: Wallet;
  readonly comms: CommsKeyPair;
  readonly chain: Chain;
  readonly store: NodeStore;
  readonly peers: Peers;
  readonly view: ValidatorSet;
  readonly networkKey: NetworkKey;
  readonly liveness: Liveness;
  readonly pool: PresignPool;
  readonly coordinator: Coordinator;
  readonly signing: SigningSessions;
  readonly #authCache = new AuthCache();
  /** Auth methods (EthWallet SIWEs, WebAuthn assertions) this node has granted a request with. */
  readonly usedAuthMethods = new UsedAuthMethods();
  #timers: NodeJS.Timeout[] = [];
  #stopped = false;

  constructor(
    readonly config: NodeConfig,
    readonly log: Logger,
  ) {
    this.wallet = new Wallet(config.nodePrivateKey);
    this.comms = deriveCommsKeyPair(config.nodePrivateKey);
    this.chain = new Chain(config.rpcUrl, config.chainId, config.nodePrivateKey, config.contracts);
    this.store = NodeStore.open({
      dataDir: config.dataDir,
      nodeSecretKey: nodeSecretBytes(config.nodePrivateKey),
    });
    this.view = new ValidatorSet(this.wallet.address, this.chain);
    this.peers = new Peers(
      { address: this.wallet.address, wallet: this.wallet, comms: this.comms },
      () => this.view.validators,
      { peerMs: config.timeouts.peerMs, log, refresh: () => this.view.refresh() },
    );
    this.networkKey = new NetworkKey(this.store);
    this.liveness = new Liveness(this.view, {
      intervalMs: 1000,
      timeoutMs: Math.min(3000, config.timeouts.peerMs),
    });
    const parts = { view: this.view, log, store: this.store, peers: this.peers, liveness: this.liveness };
    this.pool = new PresignPool({ ...parts, config, changed: () => this.signing.leader.retry() });
    this.coordinator = new Coordinator({ ...parts, config, chain: this.chain, networkKey: this.networkKey });
    this.signing = new SigningSessions({
      ...parts,
      timeouts: config.timeouts,
      wallet: this.wallet,
      pool: this.pool,
      liveCount: () => this.liveness.live().length,
    });
  }

  // The validator view, for the routes and features that read it from the node.
  get address(): string {
    return this.wallet.address;
  }
  get validators(): readonly Validator[] {
    return this.view.validators;
  }
  get epoch(): number {
    return this.view.epoch;
  }
  get me(): Validator | undefined {
    return this.view.me;
  }
  get n(): number {
    return this.view.n;
  }
  get t(): number {
    return this.view.t;
  }
  get quorum(): number {
    return this.view.quorum;
  }
  get url(): string {
    return `http://${this.config.host}:${this.config.port}`;
  }

  refreshValidators(): Promise<void> {
    return this.view.refresh();
  }

  checkEpoch(epoch: number | null | undefined): Promise<void> {
    return this.view.checkEpoch(epoch);
  }

  requireValidator(): Validator {
    return this.view.requireValidator();
  }

  networkKeyShare() {
    return this.networkKey.share();
  }

  /** Compressed G1 network key, 96 hex without 0x, or "" before the DKG made it. */
  networkPublicKeyHex(): string {
    return this.networkKey.publicKeyHex();
  }

  async start(): Promise<void> {
    await this.view.refresh();
    const refresh = () =>
      this.view
        .refresh()
        .catch((e) => this.log.warn({ err: (e as Error).message }, "validator refresh failed"));
    this.chain.watchHeads();
    // Staking announces every change of the validator set (StateChanged, EpochAdvanced); a slow
    // poll remains for an event that was missed.
    this.chain.onStakingChange(() => void refresh());
    this.#timers.push(setInterval(() => void refresh(), 15_000));
    const tick = async () => {
      if (this.#stopped) return;
      try {
        await this.liveness.refresh();
        this.pool.step();
        await this.coordinator.step();
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, "background step failed");
      }
      if (!this.#stopped) this.#timers.push(setTimeout(tick, 1000));
    };
    this.#timers.push(setTimeout(tick, 500));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.pool.stop();
    await this.chain.staking.removeAllListeners().catch(() => undefined);
    this.chain.destroy();
    this.store.close();
  }

  async status(): Promise<NodeStatus> {
    const me = this.me;
    const networkKey = this.networkKeyShare() !== undefined && this.coordinator.rootKeyOnChain;
    return {
      ready: me !== undefined && networkKey,
      nodeAddress: this.address,
      index: me?.index ?? 0,
      epoch: this.epoch,
      networkKey,
      pools: {
        pkpKeysRouted: this.coordinator.routedCount,
        // This node's own pool (the presignatures it may assign), counting those whose whole
        // signing set is live and confirmed it stored them (background/presignPool.ts).
        presignatures: this.pool.usable(),
        pkpKeysTarget: this.config.pools.pkpKeys,
        presignaturesTarget: this.pool.target(),
      },
      coordinator: this.coordinator.isCoordinator(),
      chainHeads: this.chain.headSource,
    };
  }

  async authenticateSigner(req: PkpSignRequest, tokenId: bigint): Promise<Authenticated> {
    const me = this.view.self();
    return authenticate(
      req.authSig,
      pkpSigningCapability(tokenId),
      nodeAuthContext(this, me.url, this.#authCache),
    );
  }

  /**
   * See `checkSigningPermission` (src/node/permissions.ts). Every chain read of the rule is made at
   * one block, the latest one read after this call began (`head` when the caller already read it),
   * and the usual facts come in one JSON-RPC batch, remembered for that block.
   */
  async checkPermission(tokenId: bigint, requester: Authenticated | string, head?: BlockHead): Promise<void> {
    const block = (head ?? (await this.chain.latestHead())).number;
    const address = typeof requester === "string" ? requester : requester.address;
    await this.chain.prefetchPermission(tokenId, address, block).catch(() => undefined);
    return this.chain.atBlock(block, () => checkSigningPermission(this.chain, tokenId, requester));
  }

  /** This node's part of a signing session (see SigningSessions.signingShare). */
  signingShare(req: SigningShareRequest): Promise<SigningShare> {
    return this.signing.signingShare(req);
  }
}
