import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, Wallet, parseEther } from "ethers";

import { SequencedSigner, sequenced } from "../../src/chain/signer";
import { startChain, type EmbeddedChain } from "../../src/network/chain";
import { expectRejection } from "../helpers/expect";

/** Hardhat's account #2 (funded on `hardhat node`; nothing else in this file uses it). */
const KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

describe("SequencedSigner: one account's transactions with nonces the chain agrees with (real hardhat node)", function () {
  this.timeout(240_000);
  let dir: string;
  let chain: EmbeddedChain;
  let provider: JsonRpcProvider;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "pkp-signer-"));
    chain = await startChain({ logFile: path.join(dir, "chain.log") });
    // ethers' default provider: identical requests within 250 ms share one answer (cacheTimeout).
    provider = new JsonRpcProvider(chain.rpcUrl, 31337, { staticNetwork: true });
  });

  after(async () => {
    provider?.destroy();
    await chain?.process.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const to = () => Wallet.createRandom().address;

  // A plain wallet on this provider reuses a nonce when its second transaction follows the first
  // within 250 ms (the sessions e2e flake); whether it does depends on timing, so it is not a test.
  it("sends back-to-back transactions on a caching provider, each with the next nonce", async () => {
    const signer = new SequencedSigner(new Wallet(KEY, provider));
    const first = await signer.sendTransaction({ to: to(), value: 1n });
    await first.wait();
    const second = await signer.sendTransaction({ to: to(), value: 1n });
    await second.wait();
    expect(second.nonce).to.equal(first.nonce + 1);
  });

  it("sends concurrent transactions one after another, with consecutive nonces, all mined", async () => {
    const signer = new SequencedSigner(new Wallet(KEY, provider));
    const sent = await Promise.all(
      Array.from({ length: 6 }, () => signer.sendTransaction({ to: to(), value: 1n })),
    );
    const nonces = sent.map((tx) => tx.nonce);
    for (let k = 1; k < nonces.length; k++) expect(nonces[k]).to.equal(nonces[0] + k);
    for (const tx of sent) expect((await tx.wait())?.status).to.equal(1);
  });

  it("after a failed attempt (nothing sent) the next transaction takes the nonce the chain expects", async () => {
    const signer = new SequencedSigner(new Wallet(KEY, provider));
    const before = await provider.getTransactionCount(await signer.getAddress(), "latest");
    const refused = await expectRejection(
      signer.sendTransaction({ to: to(), value: parseEther("1000000000") }),
    );
    expect(refused.message).to.match(/funds/i);
    const tx = await signer.sendTransaction({ to: to(), value: 1n });
    expect(tx.nonce).to.equal(before);
    expect((await tx.wait())?.status).to.equal(1);
  });

  it("follows transactions the same account sent elsewhere (the chain's count wins when it is ahead)", async () => {
    const fresh = new JsonRpcProvider(chain.rpcUrl, 31337, { staticNetwork: true, cacheTimeout: -1 });
    try {
      const signer = new SequencedSigner(new Wallet(KEY, fresh));
      const first = await signer.sendTransaction({ to: to(), value: 1n });
      await first.wait();
      await (await new Wallet(KEY, fresh).sendTransaction({ to: to(), value: 1n })).wait();
      const tx = await signer.sendTransaction({ to: to(), value: 1n });
      expect(tx.nonce).to.equal(first.nonce + 2);
      expect((await tx.wait())?.status).to.equal(1);
    } finally {
      fresh.destroy();
    }
  });

  it("takes the chain's count after the chain went back to a snapshot", async () => {
    const signer = new SequencedSigner(new Wallet(KEY, provider));
    const snapshot: string = await provider.send("evm_snapshot", []);
    const first = await signer.sendTransaction({ to: to(), value: 1n });
    await first.wait();
    expect(await provider.send("evm_revert", [snapshot])).to.equal(true);
    const again = await signer.sendTransaction({ to: to(), value: 1n });
    expect(again.nonce).to.equal(first.nonce);
    expect((await again.wait())?.status).to.equal(1);
  });

  it("is one queue per signer object: sequenced() returns the same SequencedSigner", () => {
    const wallet = new Wallet(KEY, provider);
    expect(sequenced(wallet)).to.equal(sequenced(wallet));
    expect(sequenced(sequenced(wallet))).to.equal(sequenced(wallet));
    expect(sequenced(new Wallet(KEY, provider))).to.not.equal(sequenced(wallet));
  });
});
