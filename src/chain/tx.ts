/**
 * Sending transactions and reading calls with reverts turned into ContractRevertError, whose message
 * names the decoded custom error and its arguments ("PKPPermissions.addPermittedAction reverted with
 * PKPPermissionsNotOwner(0x…, 42)").
 */
import type { BaseContract, ContractTransactionResponse, Interface, TransactionReceipt } from "ethers";

import { ChainError, ContractRevertError } from "./errors";

/** Finds revert data (0x…) anywhere in an error from ethers or a Hardhat provider. */
function revertData(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof error !== "object" || error === null) return undefined;
  const record = error as Record<string, unknown>;
  const data = record.data;
  if (typeof data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(data)) return data;
  for (const key of ["error", "info", "cause", "revert"]) {
    const found = revertData(record[key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Decodes an error's revert data with the given interfaces (first match wins). */
export function decodeRevert(
  error: unknown,
  interfaces: readonly Interface[],
): { name: string; args: readonly unknown[] } | undefined {
  if (typeof error === "object" && error !== null) {
    const revert = (error as { revert?: { name?: unknown; args?: unknown } }).revert;
    if (revert !== undefined && revert !== null && typeof revert.name === "string") {
      return { name: revert.name, args: Array.isArray(revert.args) ? [...(revert.args as unknown[])] : [] };
    }
  }
  const data = revertData(error);
  if (data === undefined) return undefined;
  for (const iface of interfaces) {
    try {
      const parsed = iface.parseError(data);
      if (parsed !== null) return { name: parsed.name, args: [...parsed.args] };
    } catch {
      // not this interface
    }
  }
  return undefined;
}

function isRevert(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const record = error as { code?: unknown; message?: unknown };
  return (
    record.code === "CALL_EXCEPTION" ||
    revertData(error) !== undefined ||
    (typeof record.message === "string" && /revert/i.test(record.message))
  );
}

/** Runs a contract call or transaction; a revert becomes a ContractRevertError. */
export async function call<T>(
  contract: { name: string; instance: BaseContract },
  method: string,
  run: () => Promise<T>,
  extraInterfaces: readonly Interface[] = [],
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!isRevert(error)) throw error;
    const decoded = decodeRevert(error, [contract.instance.interface, ...extraInterfaces]);
    throw new ContractRevertError(contract.name, method, decoded?.name, decoded?.args ?? [], {
      cause: error,
    });
  }
}

/** Waits for a sent transaction and returns its receipt (refusing a failed one). */
export async function mined(
  response: ContractTransactionResponse,
  what: string,
): Promise<TransactionReceipt> {
  const receipt = await response.wait();
  if (receipt === null || receipt.status !== 1)
    throw new ChainError(`${what}: transaction ${response.hash} failed`);
  return receipt;
}

/** A transaction's summary as tasks print it. */
export interface TxSummary {
  readonly txHash: string;
  readonly blockNumber: number;
  readonly gasUsed: string;
}

export function summary(receipt: TransactionReceipt): TxSummary {
  return { txHash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed.toString() };
}
