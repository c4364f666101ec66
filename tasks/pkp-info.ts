import { task } from "hardhat/config";

import { contractsFor } from "../src/chain/hardhat";
import { getPkpInfo, listPkps, signerAddress } from "../src/chain/pkp";
import type { PkpInfo } from "../src/chain/pkp";
import { parseAddress, parseTokenId } from "../src/chain/parse";
import { action, common, emit, label, required, title } from "./util";
import type { CommonArgs } from "./util";

export function infoLines(r: PkpInfo): string[] {
  const scopes = (list: readonly string[]) => (list.length === 0 ? "no scopes" : list.join(", "));
  const others = r.permittedAuthMethods.filter((m) => m.cid === undefined && m.address === undefined);
  return [
    title(`PKP ${r.tokenIdHex}`),
    `${label("token id")}${r.tokenId}`,
    `${label("key type")}${r.keyType}`,
    `${label("pubkey")}${r.pubkey}`,
    `${label("eth address")}${r.ethAddress}`,
    `${label("owner")}${r.owner}`,
    `${label("actions")}${r.permittedActions.length === 0 ? "(none)" : ""}`.trimEnd(),
    ...r.permittedActions.map((a) => `  ${a.cid}  [${scopes(a.scopes)}]`),
    `${label("addresses")}${r.permittedAddresses.length === 0 ? "(none)" : ""}`.trimEnd(),
    ...r.permittedAddresses.map((a) => `  ${a.address}  [${scopes(a.scopes)}]`),
    `${label("auth methods")}${others.length === 0 ? "(none)" : ""}`.trimEnd(),
    ...others.map((m) => `  ${m.typeName} ${m.id}  [${scopes(m.scopes)}]`),
  ];
}

common(
  task("pkp:info", "Everything about a PKP: public key, Ethereum address, owner (or burned), permissions"),
)
  .addOptionalParam("tokenId", "The PKP's token id (decimal or 0x-hex)")
  .setAction(
    action(async (args: CommonArgs & { tokenId?: string }, hre) => {
      const tokenId = parseTokenId(required("--token-id", args.tokenId));
      const info = await getPkpInfo(await contractsFor(hre, args), tokenId);
      return emit(args.json, info, infoLines);
    }),
  );

common(task("pkp:list", "The PKPs an address owns"))
  .addOptionalParam("owner", "The owner's address (default: the acting account)")
  .setAction(
    action(async (args: CommonArgs & { owner?: string }, hre) => {
      const contracts = await contractsFor(hre, args);
      const owner =
        args.owner === undefined ? await signerAddress(contracts) : parseAddress("--owner", args.owner);
      const pkps = await listPkps(contracts, owner);
      return emit(args.json, { owner, count: pkps.length, pkps }, (r) => [
        title(`${r.count} PKP(s) owned by ${r.owner}`),
        ...r.pkps.flatMap((p) => [
          `${label("token id")}${p.tokenId}`,
          `${label("  address")}${p.ethAddress}`,
        ]),
      ]);
    }),
  );
