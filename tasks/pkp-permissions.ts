import { task } from "hardhat/config";

import { cidToBytes } from "../src/protocol/cid";
import { InvalidArgumentError } from "../src/chain/errors";
import { contractsFor } from "../src/chain/hardhat";
import {
  AUTH_METHOD_ACTION,
  AUTH_METHOD_ADDRESS,
  addAuthMethod,
  changeScopes,
  grantAction,
  grantAddress,
  removeAuthMethod,
  revokeAction,
  revokeAddress,
} from "../src/chain/pkp";
import type { PermissionChange } from "../src/chain/pkp";
import {
  parseAddress,
  parseAuthMethodType,
  parseHexBytes,
  parseScopes,
  parseTokenId,
  scopeName,
} from "../src/chain/parse";
import { action, actionCid, common, emit, label, required, title } from "./util";
import type { CommonArgs } from "./util";

type TokenArgs = CommonArgs & { tokenId?: string };

function changeLines(heading: string, r: PermissionChange & { cid?: string; address?: string }): string[] {
  return [
    title(heading),
    `${label("token id")}${r.tokenId}`,
    ...(r.cid === undefined ? [] : [`${label("action")}${r.cid}`]),
    ...(r.address === undefined ? [] : [`${label("address")}${r.address}`]),
    ...(r.cid === undefined && r.address === undefined
      ? [`${label("auth method")}type ${r.authMethodType}, id ${r.id}`]
      : []),
    `${label("tx")}${r.txHash} (gas ${r.gasUsed})`,
  ];
}

const tokenTask = (name: string, description: string) =>
  common(task(name, description)).addOptionalParam("tokenId", "The PKP's token id (decimal or 0x-hex)");

tokenTask("pkp:grant-action", "Permit a Lit Action to use a PKP (owner only)")
  .addOptionalParam("cid", "The action's IPFS CIDv0 (Qm…)")
  .addOptionalParam("codeFile", "The action's code file (its CID is computed as `ipfs add` does)")
  .addOptionalParam("scopes", "Comma-separated scopes: ids or names (sign-anything, personal-sign)", "1")
  .setAction(
    action(async (args: TokenArgs & { cid?: string; codeFile?: string; scopes: string }, hre) => {
      const tokenId = parseTokenId(required("--token-id", args.tokenId));
      const cid = await actionCid(args);
      const scopes = parseScopes(args.scopes);
      const result = await grantAction(await contractsFor(hre, args), { tokenId, cid, scopes });
      return emit(args.json, result, (r) => changeLines("Action permitted", r));
    }),
  );

tokenTask("pkp:revoke-action", "Stop a Lit Action from using a PKP (owner only)")
  .addOptionalParam("cid", "The action's IPFS CIDv0 (Qm…)")
  .addOptionalParam("codeFile", "The action's code file")
  .setAction(
    action(async (args: TokenArgs & { cid?: string; codeFile?: string }, hre) => {
      const tokenId = parseTokenId(required("--token-id", args.tokenId));
      const cid = await actionCid(args);
      const result = await revokeAction(await contractsFor(hre, args), { tokenId, cid });
      return emit(args.json, result, (r) => changeLines("Action revoked", r));
    }),
  );

tokenTask("pkp:grant-address", "Permit an Ethereum address to use a PKP (owner only)")
  .addOptionalParam("address", "The address to permit")
  .addOptionalParam("scopes", "Comma-separated scopes: ids or names", "1")
  .setAction(
    action(async (args: TokenArgs & { address?: string; scopes: string }, hre) => {
      const tokenId = parseTokenId(required("--token-id", args.tokenId));
      const address = parseAddress("--address", required("--address", args.address));
      const scopes = parseScopes(args.scopes);
      const result = await grantAddress(await contractsFor(hre, args), { tokenId, address, scopes });
      return emit(args.json, result, (r) => changeLines("Address permitted", r));
    }),
  );

tokenTask("pkp:revoke-address", "Stop an Ethereum address from using a PKP (owner only)")
  .addOptionalParam("address", "The address to revoke")
  .setAction(
    action(async (args: TokenArgs & { address?: string }, hre) => {
      const tokenId = parseTokenId(required("--token-id", args.tokenId));
      const address = parseAddress("--address", required("--address", args.address));
      const result = await revokeAddress(await contractsFor(hre, args), { tokenId, address });
      return emit(args.json, result, (r) => changeLines("Address revoked", r));
    }),
  );

tokenTask("pkp:add-auth-method", "Permit an auth method (type + id) to use a PKP (owner only)")
  .addOptionalParam("type", "Auth method type: a number or a name (WEBAUTHN, DISCORD, GOOGLE, …)")
  .addOptionalParam("id", "Auth method id (0x-hex bytes)")
  .addOptionalParam("userPubkey", "The user's public key for the method (0x-hex bytes)", "0x")
  .addOptionalParam("scopes", "Comma-separated scopes: ids or names", "1")
  .setAction(
    action(
      async (args: TokenArgs & { type?: string; id?: string; userPubkey: string; scopes: string }, hre) => {
        const tokenId = parseTokenId(required("--token-id", args.tokenId));
        const authMethodType = parseAuthMethodType(required("--type", args.type));
        const id = parseHexBytes("--id", required("--id", args.id));
        const userPubkey = parseHexBytes("--user-pubkey", args.userPubkey);
        const scopes = parseScopes(args.scopes);
        const result = await addAuthMethod(await contractsFor(hre, args), {
          tokenId,
          authMethodType,
          id,
          userPubkey,
          scopes,
        });
        return emit(args.json, result, (r) => changeLines("Auth method permitted", r));
      },
    ),
  );

tokenTask("pkp:remove-auth-method", "Stop an auth method from using a PKP (owner only)")
  .addOptionalParam("type", "Auth method type: a number or a name")
  .addOptionalParam("id", "Auth method id (0x-hex bytes)")
  .setAction(
    action(async (args: TokenArgs & { type?: string; id?: string }, hre) => {
      const tokenId = parseTokenId(required("--token-id", args.tokenId));
      const authMethodType = parseAuthMethodType(required("--type", args.type));
      const id = parseHexBytes("--id", required("--id", args.id));
      const result = await removeAuthMethod(await contractsFor(hre, args), { tokenId, authMethodType, id });
      return emit(args.json, result, (r) => changeLines("Auth method removed", r));
    }),
  );

/** One auth method named by exactly one of --cid, --address, or --type with --id. */
function authMethodOf(args: { cid?: string; address?: string; type?: string; id?: string }): {
  authMethodType: bigint;
  id: string;
} {
  const given = [args.cid, args.address, args.type ?? args.id].filter(
    (value) => value !== undefined && value !== "",
  );
  if (given.length !== 1) {
    throw new InvalidArgumentError(
      "auth method",
      "give exactly one of --cid, --address, or --type with --id",
    );
  }
  if (args.cid !== undefined && args.cid !== "")
    return { authMethodType: AUTH_METHOD_ACTION, id: cidToBytes(args.cid) };
  if (args.address !== undefined && args.address !== "") {
    return { authMethodType: AUTH_METHOD_ADDRESS, id: parseAddress("--address", args.address).toLowerCase() };
  }
  return {
    authMethodType: parseAuthMethodType(required("--type", args.type)),
    id: parseHexBytes("--id", required("--id", args.id)),
  };
}

tokenTask("pkp:scopes", "Show, add or remove the scopes of a PKP's permitted action, address or auth method")
  .addOptionalParam("cid", "An action's IPFS CIDv0 (Qm…)")
  .addOptionalParam("address", "A permitted address")
  .addOptionalParam("type", "An auth method type (with --id)")
  .addOptionalParam("id", "An auth method id (0x-hex, with --type)")
  .addOptionalParam("add", "Comma-separated scopes to add (owner only)", "")
  .addOptionalParam("remove", "Comma-separated scopes to remove (owner only)", "")
  .setAction(
    action(
      async (
        args: TokenArgs & {
          cid?: string;
          address?: string;
          type?: string;
          id?: string;
          add: string;
          remove: string;
        },
        hre,
      ) => {
        const tokenId = parseTokenId(required("--token-id", args.tokenId));
        const method = authMethodOf(args);
        const add = parseScopes(args.add);
        const remove = parseScopes(args.remove);
        const both = add.filter((scope) => remove.includes(scope));
        if (both.length > 0) {
          throw new InvalidArgumentError("scopes", `scope ${both[0]?.toString()} is both added and removed`);
        }
        const result = await changeScopes(await contractsFor(hre, args), { tokenId, ...method, add, remove });
        return emit(args.json, result, (r) => [
          title(`Scopes of type ${r.authMethodType} id ${r.id} on PKP ${r.tokenId}`),
          `${label("permitted")}${r.permitted ? "yes" : "no"}`,
          `${label("scopes")}${r.scopes.length === 0 ? "(none)" : r.scopes.map((s) => `${s} ${scopeName(BigInt(s))}`).join(", ")}`,
          ...r.transactions.map((tx) => `${label("tx")}${tx.txHash} (gas ${tx.gasUsed})`),
        ]);
      },
    ),
  );
