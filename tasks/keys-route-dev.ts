import { task } from "hardhat/config";

import { assertDevChain, routeDevKeys } from "../src/chain/devkeys";
import { contractsFor } from "../src/chain/hardhat";
import { parseCount, parseUint256 } from "../src/chain/parse";
import { action, common, emit, label, title } from "./util";
import type { CommonArgs } from "./util";

/** At most this many keys per run (one transaction each). */
const MAX_KEYS = 100;

common(
  task(
    "keys:route-dev",
    "Development chains only: route freshly made random secp256k1 keys with setRoutingDataAsAdmin",
  ),
)
  .addOptionalParam("count", `How many keys (1-${MAX_KEYS})`, "1")
  .addOptionalParam("keyType", "Key type (2 = ECDSA secp256k1)", "2")
  .addFlag("revealPrivateKeys", "Also print the private keys (test keys only)")
  .setAction(
    action(async (args: CommonArgs & { count: string; keyType: string; revealPrivateKeys: boolean }, hre) => {
      const count = parseCount("--count", args.count, MAX_KEYS);
      const keyType = parseUint256("--key-type", args.keyType);
      // Refuse before anything else (even finding a deployment) on a chain that is not for development.
      await assertDevChain(hre.ethers.provider);
      const contracts = await contractsFor(hre, args);
      const keys = await routeDevKeys(contracts, {
        count,
        keyType,
        revealPrivateKeys: args.revealPrivateKeys,
      });
      const available = await contracts.pkpNft.getUnmintedRoutedTokenIdCount(keyType);
      return emit(
        args.json,
        { keyType: keyType.toString(), keys, unmintedRouted: available.toString() },
        (r) => [
          title(`Routed ${r.keys.length} development key(s) of type ${r.keyType}`),
          ...r.keys.flatMap((key) => [
            `${label("token id")}${key.tokenId}`,
            `${label("  pubkey")}${key.pubkey}`,
            `${label("  address")}${key.ethAddress}`,
            ...(key.privateKey === undefined ? [] : [`${label("  private key")}${key.privateKey}`]),
          ]),
          `${label("mintable now")}${r.unmintedRouted}`,
        ],
      );
    }),
  );
