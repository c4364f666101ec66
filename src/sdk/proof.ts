/**
 * Verifying a certificate made by a single-action PKP (the prime-number certificate of
 * examples/prime): a message and a PKP's signature over it prove what the action checked, if
 *
 * 1. the signature is an EIP-191 personal-message signature by the PKP's key;
 * 2. the PKP was minted by `PKPNFT.mintGrantAndBurnNext` (the one mint that gives the token to PKPNFT
 *    itself, so no one ever owned it),
 * 3. burned in that same transaction (so no one can ever own it or change its permissions),
 * 4. and granted exactly one Lit Action, in that transaction, and nothing else, ever;
 * 5. that action is the expected one (its CID), and the code the verifier holds hashes to it.
 *
 * Everything is read from the chain's event logs and state at one block: nothing is taken from the
 * nodes or from whoever presents the certificate. Only the PKP contracts' addresses are trusted.
 *
 * Over 400 lines: the five checks of one certificate read the same logs; one function per check is open.
 */
import {
  Contract,
  Interface,
  ZeroAddress,
  computeAddress,
  getAddress,
  getBytes,
  hexlify,
  isAddress,
  isHexString,
  keccak256,
  toBeHex,
  verifyMessage,
  zeroPadValue,
  type Log,
  type Provider,
  type TransactionReceipt,
} from "ethers";
import { z } from "zod";

import { bytesToCid, cidOf, cidToBytes } from "../protocol/cid";
import { AUTH_METHOD_ACTION, PKP_NFT_ABI, PKP_PERMISSIONS_ABI, PUBKEY_ROUTER_ABI } from "../protocol";
import { InvalidArgumentError, SdkError } from "./errors";

/** Scope names, for the details. */
const SCOPES: Record<string, string> = { "1": "SignAnything", "2": "PersonalSign" };

const NFT = new Interface(PKP_NFT_ABI);
const ROUTER = new Interface(PUBKEY_ROUTER_ABI);
const PERMISSIONS = new Interface(PKP_PERMISSIONS_ABI);

/** The names of the checks, in the order they are reported. */
export const PROOF_CHECKS = {
  pkp: "PKP is routed",
  signature: "signature by the PKP",
  minted: "minted by mintGrantAndBurnNext",
  burned: "burned in the same transaction",
  oneAction: "exactly one action, nothing else ever",
  cid: "action CID",
  code: "code hashes to the CID",
} as const;

export interface ProofCheck {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

export interface VerifyProofParameters {
  /** A provider of the chain the PKP contracts are on. */
  readonly provider: Provider;
  /** The PKP contracts (network.json's `contracts`, or a deployment's addresses). */
  readonly contracts: {
    readonly pkpNft: string;
    readonly pkpPermissions: string;
    readonly pubkeyRouter: string;
  };
  /** The signed message, exactly as signed (the prime certificate: the number's decimal string). */
  readonly message: string;
  /** 65-byte signature (0x r ‖ s ‖ v). */
  readonly signature: string;
  /** The PKP, by token id (decimal or 0x-hex) … */
  readonly tokenId?: bigint | string;
  /** … or by its Ethereum address. */
  readonly pkpAddress?: string;
  /** The action's CIDv0 the verifier expects; without it the observed CID is reported. */
  readonly cid?: string;
  /** The action's code the verifier holds: it must hash (IPFS CIDv0) to the granted action's CID. */
  readonly code?: string | Uint8Array;
  /** First block to search for the PKP's events (default 0; public RPCs may need a later one). */
  readonly fromBlock?: number;
}

export interface VerifyProofReturnType {
  /** True when every check passed. */
  readonly valid: boolean;
  readonly checks: readonly ProofCheck[];
  /** The block every read was made at. */
  readonly blockNumber: number;
  readonly tokenId: string | null;
  readonly pubkey: string | null;
  readonly pkpAddress: string | null;
  /** Who the signature recovers to (null when it does not parse). */
  readonly signer: string | null;
  /** The CID of the action granted in the mint transaction (null when there is not exactly one). */
  readonly actionCid: string | null;
  /** The transaction that minted the PKP (null when it was never minted). */
  readonly mintTxHash: string | null;
}

/** A certificate that failed verification: names each failed check (thrown by callers who require validity). */
export class InvalidProofError extends SdkError {
  override name = "InvalidProofError";
  constructor(readonly result: VerifyProofReturnType) {
    const failed = result.checks.filter((check) => !check.pass);
    super(`the proof is invalid: ${failed.length} of ${result.checks.length} checks failed`, {
      details: failed.map((check) => `${check.name}: ${check.detail}`),
    });
  }
}

const tokenIdSchema = z.union([
  z.bigint().nonnegative(),
  z.string().regex(/^(0|[1-9][0-9]*|0x[0-9a-fA-F]{1,64})$/, "a decimal or 0x-hex token id"),
]);

function parseTokenId(value: bigint | string): bigint {
  const parsed = tokenIdSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError("tokenId", parsed.error.issues[0]!.message);
  const id = BigInt(parsed.data);
  if (id >= 2n ** 256n) throw new InvalidArgumentError("tokenId", "more than 256 bits");
  return id;
}

function checkedAddress(argument: string, value: string): string {
  if (typeof value !== "string" || !isAddress(value))
    throw new InvalidArgumentError(argument, "not an address");
  return getAddress(value);
}

const topicOf = (id: bigint): string => zeroPadValue(toBeHex(id), 32);
const shortHash = (hash: string): string => `${hash.slice(0, 10)}…`;

/** Verifies a certificate: every check, with its detail; `valid` when all pass. */
export async function verifyProof(params: VerifyProofParameters): Promise<VerifyProofReturnType> {
  const hasId = params.tokenId !== undefined && params.tokenId !== "";
  const hasAddress = params.pkpAddress !== undefined && params.pkpAddress !== "";
  if (hasId === hasAddress)
    throw new InvalidArgumentError("pkp", "give exactly one of tokenId and pkpAddress");
  if (typeof params.message !== "string") throw new InvalidArgumentError("message", "not a string");
  if (typeof params.signature !== "string") throw new InvalidArgumentError("signature", "not a string");
  const contracts = {
    pkpNft: checkedAddress("contracts.pkpNft", params.contracts.pkpNft),
    pkpPermissions: checkedAddress("contracts.pkpPermissions", params.contracts.pkpPermissions),
    pubkeyRouter: checkedAddress("contracts.pubkeyRouter", params.contracts.pubkeyRouter),
  };
  const givenAddress = hasAddress ? checkedAddress("pkpAddress", params.pkpAddress as string) : null;
  let givenId = hasId ? parseTokenId(params.tokenId as bigint | string) : null;
  if (params.cid !== undefined) {
    try {
      cidToBytes(params.cid);
    } catch (cause) {
      throw new InvalidArgumentError("cid", (cause as Error).message, { cause });
    }
  }
  const fromBlock = params.fromBlock ?? 0;
  if (!Number.isSafeInteger(fromBlock) || fromBlock < 0)
    throw new InvalidArgumentError("fromBlock", "not a block number");

  const { provider } = params;
  const checks: ProofCheck[] = [];
  const add = (name: string, pass: boolean, detail: string) => checks.push({ name, pass, detail });

  let blockNumber: number;
  try {
    blockNumber = await provider.getBlockNumber();
  } catch (cause) {
    throw new SdkError("cannot read the chain", { cause, details: [(cause as Error).message] });
  }
  const at = { blockTag: blockNumber };
  const read = async <T>(what: string, body: () => Promise<T>): Promise<T> => {
    try {
      return await body();
    } catch (cause) {
      throw new SdkError(`cannot read ${what} from the chain`, {
        cause,
        details: [(cause as Error).message, "are these the PKP contracts of this chain?"],
      });
    }
  };
  const nft = new Contract(contracts.pkpNft, NFT, provider);
  const router = new Contract(contracts.pubkeyRouter, ROUTER, provider);
  const permissions = new Contract(contracts.pkpPermissions, PERMISSIONS, provider);

  // The signature, whatever the PKP: who signed this message?
  let signer: string | null = null;
  let signatureProblem: string | null = null;
  if (!isHexString(params.signature, 65)) signatureProblem = "not a 65-byte 0x-hex signature";
  else {
    try {
      signer = verifyMessage(params.message, params.signature);
    } catch (cause) {
      signatureProblem = `does not recover: ${(cause as Error).message.split(" (")[0]}`;
    }
  }

  // 1. The PKP: token id, public key and address agree.
  let pubkey: string | null = null;
  let pkpAddress: string | null = null;
  if (givenId === null) {
    const id = (await read("PubkeyRouter.ethAddressToPkpId", () =>
      router.ethAddressToPkpId(givenAddress, at),
    )) as bigint;
    if (id !== 0n) givenId = id;
  }
  if (givenId === null) add(PROOF_CHECKS.pkp, false, `no PKP has the address ${givenAddress}`);
  else {
    const raw = hexlify(
      (await read("PubkeyRouter.getPubkey", () => router.getPubkey(givenId, at))) as string,
    );
    if (getBytes(raw).length !== 65) {
      add(PROOF_CHECKS.pkp, false, `no key is routed for token ${givenId.toString()}`);
    } else if (BigInt(keccak256(raw)) !== givenId) {
      add(PROOF_CHECKS.pkp, false, `token ${givenId.toString()} is not keccak256 of its public key ${raw}`);
    } else {
      pubkey = raw;
      pkpAddress = computeAddress(raw);
      add(PROOF_CHECKS.pkp, true, `token ${givenId.toString()}, address ${pkpAddress}, public key ${raw}`);
    }
  }
  const tokenId = pubkey === null ? null : givenId;

  // 2. The signature recovers to the PKP's address.
  if (signatureProblem !== null) add(PROOF_CHECKS.signature, false, signatureProblem);
  else if (pkpAddress === null)
    add(PROOF_CHECKS.signature, false, `recovers to ${signer}; no PKP to compare with`);
  else if (signer === pkpAddress)
    add(PROOF_CHECKS.signature, true, `"${params.message}" recovers to ${signer}, the PKP's address`);
  else add(PROOF_CHECKS.signature, false, `recovers to ${signer}, not to the PKP's address ${pkpAddress}`);

  if (tokenId === null) {
    for (const name of [PROOF_CHECKS.minted, PROOF_CHECKS.burned, PROOF_CHECKS.oneAction, PROOF_CHECKS.cid])
      add(name, false, "no PKP to check");
    if (params.code !== undefined) add(PROOF_CHECKS.code, false, "no PKP to check");
    return finish(null, null);
  }

  // Every event about this token, ever: PKPNFT's (the token id is topic 1 of PKPMinted, topic 3 of
  // Transfer and Approval) and PKPPermissions' (topic 1 of all of them, including events not listed here).
  const topic = topicOf(tokenId);
  const logs = (filter: { address: string; topics: (string | null)[] }) =>
    read(`the events of ${filter.address}`, () =>
      provider.getLogs({ ...filter, fromBlock, toBlock: blockNumber }),
    );
  const mintedLogs = await logs({
    address: contracts.pkpNft,
    topics: [NFT.getEvent("PKPMinted")!.topicHash, topic],
  });
  const tokenLogs = await logs({ address: contracts.pkpNft, topics: [null, null, null, topic] });
  const permissionLogs = await logs({ address: contracts.pkpPermissions, topics: [null, topic] });

  // 3. Minted by mintGrantAndBurnNext: the mint gives the token to PKPNFT itself.
  let mintTx: string | null = null;
  let receipt: TransactionReceipt | null = null;
  if (mintedLogs.length !== 1) {
    add(
      PROOF_CHECKS.minted,
      false,
      mintedLogs.length === 0 ? "the PKP was never minted" : `minted ${mintedLogs.length} times`,
    );
  } else {
    mintTx = mintedLogs[0]!.transactionHash;
    receipt = await read(`the receipt of ${mintTx}`, () => provider.getTransactionReceipt(mintTx as string));
    if (receipt === null) throw new SdkError(`the chain has no receipt for ${mintTx}`);
    const mints = transfersIn(receipt, contracts.pkpNft, topic).filter((t) => t.from === ZeroAddress);
    if (mints.length !== 1) {
      add(PROOF_CHECKS.minted, false, `tx ${mintTx} has ${mints.length} mint transfers of the token`);
    } else if (mints[0]!.to !== contracts.pkpNft) {
      add(
        PROOF_CHECKS.minted,
        false,
        `minted to ${mints[0]!.to} in tx ${mintTx}: an owner, who could grant other actions or addresses`,
      );
    } else {
      const tx = await read(`transaction ${mintTx}`, () => provider.getTransaction(mintTx as string));
      const direct =
        tx !== null &&
        tx.to !== null &&
        getAddress(tx.to) === contracts.pkpNft &&
        NFT.parseTransaction({ data: tx.data })?.name === "mintGrantAndBurnNext";
      add(
        PROOF_CHECKS.minted,
        true,
        `tx ${mintTx} (block ${receipt.blockNumber}) minted it to PKPNFT itself${
          direct ? ", calling PKPNFT.mintGrantAndBurnNext" : `, through ${tx?.to ?? "a contract creation"}`
        }`,
      );
    }
  }

  // 4. Burned in that same transaction, and nothing else ever happened to the token.
  const exists = (await read("PKPNFT.exists", () => nft.exists(tokenId, at))) as boolean;
  const burns =
    receipt === null ? [] : transfersIn(receipt, contracts.pkpNft, topic).filter((t) => t.to === ZeroAddress);
  const elsewhere = tokenLogs.filter((log) => log.transactionHash !== mintTx);
  if (receipt === null) add(PROOF_CHECKS.burned, false, "no mint transaction");
  else if (exists)
    add(PROOF_CHECKS.burned, false, "the token exists: it has an owner, who can change its permissions");
  else if (burns.length !== 1)
    add(PROOF_CHECKS.burned, false, `not burned in the mint transaction ${mintTx}`);
  else if (elsewhere.length > 0)
    add(
      PROOF_CHECKS.burned,
      false,
      `the token has events outside the mint transaction: ${txList(elsewhere)}`,
    );
  else add(PROOF_CHECKS.burned, true, `burned in tx ${mintTx}; no other transfer or approval ever`);

  // 5. Exactly one action, granted in the mint transaction; no permission event anywhere else; the
  //    contract's state agrees (one action, no address, no other auth method).
  const grants = permissionLogs
    .filter((log) => log.transactionHash === mintTx)
    .map((log) => PERMISSIONS.parseLog(log))
    .filter((parsed) => parsed?.name === "PermittedAuthMethodAdded");
  const scopes = permissionLogs
    .filter((log) => log.transactionHash === mintTx)
    .map((log) => PERMISSIONS.parseLog(log))
    .filter((parsed) => parsed?.name === "PermittedAuthMethodScopeAdded")
    .map((parsed) => SCOPES[(parsed!.args[3] as bigint).toString()] ?? `scope ${parsed!.args[3]}`);
  const outside = permissionLogs.filter((log) => log.transactionHash !== mintTx);
  const [actions, addresses, methods] = (await Promise.all([
    read("PKPPermissions.getPermittedActions", () => permissions.getPermittedActions(tokenId, at)),
    read("PKPPermissions.getPermittedAddresses", () => permissions.getPermittedAddresses(tokenId, at)),
    read("PKPPermissions.getPermittedAuthMethods", () => permissions.getPermittedAuthMethods(tokenId, at)),
  ])) as [string[], string[], unknown[]];
  let actionCid: string | null = null;
  const describe = (parsed: ReturnType<typeof PERMISSIONS.parseLog>): string => {
    const type = parsed!.args[1] as bigint;
    const id = parsed!.args[2] as string;
    if (type === AUTH_METHOD_ACTION) {
      try {
        return `action ${bytesToCid(id)}`;
      } catch {
        return `action ${id}`;
      }
    }
    return `auth method type ${type.toString()} id ${id}`;
  };
  if (mintTx === null) add(PROOF_CHECKS.oneAction, false, "no mint transaction");
  else if (outside.length > 0)
    add(
      PROOF_CHECKS.oneAction,
      false,
      `permissions changed outside the mint transaction: ${txList(outside)}`,
    );
  else if (grants.length !== 1)
    add(
      PROOF_CHECKS.oneAction,
      false,
      `${grants.length} grants in the mint transaction${grants.length ? `: ${grants.map(describe).join(", ")}` : ""}`,
    );
  else if ((grants[0]!.args[1] as bigint) !== AUTH_METHOD_ACTION)
    add(PROOF_CHECKS.oneAction, false, `the one grant is not an action but ${describe(grants[0]!)}`);
  else if (
    actions.length !== 1 ||
    hexlify(actions[0]!) !== hexlify(grants[0]!.args[2] as string) ||
    addresses.length > 0 ||
    methods.length !== 1
  )
    add(
      PROOF_CHECKS.oneAction,
      false,
      `the contract's state disagrees with the events: ${actions.length} action(s), ${addresses.length} address(es), ${methods.length} auth method(s)`,
    );
  else {
    const id = grants[0]!.args[2] as string;
    try {
      actionCid = bytesToCid(id);
      add(
        PROOF_CHECKS.oneAction,
        true,
        `only ${actionCid} (${scopes.join(", ") || "no scope"}), granted in tx ${mintTx}; no other permission ever`,
      );
    } catch {
      add(PROOF_CHECKS.oneAction, false, `the granted action id ${id} is not a CIDv0 multihash`);
    }
  }

  // 6. The CID is the one expected.
  if (actionCid === null) add(PROOF_CHECKS.cid, false, "no single action to compare");
  else if (params.cid === undefined) add(PROOF_CHECKS.cid, true, `${actionCid} (observed; no CID was given)`);
  else if (params.cid === actionCid) add(PROOF_CHECKS.cid, true, `${actionCid}, as given`);
  else add(PROOF_CHECKS.cid, false, `the PKP's action is ${actionCid}, not ${params.cid}`);

  // 7. The code the verifier holds is that action.
  if (params.code !== undefined) {
    const codeCid = await cidOf(params.code);
    if (actionCid === null)
      add(PROOF_CHECKS.code, false, `the code hashes to ${codeCid}; no single action to compare`);
    else if (codeCid === actionCid) add(PROOF_CHECKS.code, true, `the code hashes to ${codeCid}`);
    else add(PROOF_CHECKS.code, false, `the code hashes to ${codeCid}, not to the PKP's action ${actionCid}`);
  }
  return finish(actionCid, mintTx);

  function finish(cid: string | null, hash: string | null): VerifyProofReturnType {
    return {
      valid: checks.every((check) => check.pass),
      checks,
      blockNumber,
      tokenId: tokenId === null ? null : tokenId.toString(),
      pubkey,
      pkpAddress,
      signer,
      actionCid: cid,
      mintTxHash: hash,
    };
  }
}

/** The PKPNFT Transfer events of one token in a receipt. */
function transfersIn(
  receipt: TransactionReceipt,
  pkpNft: string,
  topic: string,
): { from: string; to: string }[] {
  const transfer = NFT.getEvent("Transfer")!.topicHash;
  return receipt.logs
    .filter(
      (log) =>
        getAddress(log.address) === pkpNft &&
        log.topics.length === 4 &&
        log.topics[0] === transfer &&
        log.topics[3] === topic,
    )
    .map((log) => {
      const parsed = NFT.parseLog(log)!;
      return { from: getAddress(parsed.args[0] as string), to: getAddress(parsed.args[1] as string) };
    });
}

function txList(logs: readonly Log[]): string {
  const hashes = [...new Set(logs.map((log) => log.transactionHash))];
  return hashes.map(shortHash).join(", ");
}
