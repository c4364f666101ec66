/*
 * NOT PART OF `npm test` (run it with `npm run test:network10`) because of its run time: it passed on
 * 2026-11-22 in 9 min with the 2 cores at load average 40-50 (most of it the chain, the deployment and ten ts-node processes
 * starting). Move it to test/e2e/ once it runs in under 3 minutes on the CI machine.
 */
/**
 * N = 10 (t = 3, quorum 7): the launcher starts ten node processes that make the network key by DKG and
 * vote it on chain, and a PKP minted from their pool signs through our SDK.
 */
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Wallet, keccak256, parseEther, recoverAddress, toUtf8Bytes } from "ethers";

import { connectContracts } from "../src/chain/deployment";
import { mintNext } from "../src/chain/pkp";
import { isAlive, startNetwork, type Network } from "../src/network";
import { connect, getSessionSigs, jsonRpcProvider, pkpResource, pkpSign, requestAbility } from "../src/sdk";

describe("a local network of 10 nodes", function () {
  this.timeout(1_200_000);
  let network: Network | undefined;

  after(async () => {
    await network?.stop();
  });

  it("starts, signs with a minted PKP through 7 nodes, and stops cleanly", async () => {
    network = await startNetwork({
      nodes: 10,
      dataDir: mkdtempSync(path.join(os.tmpdir(), "pkp-e2e10-")),
      progress: "silent",
      pools: { pkpKeys: 1, presignatures: 4, keyBatch: 1, presignatureBatch: 4 },
      readyTimeoutMs: 1_000_000,
    });
    expect(network.info.n).to.equal(10);
    expect(network.info.t).to.equal(3);
    expect(network.info.quorum).to.equal(7);

    const provider = jsonRpcProvider(network.info.rpcUrl, 100);
    const owner = new Wallet(Wallet.createRandom().privateKey, provider);
    await (
      await (await provider.getSigner(0)).sendTransaction({ to: owner.address, value: parseEther("1") })
    ).wait();
    const pkp = await mintNext(await connectContracts(network.info.contracts, owner));
    const client = await connect({ provider, staking: network.info.contracts.staking });
    expect(client.connectedUrls).to.have.length(10);
    const { sessionSigs } = await getSessionSigs({
      signer: owner,
      nodeUrls: client.nodes.map((x) => x.url),
      latestBlockhash: client.latestBlockhash,
      resourceAbilityRequests: [requestAbility(pkpResource(BigInt(pkp.tokenId)), "pkp-signing")],
    });
    const digest = keccak256(toUtf8Bytes("ten nodes"));
    const result = await pkpSign({ client, pubkey: pkp.pubkey, toSign: digest, sessionSigs });
    expect(recoverAddress(digest, result.signature)).to.equal(pkp.ethAddress);
    expect(result.signingSet).to.have.length(7);

    const pids = [...network.info.nodes.map((x) => x.pid), network.info.chainPid!];
    await network.stop();
    for (const pid of pids) expect(isAlive(pid), `process ${pid}`).to.equal(false);
  });
});
