/**
 * `encrypt` and `decrypt` against a network started by network:start. `encrypt` writes (or prints) an
 * encrypted bundle `{ciphertext, dataToEncryptHash, <condition kind>: [...], chain}`; `decrypt` reads
 * one and has the nodes decrypt it for --from (a session signature for `Threshold/Decryption`).
 */
import { existsSync, writeFileSync } from "node:fs";
import { task } from "hardhat/config";

import { CONDITION_KINDS, type ConditionKind } from "../src/crypto/conditions";
import { openNetwork } from "../src/network/open";
import { InvalidArgumentError } from "../src/sdk/errors";
import {
  LOCAL_CHAIN,
  accessControlConditionResource,
  decrypt,
  encrypt,
  getSessionSigs,
  requestAbility,
} from "../src/sdk";
import { networkAction } from "./pkp-sign";
import { emit, good, label, readUserFile, title } from "./util";

/** An encrypted bundle as the tasks read and write it (one condition kind present). */
export interface EncryptedBundle {
  ciphertext: string;
  dataToEncryptHash: string;
  chain: string;
  accessControlConditions?: unknown[];
  evmContractConditions?: unknown[];
  solRpcConditions?: unknown[];
  unifiedAccessControlConditions?: unknown[];
}

function parseJson(argument: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(argument, `not JSON: ${(e as Error).message}`);
  }
}

/**
 * Conditions from --conditions (JSON text) or --conditions-file: a list (of --kind, default
 * accessControlConditions) or an object with exactly one condition field.
 */
function readConditions(args: { conditions?: string; conditionsFile?: string; kind?: string }): {
  kind: ConditionKind;
  conditions: unknown[];
} {
  const given = [args.conditions, args.conditionsFile].filter((x) => x !== undefined && x !== "");
  if (given.length !== 1)
    throw new InvalidArgumentError(
      "conditions",
      "give exactly one of --conditions <json> and --conditions-file <file>",
    );
  const value =
    args.conditions !== undefined && args.conditions !== ""
      ? parseJson("--conditions", args.conditions)
      : parseJson(
          "--conditions-file",
          Buffer.from(readUserFile("--conditions-file", args.conditionsFile!)).toString("utf8"),
        );
  if (Array.isArray(value)) {
    const kind = (args.kind ?? "accessControlConditions") as ConditionKind;
    if (!CONDITION_KINDS.includes(kind))
      throw new InvalidArgumentError("kind", `must be one of ${CONDITION_KINDS.join(", ")}`);
    return { kind, conditions: value };
  }
  if (value !== null && typeof value === "object") {
    const kinds = CONDITION_KINDS.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    if (kinds.length !== 1)
      throw new InvalidArgumentError(
        "conditions",
        `an object must have exactly one of ${CONDITION_KINDS.join(", ")}`,
      );
    const conditions = (value as Record<string, unknown>)[kinds[0]];
    if (!Array.isArray(conditions))
      throw new InvalidArgumentError("conditions", `${kinds[0]} must be an array`);
    return { kind: kinds[0], conditions };
  }
  throw new InvalidArgumentError("conditions", "must be a JSON array or object");
}

function readBundle(file: string): EncryptedBundle {
  const value = parseJson(
    "--in",
    Buffer.from(readUserFile("--in", file)).toString("utf8"),
  ) as EncryptedBundle;
  if (
    value === null ||
    typeof value !== "object" ||
    typeof value.ciphertext !== "string" ||
    typeof value.dataToEncryptHash !== "string"
  )
    throw new InvalidArgumentError("in", "not an encrypted bundle (needs ciphertext and dataToEncryptHash)");
  return value;
}

task(
  "encrypt",
  "Encrypt a string or a file to access control conditions of a network started by network:start",
)
  .addOptionalParam("text", "The string to encrypt (UTF-8)")
  .addOptionalParam("file", "The file to encrypt")
  .addOptionalParam("conditions", "The conditions as JSON (a list, or an object with one condition field)")
  .addOptionalParam("conditionsFile", "A JSON file with the conditions")
  .addOptionalParam(
    "kind",
    "For a bare list: accessControlConditions (default), evmContractConditions, unifiedAccessControlConditions",
  )
  .addOptionalParam("out", "Write the encrypted bundle (JSON) to this file instead of printing it")
  .addOptionalParam("dataDir", "The network's data directory (with network.json)", ".data/network")
  .addFlag("json", "Print one machine-readable JSON document")
  .setAction(
    networkAction(
      async (args: {
        text?: string;
        file?: string;
        conditions?: string;
        conditionsFile?: string;
        kind?: string;
        out?: string;
        dataDir: string;
        json: boolean;
      }) => {
        const hasText = args.text !== undefined;
        const hasFile = args.file !== undefined && args.file !== "";
        if (hasText === hasFile)
          throw new InvalidArgumentError("data", "give exactly one of --text <string> and --file <file>");
        const data = hasText ? new TextEncoder().encode(args.text) : readUserFile("--file", args.file!);
        const { kind, conditions } = readConditions(args);
        const net = await openNetwork(args.dataDir);
        const enc = await encrypt({ client: net.client, [kind]: conditions, data });
        const bundle: EncryptedBundle = { ...enc, chain: LOCAL_CHAIN, [kind]: conditions };
        if (args.out !== undefined) writeFileSync(args.out, JSON.stringify(bundle, null, 2));
        return emit(
          args.json,
          args.out === undefined
            ? bundle
            : { out: args.out, bytes: data.length, dataToEncryptHash: enc.dataToEncryptHash },
          (r) =>
            args.out === undefined
              ? [JSON.stringify(r, null, 2)]
              : [
                  title("Encrypted"),
                  `${label("bytes")}${data.length}`,
                  `${label("data hash")}${enc.dataToEncryptHash}`,
                  `${label("bundle")}${args.out} ${good("✓")}`,
                ],
        );
      },
    ),
  );

task(
  "decrypt",
  "Decrypt an encrypted bundle (from the encrypt task) through the nodes of a network started by network:start",
)
  .addParam("in", "The encrypted bundle (JSON file written by encrypt --out)")
  .addOptionalParam("out", "Write the plaintext to this file (default: print it as UTF-8)")
  .addOptionalParam("dataDir", "The network's data directory (with network.json)", ".data/network")
  .addOptionalParam("from", "The wallet that asks: an unlocked account of the chain (default: the first)")
  .addFlag("json", "Print one machine-readable JSON document")
  .setAction(
    networkAction(
      async (args: { in: string; out?: string; dataDir: string; from?: string; json: boolean }) => {
        const bundle = readBundle(args.in);
        if (args.out !== undefined && existsSync(args.out))
          throw new InvalidArgumentError("out", `${args.out} exists; not overwriting it`);
        const net = await openNetwork(args.dataDir, { from: args.from });
        const { sessionSigs } = await getSessionSigs({
          signer: net.signer,
          nodeUrls: net.client.nodes.map((x) => x.url),
          latestBlockhash: net.client.latestBlockhash,
          resourceAbilityRequests: [
            requestAbility(accessControlConditionResource("*"), "access-control-condition-decryption"),
          ],
        });
        const r = await decrypt({ client: net.client, sessionSigs, ...bundle });
        if (args.out !== undefined) writeFileSync(args.out, r.decryptedData);
        const text = args.out === undefined ? new TextDecoder().decode(r.decryptedData) : undefined;
        return emit(
          args.json,
          {
            requester: await net.signer.getAddress(),
            dataToEncryptHash: bundle.dataToEncryptHash,
            bytes: r.decryptedData.length,
            requestId: r.requestId,
            signers: r.signers,
            out: args.out,
            text,
          } as { requester: string; bytes: number; signers: number[]; out?: string; text?: string },
          (o) => [
            title("Decrypted"),
            `${label("requester")}${o.requester}`,
            `${label("bytes")}${o.bytes} (shares from nodes ${o.signers.join(", ")})`,
            o.text !== undefined
              ? `${label("text")}${o.text}`
              : `${label("written to")}${o.out} ${good("✓")}`,
          ],
        );
      },
    ),
  );
