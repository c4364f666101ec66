/**
 * Permission reads for actions, from PKPPermissions at the latest block (Lit's names and result
 * shapes): isPermittedAction / Address / AuthMethod, the permitted lists, an auth method's scopes,
 * and pubkeyToTokenId.
 */
import { getBytes, isAddress } from "ethers";

import { AUTH_METHOD_ADDRESS, bytesToCid, cidToBytes } from "../../protocol";
import { tokenIdOf } from "../chain";
import type { Capabilities, Capability } from "../sandbox";
import { CapabilityError, addressArg, idBytesArg, params, publicKeyArg, tokenIdArg } from "./args";
import type { RunContext } from "./context";

export function permissionCapabilities(ctx: RunContext): Capabilities {
  const permissions = ctx.node.chain.permissions;
  const latest = { blockTag: "latest" };
  const isPermittedAction: Capability = async (args) => {
    const p = params(args, "isPermittedAction");
    if (typeof p.ipfsId !== "string")
      throw new CapabilityError("isPermittedAction: ipfsId must be a CID string");
    return permissions.isPermittedAction(
      tokenIdArg(p.tokenId, "isPermittedAction"),
      cidToBytes(p.ipfsId),
      latest,
    );
  };
  const isPermittedAddress: Capability = async (args) => {
    const p = params(args, "isPermittedAddress");
    return permissions.isPermittedAddress(
      tokenIdArg(p.tokenId, "isPermittedAddress"),
      addressArg(p.address, "isPermittedAddress"),
      latest,
    );
  };
  const isPermittedAuthMethod: Capability = async (args) => {
    const fn = "isPermittedAuthMethod";
    const p = params(args, fn);
    return permissions.isPermittedAuthMethod(
      tokenIdArg(p.tokenId, fn),
      BigInt(Number(p.authMethodType)),
      idBytesArg(p.userId, fn),
      latest,
    );
  };
  const getPermittedActions: Capability = async (args) => {
    const ids = (await permissions.getPermittedActions(
      tokenIdArg(params(args, "getPermittedActions").tokenId, "getPermittedActions"),
      latest,
    )) as string[];
    return ids.map((b) => {
      try {
        return bytesToCid(b);
      } catch {
        return b;
      }
    });
  };
  const getPermittedAddresses: Capability = async (args) => [
    ...((await permissions.getPermittedAddresses(
      tokenIdArg(params(args, "getPermittedAddresses").tokenId, "getPermittedAddresses"),
      latest,
    )) as string[]),
  ];
  const getPermittedAuthMethods: Capability = async (args) => {
    const list = (await permissions.getPermittedAuthMethods(
      tokenIdArg(params(args, "getPermittedAuthMethods").tokenId, "getPermittedAuthMethods"),
      latest,
    )) as { authMethodType: bigint; id: string; userPubkey: string }[];
    return list.map((m) => ({
      auth_method_type: Number(m.authMethodType),
      id: m.id,
      user_pubkey: m.userPubkey,
    }));
  };
  const getPermittedAuthMethodScopes: Capability = async (args) => {
    const fn = "getPermittedAuthMethodScopes";
    const p = params(args, fn);
    const max = p.maxScopeId === undefined ? 3 : Number(p.maxScopeId);
    if (!Number.isInteger(max) || max < 0 || max > 256)
      throw new CapabilityError(`${fn}: maxScopeId must be 0..256`);
    const authMethodType = BigInt(Number(p.authMethodType));
    const id =
      authMethodType === AUTH_METHOD_ADDRESS && typeof p.userId === "string" && isAddress(p.userId)
        ? p.userId.toLowerCase()
        : idBytesArg(p.userId, fn);
    return [
      ...((await permissions.getPermittedAuthMethodScopes(
        tokenIdArg(p.tokenId, fn),
        authMethodType,
        id,
        max,
        latest,
      )) as boolean[]),
    ];
  };
  const pubkeyToTokenId: Capability = async (args) => {
    const pubkey = publicKeyArg(params(args, "pubkeyToTokenId").publicKey, "pubkeyToTokenId");
    return tokenIdOf(getBytes(pubkey)).toString();
  };

  return {
    isPermittedAction,
    isPermittedAddress,
    isPermittedAuthMethod,
    getPermittedActions,
    getPermittedAddresses,
    getPermittedAuthMethods,
    getPermittedAuthMethodScopes,
    pubkeyToTokenId,
  };
}
