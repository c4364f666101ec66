import { task } from "hardhat/config";

import { cidToBytes } from "../src/protocol/cid";
import { contractsFor } from "../src/chain/hardhat";
import { mintGrantAndBurn, mintNext, mintWithPermissions } from "../src/chain/pkp";
import type { MintedPkp } from "../src/chain/pkp";
import { parseAddress, parseScopes, parseUint256 } from "../src/chain/parse";
import { action, actionCid, common, emit, label, title } from "./util";
import type { CommonArgs } from "./util";

function list(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

export function mintedLines(heading: string, r: MintedPkp & { cid?: string }): string[] {
  return [
    title(heading),
    `${label("token id")}${r.tokenId}`,
    `${label("pubkey")}${r.pubkey}`,
    `${label("eth address")}${r.ethAddress}`,
    `${label("owner")}${r.owner}`,
    ...(r.cid === undefined ? [] : [`${label("action")}${r.cid}`]),
    `${label("tx")}${r.txHash} (gas ${r.gasUsed})`,
  ];
}

common(
  task(
    "pkp:mint",
    "Mint the next routed PKP (with PKPHelper when permissions are given: one transaction mints and permits)",
  ),
)
  .addOptionalParam("keyType", "Key type (2 = ECDSA secp256k1)", "2")
  .addOptionalParam("actions", "Comma-separated Lit Action CIDs (Qm…) to permit")
  .addOptionalParam(
    "actionScopes",
    "Scopes for each action: ids or names (sign-anything, personal-sign)",
    "1",
  )
  .addOptionalParam("addresses", "Comma-separated addresses to permit")
  .addOptionalParam("addressScopes", "Scopes for each address", "1")
  .addFlag("addPkpAddress", "Permit the PKP's own Ethereum address")
  .addFlag("sendToSelf", "Send the PKP to its own Ethereum address (only the PKP can then change it)")
  .setAction(
    action(
      async (
        args: CommonArgs & {
          keyType: string;
          actions?: string;
          actionScopes: string;
          addresses?: string;
          addressScopes: string;
          addPkpAddress: boolean;
          sendToSelf: boolean;
        },
        hre,
      ) => {
        const keyType = parseUint256("--key-type", args.keyType);
        const actions = list(args.actions);
        actions.forEach((cid) => cidToBytes(cid));
        const addresses = list(args.addresses).map((address) => parseAddress("--addresses", address));
        const actionScopes = parseScopes(args.actionScopes);
        const addressScopes = parseScopes(args.addressScopes);
        const withHelper = actions.length + addresses.length > 0 || args.addPkpAddress || args.sendToSelf;
        const contracts = await contractsFor(hre, args);
        const result = withHelper
          ? await mintWithPermissions(contracts, {
              keyType,
              actions: actions.map((cid) => ({ cid, scopes: actionScopes })),
              addresses: addresses.map((address) => ({ address, scopes: addressScopes })),
              addPkpEthAddressAsPermittedAddress: args.addPkpAddress,
              sendPkpToItself: args.sendToSelf,
            })
          : await mintNext(contracts, { keyType });
        return emit(args.json, { ...result, via: withHelper ? "PKPHelper" : "PKPNFT" }, (r) =>
          mintedLines(`Minted PKP via ${r.via}`, r),
        );
      },
    ),
  );

common(
  task(
    "pkp:mint-grant-burn",
    "Mint a PKP, permit exactly one Lit Action (SignAnything) and burn the token, in one transaction",
  ),
)
  .addOptionalParam("cid", "The action's IPFS CIDv0 (Qm…)")
  .addOptionalParam("codeFile", "The action's code file (its CID is computed as `ipfs add` does)")
  .addOptionalParam("keyType", "Key type (2 = ECDSA secp256k1)", "2")
  .setAction(
    action(async (args: CommonArgs & { cid?: string; codeFile?: string; keyType: string }, hre) => {
      const keyType = parseUint256("--key-type", args.keyType);
      const cid = await actionCid(args);
      const contracts = await contractsFor(hre, args);
      const result = await mintGrantAndBurn(contracts, { cid, keyType });
      return emit(args.json, result, (r) => mintedLines("Minted, granted and burned PKP", r));
    }),
  );
