/**
 * The launcher's parts that need no network: child processes (log, exit, SIGTERM then SIGKILL),
 * ports, network.json validation, readiness, the progress display, and refusals before anything starts.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import {
  ManagedProcess,
  NetworkError,
  createProgress,
  isAlive,
  isReady,
  readNetworkFile,
  startNetwork,
} from "../../src/network";
import { listeningPort, sleep, startChain } from "../../src/network/chain";
import { PortInUseError } from "../../src/network/errors";
import { startGateway } from "../../src/network/gateway";
import { freePorts, holdPort, holdPorts, isListening } from "../../src/network/ports";
import { listenOptions } from "../../src/node/main";
import { expectRejection } from "../helpers/expect";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "pkp-launcher-"));

describe("network launcher parts", function () {
  this.timeout(30_000);

  describe("ManagedProcess", () => {
    it("writes the child's output to its log and records a normal exit", async () => {
      const logFile = path.join(tmp(), "child.log");
      const child = new ManagedProcess({
        label: "echo",
        command: process.execPath,
        args: ["-e", "console.log('hello from the child'); process.exit(3)"],
        logFile,
      });
      const exit = await child.exited;
      expect(exit).to.deep.equal({ code: 3, signal: null });
      expect(readFileSync(logFile, "utf8")).to.contain("hello from the child");
      expect(child.tail()).to.contain("hello from the child");
    });

    it("stops a child with SIGTERM", async () => {
      const child = new ManagedProcess({
        label: "sleeper",
        command: process.execPath,
        args: ["-e", "setInterval(() => {}, 1000)"],
        logFile: path.join(tmp(), "child.log"),
      });
      expect(isAlive(child.pid)).to.equal(true);
      const exit = await child.stop(5000);
      expect(exit.signal).to.equal("SIGTERM");
      expect(isAlive(child.pid)).to.equal(false);
    });

    it("kills a child that ignores SIGTERM with SIGKILL after the timeout", async () => {
      const logFile = path.join(tmp(), "child.log");
      const child = new ManagedProcess({
        label: "stubborn",
        command: process.execPath,
        args: [
          "-e",
          "process.on('SIGTERM', () => console.log('ignored')); console.log('up'); setInterval(() => {}, 1000)",
        ],
        logFile,
      });
      for (let i = 0; i < 100 && !readFileSync(logFile, "utf8").includes("up"); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const exit = await child.stop(300);
      expect(exit.signal).to.equal("SIGKILL");
      expect(isAlive(child.pid)).to.equal(false);
    });

    it("stop() of an exited process returns its exit at once", async () => {
      const child = new ManagedProcess({
        label: "quick",
        command: process.execPath,
        args: ["-e", "0"],
        logFile: path.join(tmp(), "child.log"),
      });
      await child.exited;
      expect(await child.stop()).to.deep.equal({ code: 0, signal: null });
    });
  });

  describe("ports", () => {
    it("finds distinct free ports on 127.0.0.1", async () => {
      const ports = await freePorts(5);
      expect(new Set(ports).size).to.equal(5);
      for (const port of ports) expect(await isListening(port)).to.equal(false);
    });

    it("holds distinct listening sockets until they are released", async () => {
      const held = await holdPorts([0, 0, 0, 0]);
      try {
        expect(new Set(held.map((h) => h.port)).size).to.equal(4);
        for (const h of held) {
          expect(h.fd).to.be.a("number").and.at.least(3);
          expect(await isListening(h.port)).to.equal(true);
        }
      } finally {
        await Promise.all(held.map((h) => h.release()));
      }
      for (const h of held) expect(await isListening(h.port)).to.equal(false);
    });

    it("never hands a held port to a server that asks for any free port (the gateway beside the nodes)", async () => {
      const held = await holdPorts(Array.from({ length: 10 }, () => 0));
      const gateway = await startGateway({ dir: tmp() });
      try {
        expect(held.map((h) => h.port)).to.not.include(gateway.port);
      } finally {
        await gateway.close();
        await Promise.all(held.map((h) => h.release()));
      }
    });

    it("refuses a port that is in use with an error naming it, and holds nothing", async () => {
      const taken = await holdPort();
      try {
        const error = await expectRejection(holdPorts([0, taken.port]));
        expect(error).to.be.instanceOf(NetworkError);
        expect(error.message).to.contain(`127.0.0.1:${taken.port}`).and.contain("EADDRINUSE");
      } finally {
        await taken.release();
      }
    });

    it("hands a held socket to a child process, which serves on it after this process let go", async () => {
      const held = await holdPort();
      const logFile = path.join(tmp(), "child.log");
      const script =
        'require("node:http").createServer((q, r) => r.end("from the child")).listen({ fd: 3 }, () => console.log("serving"))';
      const child = new ManagedProcess({
        label: "server",
        command: process.execPath,
        args: ["-e", script],
        logFile,
        passFds: [held.fd],
      });
      await held.release();
      try {
        const end = Date.now() + 20_000;
        while (!readFileSync(logFile, "utf8").includes("serving") && Date.now() < end) await sleep(50);
        const res = await fetch(`http://127.0.0.1:${held.port}/`);
        expect(await res.text()).to.equal("from the child");
      } finally {
        await child.stop();
      }
    });

    it("reads the port hardhat node reports once it listens", () => {
      expect(
        listeningPort("Started HTTP and WebSocket JSON-RPC server at http://127.0.0.1:40123/\n"),
      ).to.equal(40123);
      expect(
        listeningPort("\x1b[32mStarted HTTP and WebSocket JSON-RPC server at http://127.0.0.1:8545/\x1b[39m"),
      ).to.equal(8545);
      expect(listeningPort("Error: listen EADDRINUSE: address already in use 127.0.0.1:8545")).to.equal(
        undefined,
      );
    });

    it("a node serves on an inherited socket when PKP_LISTEN_FD is set, else on its port", () => {
      expect(listenOptions("127.0.0.1", 4000, undefined)).to.deep.equal({ host: "127.0.0.1", port: 4000 });
      expect(listenOptions("127.0.0.1", 4000, "3")).to.deep.equal({ host: "127.0.0.1", fd: 3 });
      expect(() => listenOptions("127.0.0.1", 4000, "1")).to.throw(/PKP_LISTEN_FD/);
      expect(() => listenOptions("127.0.0.1", 4000, "x")).to.throw(/PKP_LISTEN_FD/);
    });

    it("a chain asked for a port in use fails with PortInUseError (and gets one with port 0)", async function () {
      this.timeout(240_000);
      const dir = tmp();
      const taken = await holdPort();
      try {
        const error = await expectRejection(
          startChain({ port: taken.port, logFile: path.join(dir, "a.log") }),
        );
        expect(error).to.be.instanceOf(PortInUseError);
        expect((error as PortInUseError).port).to.equal(taken.port);
      } finally {
        await taken.release();
      }
      const chain = await startChain({ logFile: path.join(dir, "b.log") });
      try {
        expect(chain.port).to.be.above(0);
        expect(chain.rpcUrl).to.equal(`http://127.0.0.1:${chain.port}`);
      } finally {
        await chain.process.stop();
      }
    });
  });

  describe("readNetworkFile", () => {
    const good = {
      rpcUrl: "http://127.0.0.1:8545",
      chainId: 31337,
      contracts: {
        staking: "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
        pubkeyRouter: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
        pkpNft: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
        pkpPermissions: "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9",
        pkpHelper: "0x0165878A594ca255338adfa4d48449f69242Eb8F",
        pkpNftMetadata: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      },
      nodes: [
        {
          url: "http://127.0.0.1:7470",
          nodeAddress: "0x639397a1DB3650F6536cF62aB9EDcB06516bd055",
          pid: 1,
          dataDir: "/x",
        },
      ],
      n: 4,
      t: 1,
      quorum: 3,
      chainPid: null,
      startedAt: "2026-01-01T00:00:00.000Z",
    };

    it("reads a valid file and checksums its addresses", () => {
      const dir = tmp();
      writeFileSync(path.join(dir, "network.json"), JSON.stringify(good));
      const info = readNetworkFile(dir);
      expect(info.contracts.staking).to.equal("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
      expect(info.n).to.equal(4);
    });

    it("refuses a directory without network.json", () => {
      expect(() => readNetworkFile(tmp())).to.throw(NetworkError, /no network.json/);
    });

    it("refuses a file that is not JSON", () => {
      const dir = tmp();
      writeFileSync(path.join(dir, "network.json"), "{not json");
      expect(() => readNetworkFile(dir)).to.throw(NetworkError, /is not JSON/);
    });

    it("refuses a malformed file, naming the bad field", () => {
      const dir = tmp();
      writeFileSync(
        path.join(dir, "network.json"),
        JSON.stringify({ ...good, contracts: { ...good.contracts, staking: "0x1234" } }),
      );
      expect(() => readNetworkFile(dir)).to.throw(NetworkError, /contracts\.staking/);
    });
  });

  describe("isReady", () => {
    const targets = { pkpKeys: 2, presignatures: 8 };
    it("needs the node's ready flag", () => {
      expect(
        isReady({ ready: false, pools: { pkpKeysRouted: 9, presignatures: 9 } }, targets, true),
      ).to.equal(false);
    });
    it("with full, needs both pools at their targets", () => {
      expect(isReady({ ready: true, pools: { pkpKeysRouted: 2, presignatures: 7 } }, targets, true)).to.equal(
        false,
      );
      expect(isReady({ ready: true, pools: { pkpKeysRouted: 2, presignatures: 8 } }, targets, true)).to.equal(
        true,
      );
    });
    it("with key only, needs only the ready flag", () => {
      expect(isReady({ ready: true }, targets, false)).to.equal(true);
    });
  });

  describe("progress", () => {
    it("prints one plain line per change when not on a terminal", () => {
      const lines: string[] = [];
      const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
      const progress = createProgress("lines", stream);
      const targets = { pkpKeys: 1, presignatures: 1 };
      progress.step("starting");
      progress.nodes([undefined, { ready: false }], targets);
      progress.nodes([undefined, { ready: false }], targets);
      progress.nodes(
        [{ ready: true, networkKey: true, pools: { pkpKeysRouted: 1, presignatures: 1 } }, { ready: false }],
        targets,
      );
      progress.done("ready");
      expect(lines).to.have.length(4);
      expect(lines[0]).to.equal("- starting\n");
      expect(lines[2]).to.contain("nodes ready 1/2");
      expect(lines[2]).to.contain("1:K 1/1 1/1 ready");
      expect(lines.join("")).to.not.contain("\x1b");
    });
  });

  describe("startNetwork refusals (before anything starts)", () => {
    it("refuses fewer than 4 nodes", async () => {
      const error = await expectRejection(startNetwork({ nodes: 3, dataDir: tmp(), progress: "silent" }));
      expect(error).to.be.instanceOf(NetworkError);
      expect(error.message).to.contain("4..64");
    });

    it("refuses a non-integer node count", async () => {
      const error = await expectRejection(startNetwork({ nodes: 4.5, dataDir: tmp(), progress: "silent" }));
      expect(error).to.be.instanceOf(NetworkError);
    });
  });
});
