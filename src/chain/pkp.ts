/**
 * PKP operations against a deployment: minting (plain, mint/grant/burn, through PKPHelper),
 * permissions (actions, addresses, auth methods, scopes), and reads (info, list by owner).
 * Every function takes contracts connected to the signer that acts (see deployment.ts).
 *
 * Over 400 lines on purpose: small free functions (one per contract operation) over the same
 * contracts and errors; a split by mint / permissions / info is possible if it grows.
 */
import { getAddress, hexlify } from "ethers";
import type { ContractTransactionResponse, Signer, TransactionReceipt } from "ethers";

import { bytesToCid, cidToBytes } from "../protocol/cid";
import {
  AUTH_METHOD_ACTION,
  AUTH_METHOD_ADDRESS,
  KEY_TYPE_ECDSA,
  SCOPE_PERSONAL_SIGN,
  SCOPE_SIGN_ANYTHING,
} from "../protocol";
import type { PKPContracts } from "./deployment";
import { ChainError, UnknownTokenError } from "./errors";
import { authMethodTypeName, scopeName } from "./parse";
import { call, mined, summary } from "./tx";
import type { TxSummary } from "./tx";

export { AUTH_METHOD_ACTION, AUTH_METHOD_ADDRESS, KEY_TYPE_ECDSA, SCOPE_PERSONAL_SIGN, SCOPE_SIGN_ANYTHING };
/** Scope ids are bit indices below 128 (PKPPermissions refuses larger ones); info reports them all. */
export const MAX_REPORTED_SCOPE = 128n;

export interface MintedPkp extends TxSummary {
  readonly tokenId: string;
  readonly pubkey: string;
  readonly ethAddress: string;
  readonly owner: string;
}

export interface AuthMethodInput {
  readonly authMethodType: bigint;
  /** 0x-hex bytes. */
  readonly id: string;
  /** 0x-hex bytes ("0x" when the method has none). */
  readonly userPubkey: string;
  readonly scopes: readonly bigint[];
}

export interface PermissionInfo {
  readonly authMethodType: string;
  readonly typeName: string;
  readonly id: string;
  readonly userPubkey: string;
  readonly scopes: readonly string[];
  /** For ACTION: the CIDv0 of the code; for ADDRESS: the address. */
  readonly cid?: string;
  readonly address?: string;
}

export interface PkpInfo {
  readonly tokenId: string;
  readonly tokenIdHex: string;
  readonly keyType: string;
  readonly pubkey: string;
  readonly ethAddress: string;
  /**
   * The owner's address, "burned" when the token was minted and burned, "unminted" when only routed
   * ("burned or unminted" when the RPC refuses the log query that tells them apart).
   */
  readonly owner: string;
  readonly permittedActions: readonly { cid: string; scopes: readonly string[] }[];
  readonly permittedAddresses: readonly { address: string; scopes: readonly string[] }[];
  readonly permittedAuthMethods: readonly PermissionInfo[];
}

export async function signerAddress(contracts: PKPContracts): Promise<string> {
  const runner = contracts.pkpNft.runner as Signer | null;
  if (runner === null || typeof (runner as Partial<Signer>).getAddress !== "function") {
    throw new ChainError("a signer is needed: connect the contracts to a Signer");
  }
  return getAddress(await runner.getAddress());
}

const nft = (c: PKPContracts) => ({ name: "PKPNFT", instance: c.pkpNft });
const permissions = (c: PKPContracts) => ({ name: "PKPPermissions", instance: c.pkpPermissions });
const helper = (c: PKPContracts) => ({ name: "PKPHelper", instance: c.pkpHelper });
const allInterfaces = (c: PKPContracts) => [
  c.pkpNft.interface,
  c.pkpPermissions.interface,
  c.pubkeyRouter.interface,
  c.staking.interface,
];

/** The PKPMinted event of a mint receipt → the minted token. */
function mintedFrom(
  contracts: PKPContracts,
  receipt: TransactionReceipt,
): { tokenId: bigint; pubkey: string } {
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== contracts.addresses.pkpNft.toLowerCase()) continue;
    const parsed = contracts.pkpNft.interface.parseLog(log);
    if (parsed?.name === "PKPMinted")
      return { tokenId: parsed.args[0] as bigint, pubkey: parsed.args[1] as string };
  }
  throw new ChainError(`transaction ${receipt.hash} minted no PKP`);
}

async function minted(contracts: PKPContracts, receipt: TransactionReceipt): Promise<MintedPkp> {
  const { tokenId, pubkey } = mintedFrom(contracts, receipt);
  const ethAddress = await contracts.pubkeyRouter.getEthAddress(tokenId);
  const exists = await contracts.pkpNft.exists(tokenId);
  const owner = exists ? getAddress(await contracts.pkpNft.ownerOf(tokenId)) : "burned";
  return {
    tokenId: tokenId.toString(),
    pubkey: hexlify(pubkey),
    ethAddress: getAddress(ethAddress),
    owner,
    ...summary(receipt),
  };
}

/** Refuses early, with a clear message, when the pool of routed keys of this type is empty. */
async function requireMintable(contracts: PKPContracts, keyType: bigint): Promise<void> {
  const available = await contracts.pkpNft.getUnmintedRoutedTokenIdCount(keyType);
  if (available === 0n) {
    throw new ChainError(`no routed key of type ${keyType.toString()} left to mint`, {
      details: "the nodes (or keys:route-dev on a development chain) must route keys first",
    });
  }
}

/** `PKPNFT.mintNext(keyType)`, paying `mintCost`. The caller owns the new PKP. */
export async function mintNext(
  contracts: PKPContracts,
  params: { keyType?: bigint } = {},
): Promise<MintedPkp> {
  const keyType = params.keyType ?? KEY_TYPE_ECDSA;
  await requireMintable(contracts, keyType);
  const value = await contracts.pkpNft.mintCost();
  const receipt = await call(nft(contracts), "mintNext", async () =>
    mined(await contracts.pkpNft.mintNext(keyType, { value }), "mintNext"),
  );
  return minted(contracts, receipt);
}

/**
 * `PKPNFT.mintGrantAndBurnNext(keyType, cid)`: one transaction mints, permits exactly this action with
 * SignAnything, and burns the token, so that no one can ever change which code may sign with the key.
 */
export async function mintGrantAndBurn(
  contracts: PKPContracts,
  params: { cid: string; keyType?: bigint },
): Promise<MintedPkp & { cid: string }> {
  const keyType = params.keyType ?? KEY_TYPE_ECDSA;
  const ipfsId = cidToBytes(params.cid);
  await requireMintable(contracts, keyType);
  const value = await contracts.pkpNft.mintCost();
  const receipt = await call(nft(contracts), "mintGrantAndBurnNext", async () =>
    mined(await contracts.pkpNft.mintGrantAndBurnNext(keyType, ipfsId, { value }), "mintGrantAndBurnNext"),
  );
  return { ...(await minted(contracts, receipt)), cid: params.cid };
}

export interface HelperMintParams {
  readonly keyType?: bigint;
  readonly actions?: readonly { cid: string; scopes: readonly bigint[] }[];
  readonly addresses?: readonly { address: string; scopes: readonly bigint[] }[];
  readonly authMethods?: readonly AuthMethodInput[];
  readonly addPkpEthAddressAsPermittedAddress?: boolean;
  readonly sendPkpToItself?: boolean;
}

/** `PKPHelper.mintNextAndAddAuthMethodsWithTypes`: mint and set permissions in one transaction. */
export async function mintWithPermissions(
  contracts: PKPContracts,
  params: HelperMintParams,
): Promise<MintedPkp> {
  const keyType = params.keyType ?? KEY_TYPE_ECDSA;
  const actions = params.actions ?? [];
  const addresses = params.addresses ?? [];
  const authMethods = params.authMethods ?? [];
  const ipfsIds = actions.map((action) => cidToBytes(action.cid));
  await requireMintable(contracts, keyType);
  const value = await contracts.pkpNft.mintCost();
  const receipt = await call(
    helper(contracts),
    "mintNextAndAddAuthMethodsWithTypes",
    async () =>
      mined(
        await contracts.pkpHelper.mintNextAndAddAuthMethodsWithTypes(
          keyType,
          ipfsIds,
          actions.map((action) => [...action.scopes]),
          addresses.map((entry) => entry.address),
          addresses.map((entry) => [...entry.scopes]),
          authMethods.map((method) => method.authMethodType),
          authMethods.map((method) => method.id),
          authMethods.map((method) => method.userPubkey),
          authMethods.map((method) => [...method.scopes]),
          params.addPkpEthAddressAsPermittedAddress ?? false,
          params.sendPkpToItself ?? false,
          { value },
        ),
        "mintNextAndAddAuthMethodsWithTypes",
      ),
    allInterfaces(contracts),
  );
  return minted(contracts, receipt);
}

/**
 * Refuses, before sending anything, a permission change the contract would refuse: unknown token,
 * burned or unminted token, or a signer that does not own it.
 */
async function requireOwner(contracts: PKPContracts, tokenId: bigint): Promise<string> {
  const status = await tokenStatus(contracts, tokenId);
  if (status === "unminted") throw new ChainError(`PKP ${tokenId.toString()} is not minted yet`);
  if (status === "burned or unminted") {
    throw new ChainError(`PKP ${tokenId.toString()} has no owner`, {
      details: "it is burned or not minted yet",
    });
  }
  if (status === "burned") {
    throw new ChainError(`PKP ${tokenId.toString()} is burned`, {
      details: "its permissions can never change",
    });
  }
  const signer = await signerAddress(contracts);
  if (status !== signer) {
    throw new ChainError(`${signer} does not own PKP ${tokenId.toString()}`, {
      details: `the owner is ${status}`,
    });
  }
  return signer;
}

/** The owner's address, "burned", or "unminted"; UnknownTokenError when the key was never routed. */
export async function tokenStatus(contracts: PKPContracts, tokenId: bigint): Promise<string> {
  if (await contracts.pkpNft.exists(tokenId)) return getAddress(await contracts.pkpNft.ownerOf(tokenId));
  if (!(await contracts.pubkeyRouter.isRouted(tokenId))) throw new UnknownTokenError(tokenId);
  // Routed and not owned: burned if it was ever minted. Public RPCs may refuse a log query over the
  // whole chain; then say what is certain.
  try {
    const mints = await contracts.pkpNft.queryFilter(contracts.pkpNft.filters.PKPMinted(tokenId));
    return mints.length > 0 ? "burned" : "unminted";
  } catch {
    return "burned or unminted";
  }
}

export interface PermissionChange extends TxSummary {
  readonly tokenId: string;
  readonly authMethodType: string;
  readonly id: string;
}

async function change(
  contracts: PKPContracts,
  tokenId: bigint,
  method: string,
  send: () => Promise<ContractTransactionResponse>,
  what: { authMethodType: bigint; id: string },
): Promise<PermissionChange> {
  await requireOwner(contracts, tokenId);
  const receipt = await call(permissions(contracts), method, async () => mined(await send(), method));
  return {
    tokenId: tokenId.toString(),
    authMethodType: what.authMethodType.toString(),
    id: what.id,
    ...summary(receipt),
  };
}

export async function grantAction(
  contracts: PKPContracts,
  params: { tokenId: bigint; cid: string; scopes: readonly bigint[] },
): Promise<PermissionChange & { cid: string }> {
  const id = cidToBytes(params.cid);
  const result = await change(
    contracts,
    params.tokenId,
    "addPermittedAction",
    () => contracts.pkpPermissions.addPermittedAction(params.tokenId, id, [...params.scopes]),
    { authMethodType: AUTH_METHOD_ACTION, id },
  );
  return { ...result, cid: params.cid };
}

export async function revokeAction(
  contracts: PKPContracts,
  params: { tokenId: bigint; cid: string },
): Promise<PermissionChange & { cid: string }> {
  const id = cidToBytes(params.cid);
  await requirePermitted(contracts, params.tokenId, AUTH_METHOD_ACTION, id, `action ${params.cid}`);
  const result = await change(
    contracts,
    params.tokenId,
    "removePermittedAction",
    () => contracts.pkpPermissions.removePermittedAction(params.tokenId, id),
    { authMethodType: AUTH_METHOD_ACTION, id },
  );
  return { ...result, cid: params.cid };
}

export async function grantAddress(
  contracts: PKPContracts,
  params: { tokenId: bigint; address: string; scopes: readonly bigint[] },
): Promise<PermissionChange & { address: string }> {
  const result = await change(
    contracts,
    params.tokenId,
    "addPermittedAddress",
    () => contracts.pkpPermissions.addPermittedAddress(params.tokenId, params.address, [...params.scopes]),
    { authMethodType: AUTH_METHOD_ADDRESS, id: params.address.toLowerCase() },
  );
  return { ...result, address: params.address };
}

export async function revokeAddress(
  contracts: PKPContracts,
  params: { tokenId: bigint; address: string },
): Promise<PermissionChange & { address: string }> {
  const id = params.address.toLowerCase();
  await requirePermitted(contracts, params.tokenId, AUTH_METHOD_ADDRESS, id, `address ${params.address}`);
  const result = await change(
    contracts,
    params.tokenId,
    "removePermittedAddress",
    () => contracts.pkpPermissions.removePermittedAddress(params.tokenId, params.address),
    { authMethodType: AUTH_METHOD_ADDRESS, id },
  );
  return { ...result, address: params.address };
}

export async function addAuthMethod(
  contracts: PKPContracts,
  params: { tokenId: bigint } & AuthMethodInput,
): Promise<PermissionChange> {
  return change(
    contracts,
    params.tokenId,
    "addPermittedAuthMethod",
    () =>
      contracts.pkpPermissions.addPermittedAuthMethod(
        params.tokenId,
        { authMethodType: params.authMethodType, id: params.id, userPubkey: params.userPubkey },
        [...params.scopes],
      ),
    params,
  );
}

export async function removeAuthMethod(
  contracts: PKPContracts,
  params: { tokenId: bigint; authMethodType: bigint; id: string },
): Promise<PermissionChange> {
  await requirePermitted(contracts, params.tokenId, params.authMethodType, params.id, "auth method");
  return change(
    contracts,
    params.tokenId,
    "removePermittedAuthMethod",
    () =>
      contracts.pkpPermissions.removePermittedAuthMethod(params.tokenId, params.authMethodType, params.id),
    params,
  );
}

async function requirePermitted(
  contracts: PKPContracts,
  tokenId: bigint,
  authMethodType: bigint,
  id: string,
  what: string,
): Promise<void> {
  await tokenStatus(contracts, tokenId);
  if (!(await contracts.pkpPermissions.isPermittedAuthMethod(tokenId, authMethodType, id))) {
    throw new ChainError(`${what} is not permitted on PKP ${tokenId.toString()}`, {
      details: "nothing to remove",
    });
  }
}

/** The scope ids (0 … MAX_REPORTED_SCOPE-1) set for an auth method of a PKP. */
export async function getScopes(
  contracts: PKPContracts,
  params: { tokenId: bigint; authMethodType: bigint; id: string },
): Promise<bigint[]> {
  const flags = await contracts.pkpPermissions.getPermittedAuthMethodScopes(
    params.tokenId,
    params.authMethodType,
    params.id,
    MAX_REPORTED_SCOPE,
  );
  // Copy out of the ethers Result first: Result's array methods build Results, which misbehave here.
  return Array.from(flags).flatMap((set, index) => (set ? [BigInt(index)] : []));
}

export interface ScopesResult {
  readonly tokenId: string;
  readonly authMethodType: string;
  readonly id: string;
  readonly permitted: boolean;
  readonly scopes: readonly string[];
  readonly transactions: readonly TxSummary[];
}

/** Adds and removes scopes of an auth method (owner only), then reports the scopes now set. */
export async function changeScopes(
  contracts: PKPContracts,
  params: {
    tokenId: bigint;
    authMethodType: bigint;
    id: string;
    add?: readonly bigint[];
    remove?: readonly bigint[];
  },
): Promise<ScopesResult> {
  const add = params.add ?? [];
  const remove = params.remove ?? [];
  await tokenStatus(contracts, params.tokenId);
  const permitted = await contracts.pkpPermissions.isPermittedAuthMethod(
    params.tokenId,
    params.authMethodType,
    params.id,
  );
  const transactions: TxSummary[] = [];
  if (add.length + remove.length > 0) {
    if (!permitted) {
      throw new ChainError(`auth method is not permitted on PKP ${params.tokenId.toString()}`, {
        details: "grant it first; scopes belong to a permitted auth method",
      });
    }
    await requireOwner(contracts, params.tokenId);
    for (const scope of add) {
      const receipt = await call(permissions(contracts), "addPermittedAuthMethodScope", async () =>
        mined(
          await contracts.pkpPermissions.addPermittedAuthMethodScope(
            params.tokenId,
            params.authMethodType,
            params.id,
            scope,
          ),
          "addPermittedAuthMethodScope",
        ),
      );
      transactions.push(summary(receipt));
    }
    for (const scope of remove) {
      const receipt = await call(permissions(contracts), "removePermittedAuthMethodScope", async () =>
        mined(
          await contracts.pkpPermissions.removePermittedAuthMethodScope(
            params.tokenId,
            params.authMethodType,
            params.id,
            scope,
          ),
          "removePermittedAuthMethodScope",
        ),
      );
      transactions.push(summary(receipt));
    }
  }
  const scopes = await getScopes(contracts, params);
  return {
    tokenId: params.tokenId.toString(),
    authMethodType: params.authMethodType.toString(),
    id: params.id,
    permitted,
    scopes: scopes.map((scope) => scope.toString()),
    transactions,
  };
}

/** Everything about a PKP: key, address, owner (or "burned"), and every permission with its scopes. */
export async function getPkpInfo(contracts: PKPContracts, tokenId: bigint): Promise<PkpInfo> {
  const owner = await tokenStatus(contracts, tokenId);
  const routing = await contracts.pubkeyRouter.getRoutingData(tokenId);
  const ethAddress = getAddress(await contracts.pubkeyRouter.getEthAddress(tokenId));
  const methods = await contracts.pkpPermissions.getPermittedAuthMethods(tokenId);
  const permittedAuthMethods: PermissionInfo[] = [];
  for (const method of methods) {
    const authMethodType = method.authMethodType;
    const id = hexlify(method.id);
    const scopes = (await getScopes(contracts, { tokenId, authMethodType, id })).map(scopeName);
    const entry: PermissionInfo = {
      authMethodType: authMethodType.toString(),
      typeName: authMethodTypeName(authMethodType),
      id,
      userPubkey: hexlify(method.userPubkey),
      scopes,
      ...(authMethodType === AUTH_METHOD_ACTION ? { cid: safeCid(id) } : {}),
      ...(authMethodType === AUTH_METHOD_ADDRESS && id.length === 42 ? { address: getAddress(id) } : {}),
    };
    permittedAuthMethods.push(entry);
  }
  return {
    tokenId: tokenId.toString(),
    tokenIdHex: `0x${tokenId.toString(16).padStart(64, "0")}`,
    keyType: routing.keyType.toString(),
    pubkey: hexlify(routing.pubkey),
    ethAddress,
    owner,
    permittedActions: permittedAuthMethods
      .filter((m) => m.cid !== undefined)
      .map((m) => ({ cid: m.cid as string, scopes: m.scopes })),
    permittedAddresses: permittedAuthMethods
      .filter((m) => m.address !== undefined)
      .map((m) => ({ address: m.address as string, scopes: m.scopes })),
    permittedAuthMethods,
  };
}

function safeCid(id: string): string | undefined {
  try {
    return bytesToCid(id);
  } catch {
    return undefined;
  }
}

export interface OwnedPkp {
  readonly tokenId: string;
  readonly pubkey: string;
  readonly ethAddress: string;
}

/** Every PKP an address owns (paged through `getPkpInfoFromOwnerAddress`). */
export async function listPkps(contracts: PKPContracts, owner: string, pageSize = 100n): Promise<OwnedPkp[]> {
  const total = await contracts.pkpNft.balanceOf(owner);
  const result: OwnedPkp[] = [];
  for (let page = 0n; BigInt(result.length) < total; page++) {
    const infos = await contracts.pkpNft.getPkpInfoFromOwnerAddress(owner, pageSize, page);
    if (infos.length === 0) break;
    for (const info of infos) {
      result.push({
        tokenId: info.tokenId.toString(),
        pubkey: hexlify(info.pubkey),
        ethAddress: getAddress(info.ethAddress),
      });
    }
  }
  return result;
}
