// Shared fixtures and helpers for the contract suites. Every suite starts from `loadFixture(...)` of one of
// the fixtures below, and every fixture deploys through the same Ignition module production uses.
import { ignition, ethers } from "hardhat";
import { loadFixture, setBalance } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { secp256k1 } from "@noble/curves/secp256k1";
import { bytesToHex } from "@noble/hashes/utils";
import type { BaseWallet, ContractTransactionResponse, HDNodeWallet, TypedDataDomain, Wallet } from "ethers";
import PKPSystem from "../../ignition/modules/PKPSystem";
import { AUTH_METHOD_TYPE, KEY_TYPE_ECDSA } from "../../src/protocol";
import type {
  PKPHelper,
  PKPNFT,
  PKPNFTMetadata,
  PKPPermissions,
  PubkeyRouter,
  Staking,
} from "../../typechain-types";

export { loadFixture };

export {
  AUTH_METHOD_ACTION,
  AUTH_METHOD_ADDRESS,
  AUTH_METHOD_WEBAUTHN,
  KEY_TYPE_ECDSA,
  SCOPE_PERSONAL_SIGN,
  SCOPE_SIGN_ANYTHING,
} from "../../src/protocol";
/** Auth method types without a constant in the product. */
export const AUTH_METHOD_DISCORD = BigInt(AUTH_METHOD_TYPE.Discord);
export const AUTH_METHOD_GOOGLE = BigInt(AUTH_METHOD_TYPE.Google);
/** The default mint cost of the Ignition module. */
export const MINT_COST = 1n;
/** secp256k1's field prime. */
export const SECP256K1_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

export interface PKPSystemFixture {
  staking: Staking;
  pubkeyRouter: PubkeyRouter;
  pkpNft: PKPNFT;
  pkpPermissions: PKPPermissions;
  pkpHelper: PKPHelper;
  pkpNftMetadata: PKPNFTMetadata;
  /** Deployer: owns every ownable contract. */
  deployer: HardhatEthersSigner;
  /** Ordinary users. */
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  carol: HardhatEthersSigner;
  stakingAddress: string;
}

export interface Validators {
  /** Funded wallets registered as validators of the current epoch. */
  wallets: HDNodeWallet[];
}

/** A secp256k1 key made for a test: its private key is known, so the test can act as the PKP. */
export interface TestKey {
  privateKey: Uint8Array;
  /** 0x-hex of the 65-byte uncompressed public key. */
  pubkey: string;
  tokenId: bigint;
  ethAddress: string;
}

/** Deploys the whole system through `ignition/modules/PKPSystem.ts`. */
export async function deployPKPSystemFixture(): Promise<PKPSystemFixture> {
  const deployed = await ignition.deploy(PKPSystem);
  const [deployer, alice, bob, carol] = await ethers.getSigners();
  const staking = deployed.staking as unknown as Staking;
  return {
    staking,
    pubkeyRouter: deployed.pubkeyRouter as unknown as PubkeyRouter,
    pkpNft: deployed.pkpNft as unknown as PKPNFT,
    pkpPermissions: deployed.pkpPermissions as unknown as PKPPermissions,
    pkpHelper: deployed.pkpHelper as unknown as PKPHelper,
    pkpNftMetadata: deployed.pkpNftMetadata as unknown as PKPNFTMetadata,
    deployer,
    alice,
    bob,
    carol,
    stakingAddress: await staking.getAddress(),
  };
}

/** The system with 4 validators in the current epoch (consensus count 3). */
export async function deployWithValidatorsFixture(): Promise<PKPSystemFixture & Validators> {
  const system = await deployPKPSystemFixture();
  const wallets = await addValidators(system.staking, 4);
  await advanceEpoch(system);
  return { ...system, wallets };
}

/** The system with 4 validators and 5 routed keys in PKPNFT's pool. */
export async function deployWithPoolFixture(): Promise<PKPSystemFixture & Validators & { pool: TestKey[] }> {
  const system = await deployWithValidatorsFixture();
  const pool: TestKey[] = [];
  for (let i = 0; i < 5; i++) pool.push(await routeKeyAsAdmin(system));
  return { ...system, pool };
}

/** Adds `count` fresh, funded validator wallets (staged: they take effect at the next `advanceEpoch`). */
export async function addValidators(staking: Staking, count: number): Promise<HDNodeWallet[]> {
  const wallets: HDNodeWallet[] = [];
  for (let i = 0; i < count; i++) {
    const wallet = ethers.Wallet.createRandom().connect(ethers.provider);
    await setBalance(wallet.address, ethers.parseEther("10"));
    await staking.addValidator(2130706433, 0, 7470 + i, wallet.address, BigInt(i + 1), BigInt(i + 101));
    wallets.push(wallet);
  }
  return wallets;
}

/** Starts the next epoch (the staged validator set takes effect); the deployer owns Staking. */
export async function advanceEpoch(system: PKPSystemFixture): Promise<void> {
  await (await system.staking.connect(system.deployer).advanceEpoch()).wait();
}

/** A fresh random secp256k1 key. */
export function randomKey(): TestKey {
  const privateKey = secp256k1.utils.randomPrivateKey();
  return keyFromPrivate(privateKey);
}

/** The key of a private key. */
export function keyFromPrivate(privateKey: Uint8Array): TestKey {
  const uncompressed = secp256k1.getPublicKey(privateKey, false);
  const pubkey = "0x" + bytesToHex(uncompressed);
  return {
    privateKey,
    pubkey,
    tokenId: BigInt(ethers.keccak256(pubkey)),
    ethAddress: ethers.computeAddress(pubkey),
  };
}

/** A Signature struct for the router. */
export interface RouterSignature {
  r: string;
  s: string;
  v: number;
}

/** The EIP-712 types of PubkeyRouter's routing signatures. */
export const ROUTING_TYPES = {
  RoutingData: [
    { name: "tokenId", type: "uint256" },
    { name: "pubkey", type: "bytes" },
    { name: "keyType", type: "uint256" },
    { name: "stakingContract", type: "address" },
  ],
};

/** The EIP-712 domain of `pubkeyRouter` (its name and version, this chain, its address), with overrides. */
export async function routingDomain(
  pubkeyRouter: PubkeyRouter,
  override: Partial<TypedDataDomain> = {},
): Promise<TypedDataDomain> {
  const { chainId } = await ethers.provider.getNetwork();
  return {
    name: "PubkeyRouter",
    version: "1",
    chainId,
    verifyingContract: await pubkeyRouter.getAddress(),
    ...override,
  };
}

/** The EIP-712 digest of `RoutingData(tokenId, pubkey, keyType, stakingContract)` under the router's domain. */
export async function routingDigest(
  pubkeyRouter: PubkeyRouter,
  key: { tokenId: bigint; pubkey: string },
  stakingContract: string,
  keyType: bigint = KEY_TYPE_ECDSA,
): Promise<string> {
  return ethers.TypedDataEncoder.hash(await routingDomain(pubkeyRouter), ROUTING_TYPES, {
    tokenId: key.tokenId,
    pubkey: key.pubkey,
    keyType,
    stakingContract,
  });
}

/** The validators' EIP-712 signatures over `RoutingData(tokenId, pubkey, keyType, stakingContract)`. */
export async function signRoutingData(
  signers: BaseWallet[],
  pubkeyRouter: PubkeyRouter,
  key: { tokenId: bigint; pubkey: string },
  stakingContract: string,
  keyType: bigint = KEY_TYPE_ECDSA,
  domainOverride: Partial<TypedDataDomain> = {},
): Promise<RouterSignature[]> {
  const domain = await routingDomain(pubkeyRouter, domainOverride);
  const value = { tokenId: key.tokenId, pubkey: key.pubkey, keyType, stakingContract };
  const signatures: RouterSignature[] = [];
  for (const signer of signers) {
    const sig = ethers.Signature.from(await signer.signTypedData(domain, ROUTING_TYPES, value));
    signatures.push({ r: sig.r, s: sig.s, v: sig.v });
  }
  return signatures;
}

export interface RoutingOptions {
  /** Who signs (default: the first three of the four validators, the consensus count). */
  signers?: BaseWallet[];
  /** The staking contract named in the data (default: the trusted one). */
  stakingContract?: string;
  keyType?: bigint;
  /** Fields of the EIP-712 domain to sign under instead of the router's own. */
  domain?: Partial<TypedDataDomain>;
}

/** `signRoutingData` for `key` with the fixture's validators, router and staking contract. */
export function routingSignatures(
  system: PKPSystemFixture & Validators,
  key: { tokenId: bigint; pubkey: string },
  o: RoutingOptions = {},
): Promise<RouterSignature[]> {
  return signRoutingData(
    o.signers ?? system.wallets.slice(0, 3),
    system.pubkeyRouter,
    key,
    o.stakingContract ?? system.stakingAddress,
    o.keyType ?? KEY_TYPE_ECDSA,
    o.domain ?? {},
  );
}

/** `setRoutingData(key, signatures)` naming the trusted staking contract and ECDSA unless told otherwise. */
export function submitRouting(
  system: PKPSystemFixture,
  key: { tokenId: bigint; pubkey: string },
  signatures: RouterSignature[],
  o: Pick<RoutingOptions, "stakingContract" | "keyType"> = {},
): ReturnType<PubkeyRouter["setRoutingData"]> {
  return system.pubkeyRouter.setRoutingData(
    key.tokenId,
    key.pubkey,
    o.stakingContract ?? system.stakingAddress,
    o.keyType ?? KEY_TYPE_ECDSA,
    signatures,
  );
}

/** EIP-191 personal-message signatures of `message` by `signers`. */
export async function signMessage(signers: BaseWallet[], message: Uint8Array): Promise<RouterSignature[]> {
  const signatures: RouterSignature[] = [];
  for (const signer of signers) {
    const sig = ethers.Signature.from(await signer.signMessage(message));
    signatures.push({ r: sig.r, s: sig.s, v: sig.v });
  }
  return signatures;
}

/** Routes a fresh key with the signatures of `signers` (default: the consensus count of the validators). */
export async function routeKey(
  system: PKPSystemFixture & Validators,
  signers?: BaseWallet[],
): Promise<TestKey> {
  const key = randomKey();
  const required = Number(await system.staking.currentValidatorCountForConsensus());
  const chosen = signers ?? system.wallets.slice(0, required);
  await submitRouting(system, key, await routingSignatures(system, key, { signers: chosen }));
  return key;
}

/** Routes a fresh key with `setRoutingDataAsAdmin` (the deployer owns the router). */
export async function routeKeyAsAdmin(system: PKPSystemFixture): Promise<TestKey> {
  const key = randomKey();
  await system.pubkeyRouter
    .connect(system.deployer)
    .setRoutingDataAsAdmin(key.tokenId, key.pubkey, system.stakingAddress, KEY_TYPE_ECDSA);
  return key;
}

/** The token id of the PKPMinted event of a transaction. */
export async function mintedTokenId(
  system: PKPSystemFixture,
  tx: ContractTransactionResponse | Promise<ContractTransactionResponse>,
): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("no receipt");
  for (const log of receipt.logs) {
    try {
      const parsed = system.pkpNft.interface.parseLog(log);
      if (parsed?.name === "PKPMinted") return parsed.args.tokenId as bigint;
    } catch {
      // a log of another contract
    }
  }
  throw new Error("no PKPMinted event");
}

/** Routes a fresh key and mints it to `to` with `mintNext`; returns the minted key. */
export async function mintPkp(system: PKPSystemFixture, to: HardhatEthersSigner): Promise<TestKey> {
  const before = await system.pkpNft.getUnmintedRoutedTokenIdCount(KEY_TYPE_ECDSA);
  const key = await routeKeyAsAdmin(system);
  // The pool hands out its oldest key first: mint until ours comes out.
  for (let i = 0n; i <= before; i++) {
    const tokenId = await mintedTokenId(
      system,
      system.pkpNft.connect(to).mintNext(KEY_TYPE_ECDSA, { value: await system.pkpNft.mintCost() }),
    );
    if (tokenId === key.tokenId) return key;
  }
  throw new Error("minted key not found");
}

/** The CIDv0 multihash bytes (0x1220 ‖ sha256) of some bytes, as `ipfs add` would give for small raw content. */
export function fakeCid(label: string): string {
  return "0x1220" + ethers.sha256(ethers.toUtf8Bytes(label)).slice(2);
}

/** A wallet that signs as the PKP itself (its private key is known to the test), funded on the chain. */
export async function pkpWallet(key: TestKey): Promise<Wallet> {
  const wallet = new ethers.Wallet("0x" + bytesToHex(key.privateKey), ethers.provider);
  await setBalance(wallet.address, ethers.parseEther("10"));
  return wallet;
}
