/**
 * `npx hardhat network:start` as a user runs it: a separate process that starts the chain and the
 * nodes, writes network.json, and on Ctrl-C (SIGINT) stops every process it started.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { isAlive, readNetworkFile } from "../../src/network";

const REPO = path.resolve(__dirname, "..", "..");

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
