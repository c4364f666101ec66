/**
 * Running a Lit Action on every node (`/web/execute/v1`, Lit's v7 shapes): the same `X-Request-Id`
 * to every node, one session signature per node; the response and logs most nodes agree on; for each
 * `signedData` entry, the shares of the nodes that agree on what was signed (2t+1 at least) verified
 * and combined into a signature that recovers to the PKP; every node that failed, disagreed or gave a
 * wrong share is reported by URL.
 *
 * There is no retry: an action may have effects (fetches, transactions), so running it again is the
 * caller's decision. The session must grant `Threshold/Execution` on `lit-litaction://<cid>` or `*`
 * (and, for signing as the requester, `Threshold/Signing` on the PKP).
 *
 * Over 400 lines: one client action (fan out, majority response, per-sigName combine, culprits).
 */
import { getBytes } from "ethers";

import { cidOf, isCid } from "../protocol/cid";
import type { NetworkClient } from "./connect";
import { majority } from "./connect";
import { InvalidArgumentError, SdkError, type NodeFailure } from "./errors";
import { fanOut, newRequestId } from "./http";
import { ROUTES, requestEntropy, type AnswerOf } from "../protocol";
import type { SessionSigs } from "./session";
import { combineNodeShares, unquote, type CombinedSignature, type NodeSignatureShare } from "./shares";
import type { ShareCulprit } from "./signErrors";

export interface ExecuteJsParameters {
  client: NetworkClient;
  /** One session signature per node URL (see `getSessionSigs`). */
  sessionSigs: SessionSigs;
  /** The action's code (sent base64, the nodes compute its CID) … */
  code?: string | Uint8Array;
  /** … or its IPFS CIDv0 (the nodes fetch it from their gateway and check it hashes to the CID). */
  ipfsId?: string;
  /** Parameters: `jsParams` inside the action, and each as a global. Typed arrays are sent as arrays. */
  jsParams?: Record<string, unknown>;
  /** Per-node timeout (default 120 s: a node that starts its sandbox workers on first use can be slow to answer on a loaded machine). */
  timeoutMs?: number;
  /** Verify every share before combining (default true). */
  verifyShares?: boolean;
}

/** A node whose answer differs from what most nodes answered. */
export interface NodeDisagreement {
  url: string;
  field: "success" | "response" | "logs" | "error" | "cid" | `signedData.${string}`;
  /** What this node answered (shortened). */
  value: string;
  /** What most nodes answered (shortened). */
  majority: string;
}

export interface ExecuteJsReturnType {
  requestId: string;
  /** The action's CIDv0. */
  cid: string;
  /** The response most nodes agree on, parsed as JSON when it is JSON (as Lit's client does). */
  response: unknown;
  /** The same response as the nodes sent it. */
  responseText: string;
  logs: string;
  /** Combined signatures by sigName. */
  signatures: Record<string, CombinedSignature>;
  /** `claimData` most nodes agree on (Lit's `claimKey`). */
  claimData: Record<string, unknown>;
  /** How many nodes gave the agreed response. */
  agreed: number;
  disagreements: NodeDisagreement[];
  failures: NodeFailure[];
  culprits: ShareCulprit[];
}

/** Why one signature could not be made. */
export interface SignatureFailure {
  sigName: string;
  reason: string;
}

/** An execute answer as the SDK accepts it (src/protocol/wire.ts): every field optional, each typed. */
type ExecuteAnswer = AnswerOf<"execute">;

/** Running the action failed at the network level; lists each failed node, disagreement and culprit. */
export class ExecuteJsError extends SdkError {
  override name = "ExecuteJsError";
  readonly requestId: string;
  readonly failures: readonly NodeFailure[];
  readonly disagreements: readonly NodeDisagreement[];
  readonly culprits: readonly ShareCulprit[];
  readonly signatureFailures: readonly SignatureFailure[];
  /** The agreed response and logs when there were (signing failed after the action ran). */
  readonly response?: unknown;
  readonly logs?: string;

  constructor(args: {
    message: string;
    requestId: string;
    failures?: readonly NodeFailure[];
    disagreements?: readonly NodeDisagreement[];
    culprits?: readonly ShareCulprit[];
    signatureFailures?: readonly SignatureFailure[];
    response?: unknown;
    logs?: string;
  }) {
    const failures = args.failures ?? [];
    const disagreements = args.disagreements ?? [];
    const culprits = args.culprits ?? [];
    const signatureFailures = args.signatureFailures ?? [];
    super(args.message, {
      details: [
        ...signatureFailures.map((f) => `signature "${f.sigName}": ${f.reason}`),
        ...failures.map(
          (f) => `${f.url}: ${f.status === undefined ? "" : `${f.status} `}${f.code}: ${f.reason}`,
        ),
        ...disagreements.map((d) => `${d.url} disagrees on ${d.field}: ${d.value} (most: ${d.majority})`),
        ...culprits.map((c) => `${c.url} (index ${c.index}) returned a wrong share: ${c.reason}`),
        `request ${args.requestId}`,
      ],
    });
    this.requestId = args.requestId;
    this.failures = failures;
    this.disagreements = disagreements;
    this.culprits = culprits;
    this.signatureFailures = signatureFailures;
    this.response = args.response;
    this.logs = args.logs;
  }
}

/** Most nodes ran the action and agree that it failed (it threw, timed out, broke a limit, was refused a share). */
export class LitActionError extends SdkError {
  override name = "LitActionError";
  readonly requestId: string;
  /** The nodes' error, e.g. `"Timeout: …"`. */
  readonly actionError: string;
  readonly logs: string;
  readonly agreed: number;
  readonly failures: readonly NodeFailure[];
  readonly disagreements: readonly NodeDisagreement[];

  constructor(args: {
    requestId: string;
    actionError: string;
    logs: string;
    agreed: number;
    failures: readonly NodeFailure[];
    disagreements: readonly NodeDisagreement[];
  }) {
    super(`the action failed on ${args.agreed} nodes: ${args.actionError}`, {
      details: [
        ...(args.logs ? [`logs: ${short(args.logs, 500)}`] : []),
        ...args.failures.map(
          (f) => `${f.url}: ${f.status === undefined ? "" : `${f.status} `}${f.code}: ${f.reason}`,
        ),
        ...args.disagreements.map((d) => `${d.url} disagrees on ${d.field}: ${d.value}`),
        `request ${args.requestId}`,
      ],
    });
    this.requestId = args.requestId;
    this.actionError = args.actionError;
    this.logs = args.logs;
    this.agreed = args.agreed;
    this.failures = args.failures;
    this.disagreements = args.disagreements;
  }
}

function short(v: string, max = 120): string {
  return v.length > max ? `${v.slice(0, max)}… (${v.length} chars)` : v;
}

/** Lit's client: the response parsed as JSON when it is JSON, else the string. */
function parseAsJsonOrString(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Typed arrays become plain arrays (Lit's `normalizeJsParams`); the result must survive JSON. */
function normalizeJsParams(value: unknown, where = "jsParams"): unknown {
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map((v, i) => normalizeJsParams(v, `${where}[${i}]`));
  if (typeof value === "bigint")
    throw new InvalidArgumentError(where, "a bigint cannot be sent as JSON; pass a string");
  if (typeof value === "function" || typeof value === "symbol")
    throw new InvalidArgumentError(where, `a ${typeof value} cannot be sent as JSON`);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalizeJsParams(v, `${where}.${k}`);
    return out;
  }
  return value;
}

async function resolveAction(
  p: ExecuteJsParameters,
): Promise<{ cid: string; body: Record<string, unknown> }> {
  const hasCode = p.code !== undefined;
  const hasCid = p.ipfsId !== undefined;
  if (hasCode === hasCid) throw new InvalidArgumentError("code", "give exactly one of code and ipfsId");
  if (hasCid) {
    if (typeof p.ipfsId !== "string" || !isCid(p.ipfsId))
      throw new InvalidArgumentError("ipfsId", `not a CIDv0: ${JSON.stringify(p.ipfsId)}`);
    return { cid: p.ipfsId, body: { ipfsId: p.ipfsId } };
  }
  const bytes = typeof p.code === "string" ? new TextEncoder().encode(p.code) : p.code;
  if (!(bytes instanceof Uint8Array) || bytes.length === 0)
    throw new InvalidArgumentError("code", "must be a non-empty string or bytes");
  return { cid: await cidOf(bytes), body: { code: Buffer.from(bytes).toString("base64") } };
}

export async function executeJs(p: ExecuteJsParameters): Promise<ExecuteJsReturnType> {
  const { client } = p;
  const action = await resolveAction(p);
  let jsParams: unknown;
  if (p.jsParams !== undefined) {
    if (typeof p.jsParams !== "object" || p.jsParams === null || Array.isArray(p.jsParams))
      throw new InvalidArgumentError("jsParams", "must be an object");
    jsParams = normalizeJsParams(p.jsParams);
  }
  const requestId = newRequestId();
  const failures: NodeFailure[] = [];
  const answers = await fanOut(
    client.nodes,
    p.sessionSigs,
    ROUTES.execute,
    (authSig) => ({
      ...action.body,
      ...(jsParams === undefined ? {} : { jsParams }),
      authSig,
      epoch: Number(client.epoch.number),
    }),
    { requestId, timeoutMs: p.timeoutMs ?? 120_000 },
  );
  const ok: { url: string; index: number; body: ExecuteAnswer }[] = [];
  const indexOf = new Map(client.nodes.map((x) => [x.url, x.index]));
  for (const a of answers) {
    if (!a.ok) failures.push(a.failure);
    else if (typeof a.body !== "object" || a.body === null)
      failures.push({ url: a.url, status: 200, code: "BadResponse", reason: "the answer is not an object" });
    else ok.push({ url: a.url, index: indexOf.get(a.url) ?? 0, body: a.body });
  }
  if (ok.length < client.quorum) {
    throw new ExecuteJsError({
      message: `the action ran on ${ok.length} nodes, need ${client.quorum} of ${client.n}`,
      requestId,
      failures,
    });
  }

  // What most nodes agree on: the outcome (success, response, error) as a whole, then the logs.
  const disagreements: NodeDisagreement[] = [];
  const text = (v: unknown) => (typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v));
  const outcomeKey = (b: ExecuteAnswer) =>
    JSON.stringify([b.success === true, text(b.response), b.success === true ? "" : text(b.error)]);
  const agreedOutcome = majority(ok, (a) => outcomeKey(a.body))!;
  const top = agreedOutcome.value.body;
  for (const a of ok) {
    if (outcomeKey(a.body) === outcomeKey(top)) continue;
    const field: NodeDisagreement["field"] =
      (a.body.success === true) !== (top.success === true)
        ? "success"
        : text(a.body.response) !== text(top.response)
          ? "response"
          : "error";
    const pick = (b: ExecuteAnswer) =>
      field === "success"
        ? String(b.success === true)
        : field === "response"
          ? text(b.response)
          : text(b.error);
    disagreements.push({ url: a.url, field, value: short(pick(a.body)), majority: short(pick(top)) });
  }
  const logs = majority(ok.map((a) => text(a.body.logs)))!.value;
  for (const a of ok)
    if (text(a.body.logs) !== logs)
      disagreements.push({
        url: a.url,
        field: "logs",
        value: short(text(a.body.logs)),
        majority: short(logs),
      });
  for (const a of ok) {
    const cid = a.body.pkpNetwork?.cid;
    if (typeof cid === "string" && cid !== "" && cid !== action.cid)
      disagreements.push({ url: a.url, field: "cid", value: cid, majority: action.cid });
  }
  const agreeing = ok.filter((a) => outcomeKey(a.body) === outcomeKey(top));
  if (agreedOutcome.count < client.quorum) {
    throw new ExecuteJsError({
      message: `no ${client.quorum} nodes agree on the action's outcome (at most ${agreedOutcome.count} of ${ok.length} do)`,
      requestId,
      failures,
      disagreements,
    });
  }
  if (top.success !== true) {
    throw new LitActionError({
      requestId,
      actionError: text(top.error) || "the action failed",
      logs,
      agreed: agreedOutcome.count,
      failures,
      disagreements,
    });
  }

  // Signatures: per sigName, the nodes agreeing on the outcome and on what was signed.
  const culprits: ShareCulprit[] = [];
  const signatureFailures: SignatureFailure[] = [];
  const signatures: Record<string, CombinedSignature> = {};
  const sigNames = [...new Set(agreeing.flatMap((a) => Object.keys(a.body.signedData ?? {})))].sort();
  for (const sigName of sigNames) {
    const entries = agreeing
      .map((a) => ({ a, e: a.body.signedData?.[sigName] }))
      .filter(
        (x): x is { a: (typeof agreeing)[number]; e: NonNullable<typeof x.e> } =>
          typeof x.e === "object" && x.e !== null,
      );
    const digestOf = (e: Record<string, unknown>) => unquote(e.dataSigned).toLowerCase().replace(/^0x/, "");
    const agreedDigest = majority(entries.map((x) => digestOf(x.e)));
    if (
      agreedDigest === undefined ||
      agreedDigest.count < client.quorum ||
      !/^[0-9a-f]{64}$/.test(agreedDigest.value)
    ) {
      signatureFailures.push({
        sigName,
        reason: `no ${client.quorum} nodes agree on the signed data (at most ${agreedDigest?.count ?? 0})`,
      });
    }
    for (const x of entries) {
      if (agreedDigest !== undefined && digestOf(x.e) !== agreedDigest.value)
        disagreements.push({
          url: x.a.url,
          field: `signedData.${sigName}`,
          value: digestOf(x.e),
          majority: agreedDigest.value,
        });
    }
    if (signatureFailures.some((f) => f.sigName === sigName)) continue;
    const digest = getBytes("0x" + agreedDigest!.value);
    const shares: NodeSignatureShare[] = entries
      .filter((x) => digestOf(x.e) === agreedDigest!.value && unquote(x.e.signatureShare) !== "")
      .map((x) => ({
        url: x.a.url,
        index: x.a.index,
        signatureShare: unquote(x.e.signatureShare),
        bigR: unquote(x.e.bigR),
        publicKey: unquote(x.e.publicKey),
        dataSigned: agreedDigest!.value,
        verification: x.a.body.pkpNetwork?.signedData?.[sigName],
      }));
    const publicKey = majority(shares.map((s) => s.publicKey.toLowerCase().replace(/^0x/, "")));
    if (publicKey === undefined) {
      signatureFailures.push({ sigName, reason: "no node returned a share" });
      continue;
    }
    for (const s of shares)
      if (s.publicKey.toLowerCase().replace(/^0x/, "") !== publicKey.value)
        culprits.push({
          url: s.url,
          index: s.index,
          reason: `share for another key ${short(s.publicKey, 20)}`,
        });
    const outcome = combineNodeShares(
      shares.filter((s) => s.publicKey.toLowerCase().replace(/^0x/, "") === publicKey.value),
      {
        digest,
        publicKey: publicKey.value,
        t: client.t,
        entropy: requestEntropy(requestId, sigName),
        verify: p.verifyShares,
      },
    );
    culprits.push(...outcome.culprits);
    for (const index of outcome.missing) {
      const url = client.nodes.find((x) => x.index === index)?.url ?? `index ${index}`;
      failures.push({
        url,
        code: "MissingShare",
        reason: `in the signing set of "${sigName}" but gave no share`,
      });
    }
    if (outcome.signature) signatures[sigName] = outcome.signature;
    else signatureFailures.push({ sigName, reason: outcome.error ?? "the shares could not be combined" });
  }
  const responseText = text(top.response);
  if (signatureFailures.length > 0) {
    throw new ExecuteJsError({
      message: `the action ran, but ${signatureFailures.length} of ${sigNames.length} signatures could not be made`,
      requestId,
      failures,
      disagreements,
      culprits,
      signatureFailures,
      response: parseAsJsonOrString(responseText),
      logs,
    });
  }
  return {
    requestId,
    cid: action.cid,
    response: parseAsJsonOrString(responseText),
    responseText,
    logs,
    signatures,
    claimData: top.claimData ?? {},
    agreed: agreedOutcome.count,
    disagreements,
    failures,
    culprits,
  };
}

export type { CombinedSignature } from "./shares";
