import { task } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import { verifyMessage } from "ethers";

import { parseUint256 } from "../src/chain/parse";
import { NetworkError } from "../src/network/errors";
import { openNetwork, pkpSignerFor } from "../src/network/open";
import { SdkError } from "../src/sdk/errors";
import { PLUGIN, action, emit, good, label, title } from "./util";

/** Library errors of the network and the SDK become short Hardhat errors (chain errors via `action`). */
export function networkAction<A, R>(
  body: Parameters<typeof action<A, R>>[0],
): ReturnType<typeof action<A, R>> {
  return action<A, R>(async (args, hre) => {
    try {
      return await body(args, hre);
    } catch (error) {
      if (error instanceof NetworkError || error instanceof SdkError)
        throw new HardhatPluginError(PLUGIN, error.message, error);
      throw error;
    }
  });
}

task("pkp:sign", "Sign an EIP-191 message with a PKP through the nodes of a network started by network:start")
  .addParam("tokenId", "The PKP's token id (decimal or 0x-hex)")
  .addParam("message", "The message (signed as an Ethereum personal message)")
  .addOptionalParam("dataDir", "The network's data directory (with network.json)", ".data/network")
  .addOptionalParam("from", "The wallet that authorises the session: an unlocked account of the chain")
  .addFlag("json", "Print one machine-readable JSON document")
  .setAction(
    networkAction(
      async (args: { tokenId: string; message: string; dataDir: string; from?: string; json: boolean }) => {
        const tokenId = parseUint256("token-id", args.tokenId);
        const net = await openNetwork(args.dataDir, { from: args.from });
        const signer = await pkpSignerFor(net, tokenId);
        const signature = await signer.signMessage(args.message);
        const recovered = verifyMessage(args.message, signature);
        const last = signer.lastSignature!;
        return emit(
          args.json,
          {
            tokenId: tokenId.toString(),
            address: signer.address,
            message: args.message,
            signature,
            recovered,
            verified: recovered === signer.address,
            requestId: last.requestId,
            signingSet: last.signingSet,
          },
          (r) => [
            title("PKP signature"),
            `${label("pkp address")}${r.address}`,
            `${label("message")}${r.message}`,
            `${label("signature")}${r.signature}`,
            `${label("request id")}${r.requestId} (nodes ${r.signingSet.join(", ")})`,
            `${label("recovers to")}${r.recovered} ${r.verified ? good("✓") : "✗"}`,
          ],
        );
      },
    ),
  );
