/**
 * Gas of the PKP contracts' main calls, measured from transaction receipts (gasUsed) on the
 * in-process Hardhat network, next to Lit's published figures. Prints a Markdown table.
 *
 *   npm run bench:gas                       # = npx hardhat run bench/gas.ts
 *   BENCH_GAS_JSON=gas.json npm run bench:gas   # also writes the raw numbers
 *
 * Each call is measured REPEAT times on fresh tokens (the first mint of the chain pays for cold
 * storage once; later mints are the steady state) and reported as median and range.
 */
import { writeFileSync } from "node:fs";
import hre from "hardhat";
import { Signature, Wallet, hexlify, keccak256, randomBytes } from "ethers";
import type { ContractTransactionResponse } from "ethers";

import { cidToBytes, cidOf } from "../src/protocol/cid";
import { connectContracts } from "../src/chain/deployment";
import type { PKPContracts } from "../src/chain/deployment";
import { makeDevKey } from "../src/chain/devkeys";
import { deployPkpSystem } from "../src/chain/hardhat";
import { KEY_TYPE_ECDSA, SCOPE_SIGN_ANYTHING } from "../src/chain/pkp";

const REPEAT = 5;
const VALIDATORS = 7;

/** Lit's published figures (their optimizer was off). */
const LIT: Record<string, number | undefined> = {
  mintNext: 165_000,
  mintGrantAndBurnNext: 342_000,
  mintNextAndAddAuthMethods: 1_760_000,
  addPermittedAction: 185_000,
  addPermittedAuthMethod: 239_000,
};

const samples = new Map<string, bigint[]>();
const notes = new Map<string, string>();

async function measure(
  name: string,
  note: string,
  send: () => Promise<ContractTransactionResponse>,
): Promise<void> {
  const response = await send();
  const receipt = await response.wait();
  if (receipt === null || receipt.status !== 1) throw new Error(`${name} failed`);
  const list = samples.get(name) ?? [];
  list.push(receipt.gasUsed);
  samples.set(name, list);
  notes.set(name, note);
}

function tokenIdFrom(
  contracts: PKPContracts,
  logs: readonly { address: string; topics: readonly string[]; data: string }[],
): bigint {
  for (const log of logs) {
    if (log.address.toLowerCase() !== contracts.addresses.pkpNft.toLowerCase()) continue;
    const parsed = contracts.pkpNft.interface.parseLog(log);
    if (parsed?.name === "PKPMinted") return parsed.args[0] as bigint;
  }
  throw new Error("no PKPMinted");
}

async function main(): Promise<void> {
  if (hre.network.name !== "hardhat") throw new Error("run on the in-process hardhat network");
  const [owner, other] = await hre.ethers.getSigners();
  if (owner === undefined || other === undefined) throw new Error("need two accounts");
  const addresses = await deployPkpSystem(hre);
  const c = await connectContracts(addresses, owner);
  const { chainId } = await hre.ethers.provider.getNetwork();

  // Seven validators, active from the next epoch.
  const validators = Array.from({ length: VALIDATORS }, () => Wallet.createRandom());
  for (const [i, validator] of validators.entries()) {
    await (
      await c.staking.addValidator(
        0x7f000001,
        0n,
        7470 + i,
        validator.address,
        BigInt(hexlify(randomBytes(32))),
        BigInt(hexlify(randomBytes(32))),
      )
    ).wait();
  }
  await (await c.staking.advanceEpoch()).wait();
  const needed = await c.staking.currentValidatorCountForConsensus();

  // setRoutingData with 7 validator signatures over the EIP-712 RoutingData message.
  const domain = { name: "PubkeyRouter", version: "1", chainId, verifyingContract: addresses.pubkeyRouter };
  const types = {
    RoutingData: [
      { name: "tokenId", type: "uint256" },
      { name: "pubkey", type: "bytes" },
      { name: "keyType", type: "uint256" },
      { name: "stakingContract", type: "address" },
    ],
  };
  const keysNeeded = REPEAT * 5 + 2;
  for (let i = 0; i < keysNeeded; i++) {
    const key = makeDevKey();
    if (i % 2 === 0) {
      const message = {
        tokenId: key.tokenId,
        pubkey: key.pubkey,
        keyType: KEY_TYPE_ECDSA,
        stakingContract: addresses.staking,
      };
      const signatures = await Promise.all(
        validators.map(async (validator) => {
          const signature = Signature.from(await validator.signTypedData(domain, types, message));
          return { r: signature.r, s: signature.s, v: signature.v };
        }),
      );
      await measure(
        `setRoutingData`,
        `${VALIDATORS} validator signatures (${needed.toString()} needed)`,
        () =>
          c.pubkeyRouter.setRoutingData(
            key.tokenId,
            key.pubkey,
            addresses.staking,
            KEY_TYPE_ECDSA,
            signatures,
          ),
      );
    } else {
      await measure("setRoutingDataAsAdmin", "owner, development networks", () =>
        c.pubkeyRouter.setRoutingDataAsAdmin(key.tokenId, key.pubkey, addresses.staking, KEY_TYPE_ECDSA),
      );
    }
  }

  const value = await c.pkpNft.mintCost();
  const cid = await cidOf(
    "const go = async () => { await Lit.Actions.signEcdsa({ toSign, publicKey, sigName }); }; go();",
  );
  const ipfsId = cidToBytes(cid);
  const minted: bigint[] = [];

  for (let i = 0; i < REPEAT; i++) {
    const response = await c.pkpNft.mintNext(KEY_TYPE_ECDSA, { value });
    const receipt = await response.wait();
    if (receipt === null) throw new Error("no receipt");
    (samples.get("mintNext") ?? samples.set("mintNext", []).get("mintNext"))?.push(receipt.gasUsed);
    notes.set("mintNext", "PKPNFT, one routed key taken from the pool");
    minted.push(tokenIdFrom(c, receipt.logs));
  }
  for (let i = 0; i < REPEAT; i++) {
    const id = cidToBytes(await cidOf(`// action ${i}\n`));
    await measure("mintGrantAndBurnNext", "PKPNFT: mint, permit one action (SignAnything), burn", () =>
      c.pkpNft.mintGrantAndBurnNext(KEY_TYPE_ECDSA, id, { value }),
    );
  }
  for (let i = 0; i < REPEAT; i++) {
    await measure(
      "mintNextAndAddAuthMethods",
      "PKPHelper: 1 auth method (GOOGLE_JWT, 1 scope) + the PKP's own address",
      () =>
        c.pkpHelper.mintNextAndAddAuthMethods(
          KEY_TYPE_ECDSA,
          [6n],
          [keccak256(randomBytes(32))],
          ["0x"],
          [[SCOPE_SIGN_ANYTHING]],
          true,
          false,
          { value },
        ),
    );
  }
  for (let i = 0; i < REPEAT; i++) {
    await measure(
      "mintNextAndAddAuthMethodsWithTypes",
      "PKPHelper: 1 action, 1 address, 1 auth method, each 1 scope",
      () =>
        c.pkpHelper.mintNextAndAddAuthMethodsWithTypes(
          KEY_TYPE_ECDSA,
          [ipfsId],
          [[SCOPE_SIGN_ANYTHING]],
          [other.address],
          [[SCOPE_SIGN_ANYTHING]],
          [6n],
          [keccak256(randomBytes(32))],
          ["0x"],
          [[SCOPE_SIGN_ANYTHING]],
          false,
          false,
          { value },
        ),
    );
  }

  for (const [i, tokenId] of minted.entries()) {
    const user = Wallet.createRandom().address;
    const method = { authMethodType: 6n, id: keccak256(randomBytes(32)), userPubkey: "0x" };
    // A CID the contract has never seen (its auth method record is created), then one it knows.
    const fresh = cidToBytes(await cidOf(`// a new action ${i}\n`));
    await measure("addPermittedAction", "new CID, 1 scope", () =>
      c.pkpPermissions.addPermittedAction(tokenId, fresh, [SCOPE_SIGN_ANYTHING]),
    );
    await measure("removePermittedAction", "clears its scopes", () =>
      c.pkpPermissions.removePermittedAction(tokenId, fresh),
    );
    await measure("addPermittedAction (known CID)", "CID already permitted on another PKP, 1 scope", () =>
      c.pkpPermissions.addPermittedAction(tokenId, ipfsId, [SCOPE_SIGN_ANYTHING]),
    );
    await measure("addPermittedAddress", "new address, 1 scope", () =>
      c.pkpPermissions.addPermittedAddress(tokenId, user, [SCOPE_SIGN_ANYTHING]),
    );
    await measure("removePermittedAddress", "clears its scopes", () =>
      c.pkpPermissions.removePermittedAddress(tokenId, user),
    );
    await measure("addPermittedAuthMethod", "new GOOGLE_JWT id, 1 scope", () =>
      c.pkpPermissions.addPermittedAuthMethod(tokenId, method, [SCOPE_SIGN_ANYTHING]),
    );
    await measure("removePermittedAuthMethod", "clears its scopes", () =>
      c.pkpPermissions.removePermittedAuthMethod(tokenId, method.authMethodType, method.id),
    );
  }

  const order = [
    "mintNext",
    "mintGrantAndBurnNext",
    "mintNextAndAddAuthMethods",
    "mintNextAndAddAuthMethodsWithTypes",
    "addPermittedAction",
    "addPermittedAction (known CID)",
    "removePermittedAction",
    "addPermittedAddress",
    "removePermittedAddress",
    "addPermittedAuthMethod",
    "removePermittedAuthMethod",
    "setRoutingData",
    "setRoutingDataAsAdmin",
  ];
  const rows = order.map((name) => {
    const list = [...(samples.get(name) ?? [])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const median = list[Math.floor(list.length / 2)] ?? 0n;
    const lit = LIT[name];
    return {
      name,
      note: notes.get(name) ?? "",
      n: list.length,
      median: Number(median),
      min: Number(list[0] ?? 0n),
      max: Number(list[list.length - 1] ?? 0n),
      lit,
      vsLit: lit === undefined ? undefined : Math.round((1 - Number(median) / lit) * 100),
    };
  });
  const fmt = (n: number) => n.toLocaleString("en-US");
  console.log(
    `Gas used (receipts; solc ${hre.config.solidity.compilers[0]?.version}, optimizer ${JSON.stringify(hre.config.solidity.compilers[0]?.settings?.optimizer)})\n`,
  );
  console.log("| call | what | median | min–max (n) | Lit | vs Lit |");
  console.log("|---|---|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(
      `| \`${r.name}\` | ${r.note} | ${fmt(r.median)} | ${fmt(r.min)}–${fmt(r.max)} (${r.n}) | ${r.lit === undefined ? "" : `~${fmt(r.lit)}`} | ${r.vsLit === undefined ? "" : `${r.vsLit > 0 ? "−" : "+"}${Math.abs(r.vsLit)}%`} |`,
    );
  }
  const out = process.env.BENCH_GAS_JSON;
  if (out !== undefined && out !== "") writeFileSync(out, JSON.stringify(rows, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
