/**
 * What a node reads from and writes to the chain (ethers v6 over JSON-RPC, on the typechain-typed
 * contracts): the validator set of the current epoch and the epoch, kick votes and epoch advances
 * (Staking), the network's root keys and key routing (PubkeyRouter), and a PKP's existence, owner and
 * permissions (PKPNFT, PKPPermissions). The parts: the latest block as the chain announces it
 * (heads.ts), reads pinned to one block and remembered for it (pinning.ts), and the shared types
 * (types.ts).
 *
 * About 480 lines: the Chain facade (validator set, kicks, root keys, routing, PKP reads); heads and
 * pinned reads are their own modules.
 */
import {
  JsonRpcProvider,
  Wallet,
  ZeroAddress,
  getAddress,
  hexlify,
  type BytesLike,
  type Interface,
  type JsonRpcPayload,
  type JsonRpcResult,
  type TypedDataDomain,
} from "ethers";

import type { PKPNFT, PKPPermissions, PubkeyRouter, Staking } from "../../../typechain-types";
import { PKPNFT__factory } from "../../../typechain-types/factories/contracts/PKPNFT__factory";
import { PKPPermissions__factory } from "../../../typechain-types/factories/contracts/PKPPermissions__factory";
import { PubkeyRouter__factory } from "../../../typechain-types/factories/contracts/PubkeyRouter__factory";
import { Staking__factory } from "../../../typechain-types/factories/contracts/Staking__factory";
import { commsKeyFromUint } from "../keys";
import { Heads } from "./heads";
import { PinnedReads } from "./pinning";
import { AUTH_METHOD_ADDRESS, KEY_TYPE_BLS, KEY_TYPE_ECDSA } from "../../protocol";
import {
  nodeUrl,
  sortValidators,
  tokenIdOf,
  type BlockHead,
  type ChainContracts,
  type RoutingSignature,
  type Validator,
} from "./types";

export * from "./types";

/**
 * A JSON-RPC provider that retries a request whose connection was closed under it (a keep-alive
 * socket the chain closed): `socket hang up`, `ECONNRESET`.
 */
class RetryingProvider extends JsonRpcProvider {
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    let last: unknown;
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        return await super._send(payload);
      } catch (e) {
        last = e;
        if (!/socket hang up|ECONNRESET|other side closed|EPIPE/i.test(String((e as Error)?.message ?? e)))
          throw e;
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
    }
    throw last;
  }
}

/** The custom errors of a vote that came too late: the key is voted already (by this node, or set). */
const ALREADY_VOTED = new Set(["PubkeyRouterAlreadyVoted", "PubkeyRouterRootKeysAlreadySet"]);

/** Staking's custom errors of a kick vote that is not needed: this node voted already, or the target is out. */
const ALREADY_KICKED = new Set(["StakingCannotVoteTwice", "StakingValidatorAlreadyKicked"]);

/**
 * What a kick vote did: counted, counted and the threshold reached (the target leaves the next set),
 * or not needed (this node voted against the target in this epoch already, or it is kicked already).
 */
export type KickVoteResult = "voted" | "kicked" | "already";

export class Chain {
  readonly provider: JsonRpcProvider;
  readonly wallet: Wallet;
  #txQueue: Promise<unknown> = Promise.resolve();
  readonly staking: Staking;
  /** Staking as this node's wallet sends to it (kick votes, epoch advances). */
  readonly #stakingTx: Staking;
  readonly router: PubkeyRouter;
  readonly pkpNft: PKPNFT;
  readonly permissions: PKPPermissions;
  readonly #heads: Heads;
  readonly #pins: PinnedReads;
  /** Called when Staking announces a change of the validator set (StateChanged, EpochAdvanced). */
  readonly #stakingListeners: (() => void)[] = [];
  #stakingPolled = false;

  constructor(
    readonly rpcUrl: string,
    readonly chainId: number,
    nodePrivateKey: string,
    readonly contracts: ChainContracts,
  ) {
    this.provider = new RetryingProvider(rpcUrl, chainId, {
      staticNetwork: true,
      batchMaxCount: 1,
      cacheTimeout: -1,
    });
    this.provider.pollingInterval = 500;
    this.wallet = new Wallet(nodePrivateKey, this.provider);
    this.staking = Staking__factory.connect(contracts.staking, this.provider);
    this.#stakingTx = Staking__factory.connect(contracts.staking, this.wallet);
    this.router = PubkeyRouter__factory.connect(contracts.pubkeyRouter, this.wallet);
    this.pkpNft = PKPNFT__factory.connect(contracts.pkpNft, this.provider);
    this.permissions = PKPPermissions__factory.connect(contracts.pkpPermissions, this.provider);
    this.#pins = new PinnedReads(this.provider);
    this.#heads = new Heads({
      provider: this.provider,
      rpcUrl,
      staking: {
        address: contracts.staking,
        topics: () => [
          this.staking.getEvent("StateChanged").fragment.topicHash,
          this.staking.getEvent("EpochAdvanced").fragment.topicHash,
        ],
      },
      pollStaking: () => this.#pollStaking(),
      onStakingChange: () => this.#announceStakingChange(),
    });
  }

  /** Runs transactions of this node one at a time (each takes its nonce from the chain). */
  #serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.#txQueue.then(f, f);
    this.#txQueue = next.catch(() => undefined);
    return next;
  }

  get address(): string {
    return this.wallet.address;
  }

  // ---- the validator set ----

  async validators(): Promise<Validator[]> {
    const raw = await this.staking.getValidatorsStructsInCurrentEpoch();
    return sortValidators(
      raw.map((v) => ({
        nodeAddress: v.nodeAddress,
        url: nodeUrl(v.ip, v.port),
        commsKey: commsKeyFromUint(v.senderPubKey),
      })),
    );
  }

  async epochNumber(): Promise<number> {
    return Number((await this.staking.epoch()).number);
  }

  async consensusCount(): Promise<number> {
    return Number(await this.staking.currentValidatorCountForConsensus());
  }

  /**
   * Calls `listener` when Staking announces a change of the validator set. The announcements come
   * over the heads' WebSocket; where the chain has no subscriptions, through ethers' event polling.
   */
  onStakingChange(listener: () => void): void {
    this.#stakingListeners.push(listener);
  }

  /** The validators kicked from the next epoch during the current one (Staking's `getKickedValidators`). */
  async kickedValidators(): Promise<string[]> {
    return (await this.staking.getKickedValidators()).map((a) => getAddress(a));
  }

  /**
   * Votes, from this node's key, to kick `target` from the next epoch (Staking's
   * `kickValidatorInNextEpoch(target, reason, data)`). "kicked": this vote reached the threshold.
   * "already": not needed (Staking's StakingCannotVoteTwice or StakingValidatorAlreadyKicked). Any
   * other refusal (this node or the target is not a current validator, a vote for itself, a kick
   * below the threshold of current validators) is thrown as ethers reports it.
   */
  async voteToKick(target: string, reason: bigint | number, data: BytesLike = "0x"): Promise<KickVoteResult> {
    return this.#serial(async () => {
      try {
        const tx = await this.#stakingTx.kickValidatorInNextEpoch(target, reason, data);
        const receipt = await tx.wait();
        const kicked = this.staking.getEvent("ValidatorKickedFromNextEpoch").fragment.topicHash;
        const gone = getAddress(target);
        const hit = (receipt?.logs ?? []).some((log) => {
          if (log.topics[0] !== kicked) return false;
          const parsed = this.staking.interface.parseLog(log);
          return parsed !== null && getAddress(parsed.args.staker as string) === gone;
        });
        return hit ? ("kicked" as const) : ("voted" as const);
      } catch (e) {
        if (ALREADY_KICKED.has(this.#revertName(e, this.staking.interface) ?? "")) return "already" as const;
        throw e;
      }
    });
  }

  /**
   * Starts the next epoch from this node's key (Staking's `advanceEpoch()`); a validator may do so once
   * validators were kicked or rejoined and the owner staged nothing. Returns the transaction hash;
   * a refusal (StakingNotOwnerOrValidator, StakingAdvanceNeedsOwner, StakingNothingToAdvance) is thrown.
   */
  async advanceEpoch(): Promise<string> {
    return this.#serial(async () => {
      const receipt = await (await this.#stakingTx.advanceEpoch()).wait();
      return receipt!.hash;
    });
  }

  /** The name of the Staking custom error a failed call reverted with, if it is one. */
  stakingRevertName(error: unknown): string | undefined {
    return this.#revertName(error, this.staking.interface);
  }

  #announceStakingChange(): void {
    for (const f of this.#stakingListeners) f();
  }

  #pollStaking(): void {
    if (this.#stakingPolled) return;
    this.#stakingPolled = true;
    const call = () => this.#announceStakingChange();
    void this.staking.on(this.staking.getEvent("StateChanged"), call).catch(() => undefined);
    void this.staking.on(this.staking.getEvent("EpochAdvanced"), call).catch(() => undefined);
  }

  // ---- blocks ----

  /** Subscribes to new heads (see heads.ts). */
  watchHeads(): void {
    this.#heads.watch();
  }

  /** Where `latestHead` comes from now: heads pushed by the chain, or a read per request. */
  get headSource(): "subscription" | "per-request" {
    return this.#heads.source;
  }

  /** The latest block (see Heads.latest). */
  latestHead(): Promise<BlockHead> {
    return this.#heads.latest();
  }

  async latestBlockhash(): Promise<string> {
    return (await this.latestHead()).hash;
  }

  /**
   * Whether `hash` is the hash of a block of this chain no older than `maxAgeSec` (measured against
   * the chain's latest block). `latest` may be given when the caller already read it for this
   * request; inside `atHead` the pinned head is used.
   */
  isKnownBlockhash(hash: string, maxAgeSec: number, latest?: BlockHead): Promise<boolean> {
    return this.#heads.isKnownBlockhash(hash, maxAgeSec, latest ?? this.#pins.head() ?? this.latestHead());
  }

  // ---- reads pinned to one block ----

  /** Runs `f` with every permission read in it made at block `block` (and remembered for it). */
  atBlock<T>(block: number, f: () => Promise<T>): Promise<T> {
    return this.#pins.atBlock(block, f);
  }

  /** `atBlock(head.number, f)`, and `head` is the latest block for `isKnownBlockhash` in `f`. */
  atHead<T>(head: BlockHead, f: () => Promise<T>): Promise<T> {
    return this.#pins.atHead(head, f);
  }

  /**
   * Reads, in one JSON-RPC batch at `block`, every fact the signing permission rule may need for
   * (tokenId, address): whether the token exists, its owner, whether the address is permitted and
   * its scopes 1 and 2. Later pinned reads of the same facts at that block are answered from memory.
   */
  prefetchPermission(tokenId: bigint, address: string, block: number): Promise<void> {
    const user = getAddress(address);
    const nft = this.pkpNft.interface;
    const permissions = this.permissions.interface;
    return this.#pins.prefetch(block, [
      {
        key: `exists:${tokenId}`,
        to: this.contracts.pkpNft,
        data: () => nft.encodeFunctionData("exists", [tokenId]),
        decode: (r) => nft.decodeFunctionResult("exists", r)[0] as boolean,
      },
      {
        key: `ownerOf:${tokenId}`,
        to: this.contracts.pkpNft,
        data: () => nft.encodeFunctionData("ownerOf", [tokenId]),
        decode: (r) => getAddress(nft.decodeFunctionResult("ownerOf", r)[0] as string),
      },
      {
        key: `permittedAddress:${tokenId}:${user}`,
        to: this.contracts.pkpPermissions,
        data: () => permissions.encodeFunctionData("isPermittedAddress", [tokenId, user]),
        decode: (r) => permissions.decodeFunctionResult("isPermittedAddress", r)[0] as boolean,
      },
      ...[1n, 2n].map((scope) => ({
        key: `scope:${tokenId}:${user}:${scope}`,
        to: this.contracts.pkpPermissions,
        data: () =>
          permissions.encodeFunctionData("isPermittedAuthMethodScopePresent", [
            tokenId,
            AUTH_METHOD_ADDRESS,
            user.toLowerCase(),
            scope,
          ]),
        decode: (r: string) =>
          permissions.decodeFunctionResult("isPermittedAuthMethodScopePresent", r)[0] as boolean,
      })),
    ]);
  }

  // ---- root keys ----

  async rootKeys(): Promise<{ pubkey: string; keyType: bigint }[]> {
    const keys = await this.router.getRootKeys(this.contracts.staking);
    return keys.map((k) => ({ pubkey: k.pubkey, keyType: k.keyType }));
  }

  /**
   * Votes the network BLS key into PubkeyRouter. "already": the vote is not needed (this node voted in
   * this epoch, or the root keys are set), decoded from the contract's custom error.
   */
  async voteForRootKeys(blsPubkey: Uint8Array): Promise<"voted" | "already"> {
    return this.#serial(async () => {
      try {
        const tx = await this.router.voteForRootKeys(this.contracts.staking, [
          { pubkey: blsPubkey, keyType: KEY_TYPE_BLS },
        ]);
        await tx.wait();
        return "voted" as const;
      } catch (e) {
        if (ALREADY_VOTED.has(this.#revertName(e, this.router.interface) ?? "")) return "already" as const;
        throw e;
      }
    });
  }

  /** The name of the custom error of `contract` (PubkeyRouter, Staking) a failed call reverted with, if any. */
  #revertName(error: unknown, contract: Interface): string | undefined {
    for (let e: unknown = error, depth = 0; typeof e === "object" && e !== null && depth < 6; depth++) {
      const { revert, data, info, cause } = e as {
        revert?: { name?: unknown };
        data?: unknown;
        info?: unknown;
        cause?: unknown;
      };
      if (typeof revert?.name === "string") return revert.name;
      if (typeof data === "string" && data.length >= 10) {
        try {
          const parsed = contract.parseError(data);
          if (parsed !== null) return parsed.name;
        } catch {
          // not an error of this contract
        }
      }
      e = (info as { error?: unknown } | undefined)?.error ?? cause;
    }
    return undefined;
  }

  // ---- key routing ----

  routingDomain(): TypedDataDomain {
    return {
      name: "PubkeyRouter",
      version: "1",
      chainId: this.chainId,
      verifyingContract: this.contracts.pubkeyRouter,
    };
  }

  /** This node's EIP-712 signature over RoutingData(tokenId, pubkey, 2, staking). */
  async signRouting(pubkey: Uint8Array): Promise<RoutingSignature> {
    const sig = await this.wallet.signTypedData(
      this.routingDomain(),
      {
        RoutingData: [
          { name: "tokenId", type: "uint256" },
          { name: "pubkey", type: "bytes" },
          { name: "keyType", type: "uint256" },
          { name: "stakingContract", type: "address" },
        ],
      },
      {
        tokenId: tokenIdOf(pubkey),
        pubkey,
        keyType: KEY_TYPE_ECDSA,
        stakingContract: this.contracts.staking,
      },
    );
    const bytes = sig.slice(2);
    return {
      r: "0x" + bytes.slice(0, 64),
      s: "0x" + bytes.slice(64, 128),
      v: parseInt(bytes.slice(128), 16),
    };
  }

  async setRoutingDataBatch(pubkeys: Uint8Array[], signatures: RoutingSignature[][]): Promise<string> {
    return this.#serial(async () => {
      const tx = await this.router.setRoutingDataBatch(
        pubkeys.map((p) => tokenIdOf(p)),
        pubkeys,
        this.contracts.staking,
        KEY_TYPE_ECDSA,
        signatures,
      );
      const receipt = await tx.wait();
      return receipt!.hash;
    });
  }

  async unmintedRoutedCount(): Promise<number> {
    return Number(await this.pkpNft.getUnmintedRoutedTokenIdCount(KEY_TYPE_ECDSA));
  }

  async isRouted(tokenId: bigint): Promise<boolean> {
    return this.router.isRouted(tokenId);
  }

  // ---- a PKP and its permissions (pinned reads) ----

  async pkpExists(tokenId: bigint): Promise<boolean> {
    return this.#pins.read(`exists:${tokenId}`, (blockTag) => this.pkpNft.exists(tokenId, { blockTag }));
  }

  async ownerOf(tokenId: bigint): Promise<string> {
    return this.#pins.read(`ownerOf:${tokenId}`, async (blockTag) =>
      getAddress(await this.pkpNft.ownerOf(tokenId, { blockTag })),
    );
  }

  /** Whether the token was burned (a Transfer to the zero address was logged). */
  async wasBurned(tokenId: bigint): Promise<boolean> {
    const logs = await this.pkpNft.queryFilter(
      this.pkpNft.filters.Transfer(undefined, ZeroAddress, tokenId),
      0,
    );
    return logs.length > 0;
  }

  async isPermittedAddress(tokenId: bigint, user: string): Promise<boolean> {
    return this.#pins.read(`permittedAddress:${tokenId}:${getAddress(user)}`, (blockTag) =>
      this.permissions.isPermittedAddress(tokenId, user, { blockTag }),
    );
  }

  async addressHasScope(tokenId: bigint, user: string, scope: bigint): Promise<boolean> {
    return this.#pins.read(`scope:${tokenId}:${getAddress(user)}:${scope}`, (blockTag) =>
      this.permissions.isPermittedAuthMethodScopePresent(
        tokenId,
        AUTH_METHOD_ADDRESS,
        user.toLowerCase(),
        scope,
        {
          blockTag,
        },
      ),
    );
  }

  async isPermittedAction(tokenId: bigint, cidBytes: Uint8Array): Promise<boolean> {
    return this.#pins.read(`action:${tokenId}:${hexlify(cidBytes)}`, (blockTag) =>
      this.permissions.isPermittedAction(tokenId, cidBytes, { blockTag }),
    );
  }

  destroy(): void {
    this.#heads.destroy();
    this.provider.destroy();
  }
}
