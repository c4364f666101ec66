/**
 * Evaluating access control conditions against the chain for an authenticated user, as Lit's nodes
 * do (facts from Lit's docs and client: the condition formats, `standardContractType` names,
 * `returnValueTest`, the `:userAddress` / `:currentActionIpfsId` / `:litParam:<name>` parameters).
 *
 * A condition list is `condition (operator condition)*`, where a condition is a condition object or
 * a nested list (a group) and an operator is `{operator: "and" | "or"}`. Operators apply left to
 * right without precedence (group with nested lists), and short-circuit: a condition whose value
 * cannot change the result is not read. At most {@link MAX_CONDITIONS} conditions in all.
 *
 * Supported:
 * - `evmBasic` (`accessControlConditions`): the wallet itself (`standardContractType: ""`,
 *   `method: ""`, the first parameter is the value tested), native balance (`method:
 *   "eth_getBalance"`), `timestamp` (`eth_getBlockByNumber`: the latest block's timestamp), `ERC20`
 *   `balanceOf`, `ERC721` `balanceOf` / `ownerOf`, `ERC1155` `balanceOf` / `balanceOfBatch`, and Lit
 *   Actions (`standardContractType: "LitAction"`, `contractAddress: "ipfs://<CID>"`: the action's
 *   function `method` is called with `parameters` and its return value tested);
 * - `evmContract` (`evmContractConditions`): any `view`/`pure` function by its ABI fragment, the
 *   output chosen by `returnValueTest.key` (`""`: the first);
 * - `unifiedAccessControlConditions` of those two kinds (by `conditionType`, or by shape when the
 *   client's canonical form has dropped it).
 *
 * Every read is an `eth_call` (or `eth_getBalance`, `eth_getBlockByNumber`) at the latest block, so a
 * condition that stops holding stops decryption from the next block on. A malformed condition is an
 * InvalidRequestError before anything is read; a call that reverts makes its condition false.
 *
 * Over 400 lines on purpose: one interpreter (parse, read, walk) of one condition language, whose
 * phases share the condition types; split it only if a phase grows.
 */
import {
  AbiCoder,
  FunctionFragment,
  Interface,
  getAddress,
  isAddress,
  isCallException,
  isError,
  type ParamType,
  type Provider,
} from "ethers";
import type { ConditionKind } from "../../crypto/conditions";
import { InternalError, InvalidRequestError, NotPermittedError } from "../errors";
import type { ConditionChains } from "./chains";
import { compare, isComparator, type Comparator, type ConditionValue } from "./compare";

/** Lit's nodes accept at most 30 conditions per request (operators not counted). */
export const MAX_CONDITIONS = 30;

/** What a Lit Action condition asks of the action runner. */
export interface ActionConditionRequest {
  /** The action's IPFS CID (from `ipfs://<CID>`). */
  cid: string;
  /** The function of the action to call. */
  method: string;
  /** Its arguments, with `:userAddress` and the other parameters substituted. */
  parameters: string[];
  userAddress: string;
  chain: string;
}

/** Runs a Lit Action condition; its return value is tested like any condition result. */
export type RunActionCondition = (request: ActionConditionRequest) => Promise<unknown>;

export interface EvaluationContext {
  /** The authenticated requester (EIP-55). */
  userAddress: string;
  chains: ConditionChains;
  /** `:litParam:<name>` values (from the requester's SIWE resources `litParam:<name>:<base64url>`). */
  litParams?: Readonly<Record<string, string>>;
  /** The CID of the Lit Action that asks, when conditions are checked from inside an action. */
  currentActionIpfsId?: string;
  /** Runs Lit Action conditions; without it they are refused as unavailable. */
  runActionCondition?: RunActionCondition;
}

export interface ConditionOutcome {
  /** 1-based position among the condition objects, in order of appearance. */
  index: number;
  description: string;
  passed: boolean;
  /** The value read, when there was one. */
  result?: ConditionValue;
  /** Why it failed, when it did. */
  why?: string;
}

export interface EvaluationResult {
  passed: boolean;
  /** Every condition that was read (short-circuited ones are absent), in order. */
  outcomes: ConditionOutcome[];
}

type Json = Record<string, unknown>;
type Operator = "and" | "or";

interface LeafBase {
  index: number;
  chain: string;
  comparator: Comparator;
  value: string;
  description: string;
}

type EvmBasicLeaf = LeafBase & {
  family: "evmBasic";
  standardContractType: string;
  method: string;
  contractAddress: string;
  parameters: string[];
};

type EvmContractLeaf = LeafBase & {
  family: "evmContract";
  contractAddress: string;
  fragment: FunctionFragment;
  params: string[];
  outputIndex: number;
};

type Leaf = EvmBasicLeaf | EvmContractLeaf;
type Tree = { leaf: Leaf } | { items: Tree[]; ops: Operator[] };

function invalid(message: string, reason = "InvalidConditions"): InvalidRequestError {
  return new InvalidRequestError(message, { reason });
}

function isObj(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function str(c: Json, key: string, where: string): string {
  const v = c[key];
  if (typeof v !== "string") throw invalid(`${where}: ${key} must be a string`);
  return v;
}

function strings(c: Json, key: string, where: string): string[] {
  const v = c[key];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string"))
    throw invalid(`${where}: ${key} must be an array of strings`);
  if (v.length > 32) throw invalid(`${where}: ${key} has more than 32 entries`);
  return v as string[];
}

const CID_V0 = /^Qm[1-9A-HJ-NP-Za-km-z]{44}$/;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;

/** The basic methods each `standardContractType` supports, with their parameter counts. */
const BASIC_METHODS: Readonly<Record<string, Readonly<Record<string, readonly [number, number]>>>> = {
  "": { "": [1, 1], eth_getBalance: [1, 2] },
  timestamp: { eth_getBlockByNumber: [0, 1] },
  ERC20: { balanceOf: [1, 1] },
  ERC721: { balanceOf: [1, 1], ownerOf: [1, 1] },
  ERC1155: { balanceOf: [2, 2], balanceOfBatch: [2, 2] },
};

const ERC_ABI = new Interface([
  "function balanceOf(address) view returns (uint256)",
  "function ownerOf(uint256) view returns (address)",
  "function balanceOfBatch(address[], uint256[]) view returns (uint256[])",
]);
const ERC1155_BALANCE = new Interface(["function balanceOf(address, uint256) view returns (uint256)"]);

function returnValueTest(
  c: Json,
  where: string,
  needsKey: boolean,
): { comparator: Comparator; value: string; key: string } {
  const rvt = c.returnValueTest;
  if (!isObj(rvt)) throw invalid(`${where}: returnValueTest must be an object`);
  if (!isComparator(rvt.comparator))
    throw invalid(`${where}: unknown comparator ${JSON.stringify(rvt.comparator)}`, "UnknownComparator");
  if (typeof rvt.value !== "string") throw invalid(`${where}: returnValueTest.value must be a string`);
  let key = "";
  if (needsKey) {
    if (rvt.key !== undefined && typeof rvt.key !== "string")
      throw invalid(`${where}: returnValueTest.key must be a string`);
    key = (rvt.key as string | undefined) ?? "";
  }
  return { comparator: rvt.comparator, value: rvt.value, key };
}

function checkChain(c: Json, where: string, chains: ConditionChains): string {
  const chain = str(c, "chain", where);
  chains.endpoint(chain); // throws UnknownChain
  return chain;
}

function parseEvmBasic(c: Json, index: number, chains: ConditionChains): EvmBasicLeaf {
  const where = `condition ${index}`;
  const chain = checkChain(c, where, chains);
  const contractAddress = str(c, "contractAddress", where);
  const standardContractType = str(c, "standardContractType", where);
  const method = str(c, "method", where);
  const parameters = strings(c, "parameters", where);
  const { comparator, value } = returnValueTest(c, where, false);
  let description: string;
  if (standardContractType === "LitAction") {
    const m = /^ipfs:\/\/(.*)$/.exec(contractAddress);
    if (!m || !CID_V0.test(m[1]))
      throw invalid(`${where}: a LitAction condition's contractAddress must be ipfs://<CIDv0>`);
    if (!IDENTIFIER.test(method))
      throw invalid(`${where}: a LitAction condition's method must be a function name`);
    description = `Lit Action ${m[1]} ${method}(${parameters.join(", ")})`;
  } else {
    const methods = BASIC_METHODS[standardContractType];
    if (methods === undefined)
      throw invalid(
        `${where}: standardContractType ${JSON.stringify(standardContractType)} is not supported (supported: "", timestamp, ERC20, ERC721, ERC1155, LitAction)`,
        "UnsupportedCondition",
      );
    const counts = methods[method];
    if (counts === undefined)
      throw invalid(
        `${where}: method ${JSON.stringify(method)} is not supported for standardContractType ${JSON.stringify(standardContractType)}`,
        "UnsupportedCondition",
      );
    if (parameters.length < counts[0] || parameters.length > counts[1])
      throw invalid(`${where}: ${method || "the wallet test"} takes ${counts[0]}..${counts[1]} parameters`);
    const onContract = standardContractType.startsWith("ERC");
    if (onContract && !isAddress(contractAddress))
      throw invalid(`${where}: contractAddress must be an Ethereum address`);
    if (method === "eth_getBalance" && parameters[1] !== undefined && parameters[1] !== "latest")
      throw invalid(`${where}: eth_getBalance reads the latest block only`);
    if (method === "eth_getBlockByNumber" && parameters[0] !== undefined && parameters[0] !== "latest")
      throw invalid(`${where}: the timestamp condition reads the latest block only`);
    description =
      method === ""
        ? `wallet ${parameters[0]}`
        : `${standardContractType ? `${standardContractType} ` : ""}${method}(${parameters.join(", ")})${onContract ? ` on ${contractAddress}` : ""}`;
  }
  return {
    family: "evmBasic",
    index,
    chain,
    contractAddress,
    standardContractType,
    method,
    parameters,
    comparator,
    value,
    description: `#${index} ${description} on ${chain}`,
  };
}

function checkParamType(p: ParamType, where: string): void {
  if (p.isTuple()) throw invalid(`${where}: tuple parameters are not supported`, "BadAbi");
  if (p.isArray()) {
    if (p.arrayChildren.isArray() || p.arrayChildren.isTuple())
      throw invalid(`${where}: nested arrays are not supported`, "BadAbi");
  }
}

function parseEvmContract(c: Json, index: number, chains: ConditionChains): EvmContractLeaf {
  const where = `condition ${index}`;
  const chain = checkChain(c, where, chains);
  const contractAddress = str(c, "contractAddress", where);
  if (!isAddress(contractAddress)) throw invalid(`${where}: contractAddress must be an Ethereum address`);
  const functionName = str(c, "functionName", where);
  const params = strings(c, "functionParams", where);
  const abi = c.functionAbi;
  if (!isObj(abi)) throw invalid(`${where}: functionAbi must be an object`, "BadAbi");
  let fragment: FunctionFragment;
  try {
    fragment = FunctionFragment.from({
      type: "function",
      name: abi.name,
      inputs: abi.inputs,
      outputs: abi.outputs,
      stateMutability: abi.stateMutability,
    });
  } catch (e) {
    throw invalid(
      `${where}: functionAbi is not a valid function ABI: ${(e as Error).message.split(" (")[0]}`,
      "BadAbi",
    );
  }
  if (fragment.name !== functionName)
    throw invalid(`${where}: functionName ${functionName} is not the ABI's ${fragment.name}`, "BadAbi");
  if (fragment.stateMutability !== "view" && fragment.stateMutability !== "pure")
    throw invalid(`${where}: only view or pure functions can be conditions`, "BadAbi");
  if (fragment.outputs.length === 0) throw invalid(`${where}: the function has no outputs`, "BadAbi");
  if (params.length !== fragment.inputs.length)
    throw invalid(
      `${where}: ${functionName} takes ${fragment.inputs.length} parameters, got ${params.length}`,
    );
  fragment.inputs.forEach((p) => checkParamType(p, where));
  const { comparator, value, key } = returnValueTest(c, where, true);
  const outputIndex = key === "" ? 0 : fragment.outputs.findIndex((o) => o.name === key);
  if (outputIndex < 0)
    throw invalid(`${where}: ${functionName} has no output named ${JSON.stringify(key)}`, "BadAbi");
  return {
    family: "evmContract",
    index,
    chain,
    contractAddress: getAddress(contractAddress),
    fragment,
    params,
    outputIndex,
    comparator,
    value,
    description: `#${index} ${functionName}(${params.join(", ")}) on ${contractAddress} on ${chain}`,
  };
}

/** The kind of a unified condition: its `conditionType`, or its shape (Lit's canonical form drops the type). */
export function unifiedConditionType(c: Json): string {
  if (typeof c.conditionType === "string") return c.conditionType;
  if ("functionAbi" in c || "functionName" in c) return "evmContract";
  if ("pdaParams" in c || "pdaInterface" in c) return "solRpc";
  if ("path" in c) return "cosmos";
  if ("standardContractType" in c) return "evmBasic";
  return "unknown";
}

function parseLeaf(kind: ConditionKind, c: Json, index: number, chains: ConditionChains): Leaf {
  const family =
    kind === "accessControlConditions"
      ? "evmBasic"
      : kind === "evmContractConditions"
        ? "evmContract"
        : kind === "solRpcConditions"
          ? "solRpc"
          : unifiedConditionType(c);
  if (family === "evmBasic") return parseEvmBasic(c, index, chains);
  if (family === "evmContract") return parseEvmContract(c, index, chains);
  if (family === "solRpc" || family === "cosmos")
    throw invalid(
      `condition ${index}: ${family} conditions are not supported (EVM chains only)`,
      "UnsupportedCondition",
    );
  throw invalid(`condition ${index}: unknown conditionType ${JSON.stringify(c.conditionType)}`);
}

/**
 * Checks the structure of a condition list (grammar, operators, at most 30 conditions, every
 * condition well-formed and on a known chain) without reading anything.
 */
export function prepareConditions(
  kind: ConditionKind,
  conditions: readonly unknown[],
  chains: ConditionChains,
): Tree {
  let count = 0;
  const walk = (list: readonly unknown[], depth: number): Tree => {
    if (depth > 8) throw invalid("conditions are nested more than 8 deep");
    if (list.length === 0) throw invalid("a condition group is empty");
    if (list.length % 2 === 0)
      throw invalid(
        "a condition list must be condition, operator, condition, … (it starts and ends with a condition)",
      );
    const items: Tree[] = [];
    const ops: Operator[] = [];
    list.forEach((entry, k) => {
      if (k % 2 === 1) {
        if (!isObj(entry) || !("operator" in entry))
          throw invalid(
            `expected an operator between conditions, got ${JSON.stringify(entry)?.slice(0, 80)}`,
          );
        if (entry.operator !== "and" && entry.operator !== "or")
          throw invalid(`unknown operator ${JSON.stringify(entry.operator)} (and, or)`, "UnknownOperator");
        ops.push(entry.operator);
        return;
      }
      if (Array.isArray(entry)) {
        items.push(walk(entry, depth + 1));
        return;
      }
      if (!isObj(entry) || "operator" in entry)
        throw invalid(`expected a condition, got ${JSON.stringify(entry)?.slice(0, 80)}`);
      count += 1;
      if (count > MAX_CONDITIONS)
        throw invalid(`more than ${MAX_CONDITIONS} conditions`, "TooManyConditions");
      items.push({ leaf: parseLeaf(kind, entry, count, chains) });
    });
    return { items, ops };
  };
  if (!Array.isArray(conditions)) throw invalid("conditions must be an array");
  return walk(conditions, 0);
}

// ---------------------------------------------------------------------------------------------
// Reading

function substitute(raw: string, ctx: EvaluationContext, where: string): string {
  if (raw === ":userAddress") return ctx.userAddress;
  if (raw === ":currentActionIpfsId") {
    if (ctx.currentActionIpfsId === undefined)
      throw invalid(`${where}: :currentActionIpfsId is only defined inside a Lit Action`, "MissingParameter");
    return ctx.currentActionIpfsId;
  }
  if (raw.startsWith(":litParam:")) {
    const name = raw.slice(":litParam:".length);
    const v = ctx.litParams?.[name];
    if (v === undefined)
      throw invalid(
        `${where}: no value for ${raw} (a SIWE resource litParam:${name}:<base64url>)`,
        "MissingParameter",
      );
    return v;
  }
  return raw;
}

function normalise(v: unknown): ConditionValue {
  if (typeof v === "bigint" || typeof v === "number") return v.toString();
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return "0x" + Buffer.from(v).toString("hex");
  if (Array.isArray(v)) return v.map(normalise);
  if (v === null || v === undefined) return "";
  return JSON.stringify(v);
}

function toAddress(v: string, where: string): string {
  if (!isAddress(v))
    throw invalid(`${where}: ${JSON.stringify(v)} is not an Ethereum address`, "BadParameter");
  return getAddress(v);
}

function toInteger(v: string, where: string): bigint {
  if (!/^(\d+|0x[0-9a-fA-F]+)$/.test(v))
    throw invalid(`${where}: ${JSON.stringify(v)} is not an integer`, "BadParameter");
  return BigInt(v);
}

/** A function parameter from its string form (arrays as `[a,b]`, bytes as hex with or without 0x). */
function abiValue(type: ParamType, raw: string, ctx: EvaluationContext, where: string): unknown {
  if (type.isArray()) {
    const s = raw.trim();
    if (!s.startsWith("[") || !s.endsWith("]"))
      throw invalid(
        `${where}: an array parameter is written [a,b,…], got ${JSON.stringify(raw)}`,
        "BadParameter",
      );
    const inner = s.slice(1, -1).trim();
    const parts = inner === "" ? [] : inner.split(",").map((x) => x.trim());
    return parts.map((p) => abiValue(type.arrayChildren, substitute(p, ctx, where), ctx, where));
  }
  const base = type.baseType;
  if (base === "address") return toAddress(raw, where);
  if (base.startsWith("uint") || base.startsWith("int")) {
    if (!/^-?(\d+|0x[0-9a-fA-F]+)$/.test(raw))
      throw invalid(`${where}: ${JSON.stringify(raw)} is not an integer`, "BadParameter");
    return raw.startsWith("-") ? -BigInt(raw.slice(1)) : BigInt(raw);
  }
  if (base === "bool") {
    if (raw !== "true" && raw !== "false") throw invalid(`${where}: a bool is true or false`, "BadParameter");
    return raw === "true";
  }
  if (base.startsWith("bytes")) {
    const hex = raw.startsWith("0x") ? raw : `0x${raw}`;
    if (!/^0x([0-9a-fA-F]{2})*$/.test(hex))
      throw invalid(`${where}: ${JSON.stringify(raw)} is not hex bytes`, "BadParameter");
    return hex;
  }
  return raw;
}

interface Read {
  result?: ConditionValue;
  /** Set when the condition is false without a value to test (a reverted call). */
  failed?: string;
}

async function ethCall(
  provider: Provider,
  to: string,
  data: string,
  where: string,
): Promise<string | undefined> {
  try {
    return await provider.call({ to, data, blockTag: "latest" });
  } catch (e) {
    if (isCallException(e)) return undefined;
    throw new InternalError(`${where}: the chain could not be read`, {
      reason: "ChainUnavailable",
      cause: e,
    });
  }
}

async function readEvmBasic(leaf: EvmBasicLeaf, ctx: EvaluationContext): Promise<Read> {
  const where = `condition ${leaf.index}`;
  const params = leaf.parameters.map((p) => substitute(p, ctx, where));
  if (leaf.standardContractType === "LitAction") {
    if (ctx.runActionCondition === undefined)
      throw invalid(
        `${where}: Lit Action conditions are not available on this node (running Lit Actions is not built yet)`,
        "LitActionConditionsUnavailable",
      );
    const cid = leaf.contractAddress.slice("ipfs://".length);
    let value: unknown;
    try {
      value = await ctx.runActionCondition({
        cid,
        method: leaf.method,
        parameters: params,
        userAddress: ctx.userAddress,
        chain: leaf.chain,
      });
    } catch (e) {
      return { failed: `the Lit Action failed: ${(e as Error).message}` };
    }
    return { result: normalise(value) };
  }
  const provider = ctx.chains.provider(leaf.chain);
  const chainRead = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw new InternalError(`${where}: the chain could not be read`, {
        reason: "ChainUnavailable",
        cause: e,
      });
    }
  };
  switch (`${leaf.standardContractType}/${leaf.method}`) {
    case "/":
      return { result: params[0] };
    case "/eth_getBalance": {
      const address = toAddress(params[0], where);
      return { result: (await chainRead(() => provider.getBalance(address, "latest"))).toString() };
    }
    case "timestamp/eth_getBlockByNumber": {
      const block = await chainRead(() => provider.getBlock("latest"));
      return { result: String(block?.timestamp ?? 0) };
    }
    default:
      break;
  }
  let data: string;
  let decode: (ret: string) => unknown;
  const to = getAddress(leaf.contractAddress);
  if (leaf.method === "balanceOf" && leaf.standardContractType === "ERC1155") {
    data = ERC1155_BALANCE.encodeFunctionData("balanceOf", [
      toAddress(params[0], where),
      toInteger(params[1], where),
    ]);
    decode = (ret) => ERC1155_BALANCE.decodeFunctionResult("balanceOf", ret)[0];
  } else if (leaf.method === "balanceOfBatch") {
    const addresses = params[0].split(",").map((a) => toAddress(substitute(a.trim(), ctx, where), where));
    const ids = params[1].split(",").map((i) => toInteger(substitute(i.trim(), ctx, where), where));
    if (addresses.length !== ids.length)
      throw invalid(`${where}: balanceOfBatch needs as many ids as addresses`, "BadParameter");
    data = ERC_ABI.encodeFunctionData("balanceOfBatch", [addresses, ids]);
    decode = (ret) => ERC_ABI.decodeFunctionResult("balanceOfBatch", ret)[0];
  } else if (leaf.method === "ownerOf") {
    data = ERC_ABI.encodeFunctionData("ownerOf", [toInteger(params[0], where)]);
    decode = (ret) => ERC_ABI.decodeFunctionResult("ownerOf", ret)[0];
  } else {
    data = ERC_ABI.encodeFunctionData("balanceOf", [toAddress(params[0], where)]);
    decode = (ret) => ERC_ABI.decodeFunctionResult("balanceOf", ret)[0];
  }
  const ret = await ethCall(provider, to, data, where);
  if (ret === undefined) return { failed: "the call reverted" };
  try {
    return { result: normalise(decode(ret)) };
  } catch {
    return { failed: "the call returned no valid data (no such contract?)" };
  }
}

async function readEvmContract(leaf: EvmContractLeaf, ctx: EvaluationContext): Promise<Read> {
  const where = `condition ${leaf.index}`;
  const args = leaf.fragment.inputs.map((p, k) =>
    abiValue(p, substitute(leaf.params[k], ctx, where), ctx, where),
  );
  const iface = new Interface([leaf.fragment]);
  let data: string;
  try {
    data = iface.encodeFunctionData(leaf.fragment, args);
  } catch (e) {
    throw invalid(
      `${where}: functionParams do not encode: ${(e as Error).message.split(" (")[0]}`,
      "BadParameter",
    );
  }
  const ret = await ethCall(ctx.chains.provider(leaf.chain), leaf.contractAddress, data, where);
  if (ret === undefined) return { failed: "the call reverted" };
  try {
    const decoded = AbiCoder.defaultAbiCoder().decode(leaf.fragment.outputs, ret);
    return { result: normalise(decoded[leaf.outputIndex]) };
  } catch (e) {
    if (isError(e, "BAD_DATA") || isError(e, "BUFFER_OVERRUN") || e instanceof Error)
      return { failed: "the call returned no valid data for the ABI (no such contract?)" };
    throw e;
  }
}

async function evaluateLeaf(leaf: Leaf, ctx: EvaluationContext): Promise<ConditionOutcome> {
  const read = leaf.family === "evmBasic" ? await readEvmBasic(leaf, ctx) : await readEvmContract(leaf, ctx);
  const base = { index: leaf.index, description: leaf.description };
  if (read.failed !== undefined) return { ...base, passed: false, why: read.failed };
  const expected = substitute(leaf.value, ctx, `condition ${leaf.index}`);
  const passed = compare(read.result!, leaf.comparator, expected);
  return {
    ...base,
    passed,
    result: read.result,
    why: passed
      ? undefined
      : `returned ${JSON.stringify(read.result)}, needs ${leaf.comparator} ${JSON.stringify(expected)}`,
  };
}

async function evaluateTree(
  tree: Tree,
  ctx: EvaluationContext,
  outcomes: ConditionOutcome[],
): Promise<boolean> {
  if ("leaf" in tree) {
    const outcome = await evaluateLeaf(tree.leaf, ctx);
    outcomes.push(outcome);
    return outcome.passed;
  }
  let acc = await evaluateTree(tree.items[0], ctx, outcomes);
  for (let k = 1; k < tree.items.length; k++) {
    const op = tree.ops[k - 1];
    if ((op === "and" && !acc) || (op === "or" && acc)) continue;
    acc = await evaluateTree(tree.items[k], ctx, outcomes);
  }
  return acc;
}

/** Evaluates the conditions for `ctx.userAddress` at the latest block. */
export async function evaluateConditions(
  kind: ConditionKind,
  conditions: readonly unknown[],
  ctx: EvaluationContext,
): Promise<EvaluationResult> {
  const tree = prepareConditions(kind, conditions, ctx.chains);
  const outcomes: ConditionOutcome[] = [];
  const passed = await evaluateTree(tree, ctx, outcomes);
  return { passed, outcomes };
}

/**
 * Evaluates and refuses (NotPermittedError, reason `ConditionsNotMet`, the failed conditions in the
 * message and details) unless the conditions hold.
 */
export async function checkConditions(
  kind: ConditionKind,
  conditions: readonly unknown[],
  ctx: EvaluationContext,
): Promise<EvaluationResult> {
  const result = await evaluateConditions(kind, conditions, ctx);
  if (!result.passed) {
    const failed = result.outcomes.filter((o) => !o.passed).map((o) => `${o.description}: ${o.why}`);
    throw new NotPermittedError(`the access control conditions are not met for ${ctx.userAddress}`, {
      reason: "ConditionsNotMet",
      details: failed,
    });
  }
  return result;
}
