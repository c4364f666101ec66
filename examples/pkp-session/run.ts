/**
 * Using a PKP through a PKP session, against a network started by `npx hardhat network:start`:
 * the owner mints a PKP and permits a second wallet (an EthWallet auth method) with SignAnything;
 * that wallet asks the nodes for a network-signed session for the PKP (no wallet signature per
 * request after that), and an ethers signer backed by the PKP sends a transaction with it.
 *
 *   node -r ts-node/register/transpile-only examples/pkp-session/run.ts [dataDir]
 */
import { parseEther, formatEther } from "ethers";

import { grantAddress, mintNext } from "../../src/chain/pkp";
import { openNetwork } from "../../src/network/open";
import {
  PkpSigner,
  ethWalletAuthMethod,
  getPkpSessionSigs,
  pkpResource,
  requestAbility,
} from "../../src/sdk";

async function main(): Promise<void> {
  const dataDir = process.argv[2] ?? ".data/network";
  const owner = await openNetwork(dataDir, { from: 0 });
  const user = await owner.provider.getSigner(1);

  const pkp = await mintNext(owner.contracts);
  await grantAddress(owner.contracts, { tokenId: BigInt(pkp.tokenId), address: user.address, scopes: [1n] });
  console.log(`PKP ${pkp.ethAddress} (token ${pkp.tokenId}); ${user.address} permitted with SignAnything`);

  const latest = (await owner.provider.getBlock("latest"))!.hash!;
  const authMethod = await ethWalletAuthMethod({ signer: user, latestBlockhash: latest });
  const session = await getPkpSessionSigs({
    client: owner.client,
    pkpPublicKey: pkp.pubkey,
    authMethods: [authMethod],
    resourceAbilityRequests: [requestAbility(pkpResource(BigInt(pkp.tokenId)), "pkp-signing")],
  });
  console.log(
    `PKP session: signed by the network (${session.pkpAuthSig.algo}, nodes ${session.signers.join(", ")}), ` +
      `for ${session.pkpAuthSig.address}`,
  );

  await (await owner.signer.sendTransaction({ to: pkp.ethAddress, value: parseEther("1") })).wait();
  const signer = new PkpSigner(
    { client: owner.client, pubkey: pkp.pubkey, sessionSigs: session.sessionSigs },
    owner.provider,
  );
  const tx = await signer.sendTransaction({ to: user.address, value: parseEther("0.25") });
  const receipt = await tx.wait();
  console.log(`sent 0.25 ETH from the PKP with the session: tx ${tx.hash} in block ${receipt!.blockNumber}`);
  console.log(`PKP balance now ${formatEther(await owner.provider.getBalance(pkp.ethAddress))} ETH`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
