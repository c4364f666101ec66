import { task } from "hardhat/config";
import { formatEther, parseEther } from "ethers";

import { parseAddress, parseUint256 } from "../src/chain/parse";
import { openNetwork, pkpSignerFor } from "../src/network/open";
import { InvalidArgumentError } from "../src/chain/errors";
import { networkAction } from "./pkp-sign";
import { emit, label, title } from "./util";

task("pkp:send", "Send ETH from a PKP's address: the transaction is signed by the nodes of a network")
  .addParam("tokenId", "The PKP's token id (decimal or 0x-hex)")
  .addParam("to", "Recipient address")
  .addParam("value", "Amount in ETH (e.g. 0.1)")
  .addOptionalParam("dataDir", "The network's data directory (with network.json)", ".data/network")
  .addOptionalParam("from", "The wallet that authorises the session: an unlocked account of the chain")
  .addFlag("json", "Print one machine-readable JSON document")
  .setAction(
    networkAction(
      async (args: {
        tokenId: string;
        to: string;
        value: string;
        dataDir: string;
        from?: string;
        json: boolean;
      }) => {
        const tokenId = parseUint256("token-id", args.tokenId);
        const to = parseAddress("to", args.to);
        let value: bigint;
        try {
          value = parseEther(args.value);
        } catch {
          throw new InvalidArgumentError("value", `not an ETH amount: ${args.value}`);
        }
        const net = await openNetwork(args.dataDir, { from: args.from });
        const signer = await pkpSignerFor(net, tokenId);
        const response = await signer.sendTransaction({ to, value });
        const receipt = await response.wait();
        return emit(
          args.json,
          {
            tokenId: tokenId.toString(),
            from: signer.address,
            to,
            value: formatEther(value),
            txHash: response.hash,
            blockNumber: receipt?.blockNumber ?? null,
            status: receipt?.status ?? null,
            gasUsed: receipt?.gasUsed.toString() ?? null,
          },
          (r) => [
            title("PKP transaction"),
            `${label("from (pkp)")}${r.from}`,
            `${label("to")}${r.to}`,
            `${label("value")}${r.value} ETH`,
            `${label("tx")}${r.txHash}`,
            `${label("mined")}block ${String(r.blockNumber)}, status ${String(r.status)}, gas ${String(r.gasUsed)}`,
          ],
        );
      },
    ),
  );
