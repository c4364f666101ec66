/**
 * What a node knows of the validator set: the current validators (Staking's), the epoch, and this
 * node's place in it. The parts of a node (the coordinator, the signing sessions, the routes) take
 * this narrow view rather than the whole node.
 */
import { thresholdFor } from "../crypto/polynomial";
import type { Validator } from "./chain";
import { InternalError, InvalidRequestError, UnauthorizedError } from "./errors";

/** The validator set as one node sees it. */
export interface ValidatorView {
  /** This node's address. */
  readonly address: string;
  readonly validators: readonly Validator[];
  readonly epoch: number;
  /** This node's entry; undefined while it is not a current validator. */
  readonly me: Validator | undefined;
  readonly n: number;
  /** The threshold t of the current set (2t + 1 shares sign). */
  readonly t: number;
  readonly quorum: number;
}

/** Where the validator set and epoch are read (the node's Chain). */
export interface ValidatorSource {
  validators(): Promise<Validator[]>;
  epochNumber(): Promise<number>;
}

export class ValidatorSet implements ValidatorView {
  validators: Validator[] = [];
  epoch = 0;

  constructor(
    readonly address: string,
    private readonly source: ValidatorSource,
  ) {}

  get me(): Validator | undefined {
    return this.validators.find((v) => v.nodeAddress === this.address);
  }
  get n(): number {
    return this.validators.length;
  }
  get t(): number {
    return thresholdFor(Math.max(this.n, 1)).t;
  }
  get quorum(): number {
    return 2 * this.t + 1;
  }

  async refresh(): Promise<void> {
    const [validators, epoch] = await Promise.all([this.source.validators(), this.source.epochNumber()]);
    this.validators = validators;
    this.epoch = epoch;
  }

  /**
   * Refuses a request made for an epoch that is neither the current one nor the one before (a
   * client with an old view of the network). An absent epoch is accepted. A newer epoch than this
   * node knows makes it read the chain again first.
   */
  async checkEpoch(epoch: number | null | undefined): Promise<void> {
    if (epoch === null || epoch === undefined) return;
    if (epoch > this.epoch) await this.refresh();
    if (epoch === this.epoch || epoch === this.epoch - 1) return;
    throw new InvalidRequestError(
      `epoch ${epoch} is neither the current epoch (${this.epoch}) nor the previous one`,
      { reason: "InvalidEpoch" },
    );
  }

  /** This node's entry for work only a validator does (500 when it is not one). */
  self(): Validator {
    const me = this.me;
    if (me === undefined) throw new InternalError("this node is not a current validator");
    return me;
  }

  /** This node's entry for a request that only a validator may answer (401 when it is not one). */
  requireValidator(): Validator {
    const me = this.me;
    if (me === undefined) throw new UnauthorizedError("this node is not a current validator");
    return me;
  }
}
