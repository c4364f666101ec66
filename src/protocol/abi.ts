/**
 * The contract fragments that the node and the SDK read without typechain bindings, one
 * human-readable ABI per contract (the union of what any reader calls or decodes). This is the only
 * place a hand-written ABI is declared; `src/chain/` (tasks) uses the typechain bindings instead.
 */

/**
 * Staking: the validator set and epoch. `getActiveUnkickedValidatorStructsAndCounts` is the one read
 * Lit's v7 client makes (pass this ABI as its `contractContext.Staking.abi`).
 */
export const STAKING_ABI = [
  "function getActiveUnkickedValidatorStructsAndCounts() view returns (tuple(uint256 epochLength, uint256 number, uint256 endTime, uint256 retries, uint256 timeout), uint256, tuple(uint32 ip, uint128 ipv6, uint32 port, address nodeAddress, uint256 reward, uint256 senderPubKey, uint256 receiverPubKey)[])",
  "function getValidatorsStructsInCurrentEpoch() view returns (tuple(uint32 ip, uint128 ipv6, uint32 port, address nodeAddress, uint256 reward, uint256 senderPubKey, uint256 receiverPubKey)[])",
  "function epoch() view returns (tuple(uint256 epochLength, uint256 number, uint256 endTime, uint256 retries, uint256 timeout))",
  "function currentValidatorCountForConsensus() view returns (uint256)",
  "event StateChanged(uint8 newState)",
  "event EpochAdvanced(uint256 number)",
] as const;

/** PubkeyRouter: root keys, key routing, a PKP's public key. */
export const PUBKEY_ROUTER_ABI = [
  "function voteForRootKeys(address stakingContract, tuple(bytes pubkey, uint256 keyType)[] newRootKeys)",
  "function getRootKeys(address stakingContract) view returns (tuple(bytes pubkey, uint256 keyType)[])",
  "function setRoutingDataBatch(uint256[] tokenIds, bytes[] pubkeys, address stakingContract, uint256 keyType, tuple(bytes32 r, bytes32 s, uint8 v)[][] signatures)",
  "function isRouted(uint256 tokenId) view returns (bool)",
  "function getPubkey(uint256 tokenId) view returns (bytes)",
  "function ethAddressToPkpId(address ethAddress) view returns (uint256)",
] as const;

/** PKPNFT: the routed-key pool, ownership, the mint/grant/burn of a proof. */
export const PKP_NFT_ABI = [
  "function getUnmintedRoutedTokenIdCount(uint256 keyType) view returns (uint256)",
  "function exists(uint256 tokenId) view returns (bool)",
  "function ownerOf(uint256 tokenId) view returns (address)",
  "function mintGrantAndBurnNext(uint256 keyType, bytes ipfsCID) payable returns (uint256)",
  "event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)",
  "event PKPMinted(uint256 indexed tokenId, bytes pubkey)",
] as const;

/** PKPPermissions: permitted actions, addresses and auth methods with their scopes, and their events. */
export const PKP_PERMISSIONS_ABI = [
  "function isPermittedAction(uint256 tokenId, bytes ipfsCID) view returns (bool)",
  "function isPermittedAddress(uint256 tokenId, address user) view returns (bool)",
  "function isPermittedAuthMethod(uint256 tokenId, uint256 authMethodType, bytes id) view returns (bool)",
  "function isPermittedAuthMethodScopePresent(uint256 tokenId, uint256 authMethodType, bytes id, uint256 scopeId) view returns (bool)",
  "function getPermittedActions(uint256 tokenId) view returns (bytes[])",
  "function getPermittedAddresses(uint256 tokenId) view returns (address[])",
  "function getPermittedAuthMethods(uint256 tokenId) view returns (tuple(uint256 authMethodType, bytes id, bytes userPubkey)[])",
  "function getPermittedAuthMethodScopes(uint256 tokenId, uint256 authMethodType, bytes id, uint256 maxScopeId) view returns (bool[])",
  "function getUserPubkeyForAuthMethod(uint256 authMethodType, bytes id) view returns (bytes)",
  "event PermittedAuthMethodAdded(uint256 indexed tokenId, uint256 authMethodType, bytes id, bytes userPubkey)",
  "event PermittedAuthMethodRemoved(uint256 indexed tokenId, uint256 authMethodType, bytes id)",
  "event PermittedAuthMethodScopeAdded(uint256 indexed tokenId, uint256 authMethodType, bytes id, uint256 scopeId)",
  "event PermittedAuthMethodScopeRemoved(uint256 indexed tokenId, uint256 authMethodType, bytes id, uint256 scopeId)",
  "event RootHashUpdated(uint256 indexed tokenId, uint256 indexed group, bytes32 root)",
] as const;
