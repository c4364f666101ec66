/**
 * `pkp:verify-proof`: checks a certificate made by a single-action PKP (the prime-number certificate
 * of examples/prime) against the chain, prints each check, and fails (exit code 1) when any fails.
 */
import { task } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Provider } from "ethers";
import pc from "picocolors";

import { InvalidArgumentError } from "../src/chain/errors";
import { resolveDeployment } from "../src/chain/hardhat";
import { parseUint256 } from "../src/chain/parse";
import { readNetworkFile } from "../src/network/networkFile";
import { jsonRpcProvider } from "../src/sdk/provider";
import { InvalidProofError, verifyProof, type VerifyProofReturnType } from "../src/sdk/proof";
import { networkAction } from "./pkp-sign";
import { PLUGIN, bad, emit, good, readUserFile, required, title } from "./util";

export interface VerifyProofArgs {
  message?: string;
  signature?: string;
  tokenId?: string;
  pkpAddress?: string;
  cid?: string;
  codeFile?: string;
  dataDir?: string;
  deployment?: string;
  fromBlock?: string;
  json: boolean;
}

export function proofLines(r: VerifyProofReturnType): string[] {
  const width = Math.max(...r.checks.map((check) => check.name.length));
  return [
    title(`Certificate of PKP ${r.pkpAddress ?? "(unknown)"} at block ${r.blockNumber}`),
    ...r.checks.map(
      (check) =>
        `${check.pass ? good("✓ pass") : bad("✗ FAIL")}  ${check.name.padEnd(width)}  ${pc.dim(check.detail)}`,
    ),
    r.valid ? good("VALID: every check passed") : bad("INVALID"),
  ];
}

/** The chain and the contracts: a network.json (--data-dir), or the Hardhat network's deployment. */
async function chainOf(
  args: VerifyProofArgs,
  hre: HardhatRuntimeEnvironment,
): Promise<{
  provider: Provider;
  contracts: { pkpNft: string; pkpPermissions: string; pubkeyRouter: string };
}> {
  if (args.dataDir !== undefined && args.dataDir !== "") {
    if (args.deployment !== undefined)
      throw new InvalidArgumentError("--deployment", "give either --data-dir or --deployment");
    const info = readNetworkFile(args.dataDir);
    return { provider: jsonRpcProvider(info.rpcUrl), contracts: info.contracts };
  }
  return { provider: hre.ethers.provider, contracts: await resolveDeployment(hre, args.deployment) };
}

task(
  "pkp:verify-proof",
  "Verify a PKP certificate: the signature recovers to the PKP, which was minted, granted exactly one action and burned in one mintGrantAndBurnNext",
)
  .addOptionalParam("message", "The signed message (the prime certificate: the number's decimal string)")
  .addOptionalParam("signature", "The 65-byte signature, 0x-hex")
  .addOptionalParam("tokenId", "The PKP's token id (decimal or 0x-hex)")
  .addOptionalParam("pkpAddress", "The PKP's Ethereum address (instead of --token-id)")
  .addOptionalParam("cid", "The action's CIDv0 the certificate must come from")
  .addOptionalParam("codeFile", "The action's code: it must hash to the PKP's action CID")
  .addOptionalParam(
    "dataDir",
    "A network started by network:start (its network.json names the chain and the contracts)",
  )
  .addOptionalParam(
    "deployment",
    "Deployment JSON file, without --data-dir (default: env PKP_DEPLOYMENT, else Ignition's record)",
  )
  .addOptionalParam("fromBlock", "First block to search for the PKP's events (default 0)")
  .addFlag("json", "Print one machine-readable JSON document")
  .setAction(
    networkAction(async (args: VerifyProofArgs, hre) => {
      const message = required("--message", args.message);
      const signature = required("--signature", args.signature);
      const hasId = args.tokenId !== undefined && args.tokenId !== "";
      const hasAddress = args.pkpAddress !== undefined && args.pkpAddress !== "";
      if (hasId === hasAddress)
        throw new InvalidArgumentError("pkp", "give exactly one of --token-id and --pkp-address");
      const code =
        args.codeFile === undefined || args.codeFile === ""
          ? undefined
          : readUserFile("--code-file", args.codeFile);
      const fromBlock = args.fromBlock === undefined ? 0n : parseUint256("--from-block", args.fromBlock);
      if (fromBlock > BigInt(Number.MAX_SAFE_INTEGER))
        throw new InvalidArgumentError("--from-block", "not a block number");
      const { provider, contracts } = await chainOf(args, hre);
      const result = await verifyProof({
        provider,
        contracts,
        message,
        signature,
        ...(hasId ? { tokenId: args.tokenId } : { pkpAddress: args.pkpAddress }),
        ...(args.cid === undefined || args.cid === "" ? {} : { cid: args.cid }),
        ...(code === undefined ? {} : { code }),
        fromBlock: Number(fromBlock),
      });
      emit(args.json, result, proofLines);
      if (!result.valid) {
        const error = new InvalidProofError(result);
        throw new HardhatPluginError(PLUGIN, `${error.shortMessage} (see above)`, error);
      }
      return result;
    }),
  );
