/**
 * A PKP for tests on a local network: minted from the nodes' routed pool with `PKPNFT.mintNext`, its
 * token id read from the Transfer event, its public key from the contract; and the wallet session
 * that lets its owner sign with it through every node.
 */
import { Interface, computeAddress, type Contract, type Signer } from "ethers";
import {
  LIT_ABILITY,
  getSessionSigs,
  pkpResource,
  requestAbility,
  type NetworkClient,
  type SessionSigs,
} from "../../src/sdk";

export interface TestPkp {
  tokenId: bigint;
  /** 0x04… uncompressed. */
  pubkey: string;
  address: string;
}

const TRANSFER = new Interface([
  "event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)",
]);

/** Mints the next routed ECDSA key (key type 2) to `owner`, paying the mint cost. */
export async function mintPkp(pkpNft: Contract, owner: Signer): Promise<TestPkp> {
  const nft = pkpNft.connect(owner) as Contract;
  const cost = (await nft.mintCost()) as bigint;
  const receipt = await (await nft.mintNext(2, { value: cost })).wait();
  const transfer = (receipt.logs as { topics: string[]; data: string }[])
    .map((l) => TRANSFER.parseLog(l))
    .find((l) => l !== null);
  if (!transfer) throw new Error("mintNext emitted no Transfer");
  const tokenId = transfer.args.tokenId as bigint;
  const pubkey = (await nft.getPubkey(tokenId)) as string;
  return { tokenId, pubkey, address: computeAddress(pubkey) };
}

/** A wallet session for every node of `client`, granting `Threshold/Signing` on the PKP `tokenId`. */
export async function signingSessionSigs(
  client: NetworkClient,
  signer: Signer,
  tokenId: bigint,
  chainId = 31337,
): Promise<SessionSigs> {
  const { sessionSigs } = await getSessionSigs({
    signer,
    nodeUrls: client.nodes.map((n) => n.url),
    latestBlockhash: client.latestBlockhash,
    resourceAbilityRequests: [requestAbility(pkpResource(tokenId), LIT_ABILITY.pkpSigning)],
    chainId,
  });
  return sessionSigs;
}
