/**
 * Lit Actions against a network started by network:start: `action:publish` stores the code in the
 * network's IPFS gateway (or any kubo RPC given with --gateway) and prints its CID, the same CID as
 * `action:cid`; `action:run` runs code (a file, or a CID the nodes fetch) on every node with a session
 * made by a wallet of the chain, and prints the agreed response, the logs and the combined signatures.
 */
import { task, types } from "hardhat/config";
import { recoverAddress } from "ethers";

import { cidOf, cidToBytes } from "../src/protocol/cid";
import { InvalidArgumentError } from "../src/chain/errors";
import { publishToGateway } from "../src/network/gateway";
import { readNetworkFile } from "../src/network/networkFile";
import { openNetwork } from "../src/network/open";
import { executeJs } from "../src/sdk/executeJs";
import { getSessionSigs, litActionResource, pkpResource, requestAbility } from "../src/sdk/session";
import { networkAction } from "./pkp-sign";
import { bad, emit, good, label, readUserFile, required, title } from "./util";

task("action:publish", "Store a Lit Action's code in the network's IPFS gateway and print its CID")
  .addOptionalParam("file", "The action's code file")
  .addOptionalParam(
    "gateway",
    "An IPFS RPC URL taking /api/v0/add (default: the network's, from network.json)",
  )
  .addOptionalParam("dataDir", "The network's data directory (with network.json)", ".data/network")
  .addFlag("json", "Print one machine-readable JSON document")
  .setAction(
    networkAction(async (args: { file?: string; gateway?: string; dataDir: string; json: boolean }) => {
      const file = required("--file", args.file);
      const bytes = readUserFile("--file", file);
      let gateway = args.gateway;
      if (gateway === undefined || gateway === "") {
        gateway = readNetworkFile(args.dataDir).ipfsGatewayUrl;
        if (gateway === undefined)
          throw new InvalidArgumentError(
            "--gateway",
            `missing, and ${args.dataDir}/network.json names no gateway`,
          );
      }
      const { cid, size } = await publishToGateway(gateway, bytes, { name: file.split("/").pop() });
      return emit(
        args.json,
        {
          file,
          cid,
          multihash: cidToBytes(cid),
          size: bytes.length,
          dagSize: size,
          gateway,
          url: `${gateway}/ipfs/${cid}`,
        },
        (r) => [
          `${label("cid")}${r.cid}`,
          `${label("multihash")}${r.multihash}`,
          `${label("size")}${r.size} bytes`,
          `${label("url")}${r.url}`,
        ],
      );
    }),
  );

/** `--params` as a JSON object. */
function parseParams(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined || text === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError("--params", "not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new InvalidArgumentError("--params", "must be a JSON object");
  return value as Record<string, unknown>;
}

task("action:run", "Run a Lit Action on every node of a network started by network:start")
  .addOptionalParam("file", "The action's code file (sent inline)")
  .addOptionalParam("cid", "The action's IPFS CID (the nodes fetch it from their gateway)")
  .addOptionalParam("params", "jsParams as a JSON object")
  .addOptionalParam("dataDir", "The network's data directory (with network.json)", ".data/network")
  .addOptionalParam(
    "from",
    "The wallet that authorises the session: an unlocked account of the chain (address or index)",
  )
  .addOptionalParam(
    "timeout",
    "Seconds to wait for each node (the first run on a node also starts its sandbox workers)",
    300,
    types.int,
  )
  .addFlag("json", "Print one machine-readable JSON document")
  .setAction(
    networkAction(
      async (args: {
        timeout: number;
        file?: string;
        cid?: string;
        params?: string;
        dataDir: string;
        from?: string;
        json: boolean;
      }) => {
        const hasFile = args.file !== undefined && args.file !== "";
        const hasCid = args.cid !== undefined && args.cid !== "";
        if (hasFile === hasCid)
          throw new InvalidArgumentError("action", "give exactly one of --file and --cid");
        const code = hasFile ? readUserFile("--file", args.file as string) : undefined;
        const cid = code ? await cidOf(code) : args.cid!;
        cidToBytes(cid);
        const jsParams = parseParams(args.params);
        if (!Number.isInteger(args.timeout) || args.timeout < 1 || args.timeout > 3600)
          throw new InvalidArgumentError("--timeout", "must be 1..3600 seconds");
        const from = args.from !== undefined && /^\d+$/.test(args.from) ? Number(args.from) : args.from;
        const net = await openNetwork(args.dataDir, { from });
        const { sessionSigs } = await getSessionSigs({
          signer: net.signer,
          nodeUrls: net.client.nodes.map((x) => x.url),
          latestBlockhash: net.client.latestBlockhash,
          resourceAbilityRequests: [
            requestAbility(litActionResource(cid), "lit-action-execution"),
            requestAbility(pkpResource("*"), "pkp-signing"),
          ],
          expiration: new Date(Date.now() + 10 * 60 * 1000),
        });
        const result = await executeJs({
          client: net.client,
          sessionSigs,
          ...(code ? { code } : { ipfsId: cid }),
          jsParams,
          timeoutMs: args.timeout * 1000,
        });
        const signatures = Object.fromEntries(
          Object.entries(result.signatures).map(([name, s]) => [
            name,
            { ...s, recovered: recoverAddress("0x" + s.dataSigned, s.signature) },
          ]),
        );
        return emit(
          args.json,
          {
            cid: result.cid,
            requestId: result.requestId,
            authorisedBy: await net.signer.getAddress(),
            response: result.response,
            logs: result.logs,
            signatures,
            agreed: result.agreed,
            nodes: net.client.n,
            disagreements: result.disagreements,
            failures: result.failures,
            culprits: result.culprits,
          },
          (r) => [
            title(`Lit Action ${r.cid}`),
            `${label("request id")}${r.requestId} (${r.agreed} of ${r.nodes} nodes agree)`,
            `${label("authorised by")}${r.authorisedBy}`,
            `${label("response")}${typeof r.response === "string" ? r.response : JSON.stringify(r.response)}`,
            ...(r.logs === ""
              ? []
              : [
                  `${label("logs")}${r.logs
                    .trimEnd()
                    .split("\n")
                    .join("\n" + " ".repeat(16))}`,
                ]),
            ...Object.entries(r.signatures).flatMap(([name, s]) => [
              `${label(`sig ${name}`)}${s.signature}`,
              `${label("  signed")}0x${s.dataSigned}`,
              `${label("  recovers to")}${s.recovered} ${s.recovered === s.address ? good("✓ (the PKP)") : bad("✗")}`,
            ]),
            ...r.disagreements.map((d) => bad(`${d.url} disagrees on ${d.field}: ${d.value}`)),
            ...r.failures.map((f) => bad(`${f.url}: ${f.code}: ${f.reason}`)),
            ...r.culprits.map((c) => bad(`${c.url} returned a wrong share: ${c.reason}`)),
          ],
        );
      },
    ),
  );
