/**
 * `npx hardhat network:start` as a user runs it: a separate process that starts the chain and the
 * nodes, writes network.json, and on Ctrl-C (SIGINT) stops every process it started.
 */
import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { parseEther, verifyMessage } from "ethers";

import { connectContracts } from "../../src/chain/deployment";
import { mintNext } from "../../src/chain/pkp";
import { isAlive, readNetworkFile } from "../../src/network";
import { jsonRpcProvider } from "../../src/sdk";

const REPO = path.resolve(__dirname, "..", "..");
const CLI = require.resolve("hardhat/internal/cli/cli.js", { paths: [REPO] });

/** Runs a Hardhat task to completion in its own process. */
function runTask(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env.HARDHAT_NETWORK;
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: REPO,
    env,
    encoding: "utf8",
    timeout: 180_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("task network:start", function () {
  this.timeout(600_000);

  it("runs until SIGINT, then leaves no process behind", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "pkp-task-"));
    const env = { ...process.env };
    delete env.HARDHAT_NETWORK;
    const child = spawn(
      process.execPath,
      [
        require.resolve("hardhat/internal/cli/cli.js", { paths: [REPO] }),
        "network:start",
        "--nodes",
        "4",
        "--data-dir",
        dataDir,
        "--pkp-keys",
        "1",
        "--presignatures",
        "2",
        "--json",
        "--no-compile",
      ],
      { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const file = path.join(dataDir, "network.json");
      const deadline = Date.now() + 480_000;
      while (!existsSync(file)) {
        if (child.exitCode !== null) expect.fail(`network:start exited early:\n${output}`);
        if (Date.now() > deadline) expect.fail(`no network.json after 480 s:\n${output}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      const info = readNetworkFile(dataDir);
      const pids = [...info.nodes.map((x) => x.pid), info.chainPid!];
      for (const pid of pids) expect(isAlive(pid), `process ${pid} runs`).to.equal(true);
      expect(output).to.contain(info.contracts.staking);

      // pkp:sign and pkp:send against the running network, authorised by the chain's first account.
      const provider = jsonRpcProvider(info.rpcUrl, 100);
      const admin = await provider.getSigner(0);
      const pkp = await mintNext(await connectContracts(info.contracts, admin));
      const signed = runTask([
        "pkp:sign",
        "--token-id",
        pkp.tokenId,
        "--message",
        "hi",
        "--data-dir",
        dataDir,
        "--json",
      ]);
      expect(signed.status, signed.stderr).to.equal(0);
      const sig = JSON.parse(signed.stdout) as { signature: string; address: string; verified: boolean };
      expect(sig.verified).to.equal(true);
      expect(sig.address).to.equal(pkp.ethAddress);
      expect(verifyMessage("hi", sig.signature)).to.equal(pkp.ethAddress);

      await (await admin.sendTransaction({ to: pkp.ethAddress, value: parseEther("1") })).wait();
      const to = "0x000000000000000000000000000000000000dEaD";
      const sent = runTask([
        "pkp:send",
        "--token-id",
        pkp.tokenId,
        "--to",
        to,
        "--value",
        "0.5",
        "--data-dir",
        dataDir,
        "--json",
      ]);
      expect(sent.status, sent.stderr).to.equal(0);
      const tx = JSON.parse(sent.stdout) as { status: number; from: string };
      expect(tx.status).to.equal(1);
      expect(tx.from).to.equal(pkp.ethAddress);
      expect(await provider.getBalance(to)).to.equal(parseEther("0.5"));

      const unknown = runTask(["pkp:sign", "--token-id", "12345", "--message", "hi", "--data-dir", dataDir]);
      expect(unknown.status).to.not.equal(0);
      expect(unknown.stderr + unknown.stdout).to.contain("no ECDSA key is routed for token 12345");

      child.kill("SIGINT");
      expect(await exited).to.equal(0);
      for (const pid of pids) expect(isAlive(pid), `process ${pid} stopped`).to.equal(false);
    } finally {
      if (child.exitCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    }
  });
});
