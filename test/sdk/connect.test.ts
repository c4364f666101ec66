/**
 * connect: validators from Staking (in-process Hardhat network, deployed with the Ignition module),
 * handshakes with nodes played by local servers: majority view, disagreement, unreachable nodes.
 */
import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ethers, ignition } from "hardhat";
import { Wallet } from "ethers";

import PKPSystem from "../../ignition/modules/PKPSystem";
import { QuorumNotReachedError, SdkError, connect, ipToString, majority } from "../../src/sdk";
import { freePorts } from "../../src/network/ports";
import { expectRejection } from "../helpers/expect";

const LOOPBACK = 2130706433;

describe("connect", function () {
  this.timeout(60_000);
  const servers: http.Server[] = [];
  let keys: string[] = [];

  async function handshakeServer(networkPublicKey: string): Promise<number> {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            serverPublicKey: "00",
            subnetPublicKey: networkPublicKey,
            networkPublicKey,
            networkPublicKeySet: networkPublicKey,
            hdRootPubkeys: [],
            latestBlockhash: "0x" + "ab".repeat(32),
            attestation: null,
            nodeVersion: "test",
            clientSdkVersion: "7",
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(server);
    return (server.address() as AddressInfo).port;
  }

  async function stakingWith(ports: number[]): Promise<string> {
    const { staking } = (await ignition.deploy(PKPSystem)) as unknown as {
      staking: { getAddress(): Promise<string> };
    };
    const address = await staking.getAddress();
    const s = await ethers.getContractAt("Staking", address);
    for (const port of ports) {
      const node = Wallet.createRandom().address;
      await (await s.addValidator(LOOPBACK, 0, port, node, 1n, 1n)).wait();
    }
    if (ports.length > 0) await (await s.advanceEpoch()).wait();
    return address;
  }

  before(() => {
    keys = ["a1".repeat(48), "b2".repeat(48)];
  });

  after(() => {
    for (const s of servers) s.close();
  });

  it("reads the validators, numbers them by address and takes the majority of each key", async () => {
    const ports = [
      await handshakeServer(keys[0]),
      await handshakeServer(keys[0]),
      await handshakeServer(keys[0]),
      await handshakeServer(keys[1]),
    ];
    const staking = await stakingWith(ports);
    const client = await connect({ provider: ethers.provider, staking });
    expect(client.n).to.equal(4);
    expect(client.t).to.equal(1);
    expect(client.quorum).to.equal(3);
    expect(client.minNodeCount).to.equal(3);
    expect(client.networkPublicKey).to.equal(keys[0]);
    expect(client.connectedUrls).to.have.length(4);
    expect(client.nodes.map((x) => x.index)).to.deep.equal([1, 2, 3, 4]);
    const sorted = [...client.nodes].map((x) => x.nodeAddress.toLowerCase());
    expect(sorted).to.deep.equal([...sorted].sort());
    expect(client.nodes.map((x) => Number(x.url.split(":")[2])).sort()).to.deep.equal([...ports].sort());
  });

  it("refuses when fewer than minNodeCount nodes agree on a key", async () => {
    const ports = [
      await handshakeServer(keys[0]),
      await handshakeServer(keys[0]),
      await handshakeServer(keys[1]),
      await handshakeServer(keys[1]),
    ];
    const staking = await stakingWith(ports);
    const error = await expectRejection(connect({ provider: ethers.provider, staking }));
    expect(error).to.be.instanceOf(SdkError);
    expect(error.message).to.contain("do not agree on subnetPublicKey");
  });

  it("throws QuorumNotReachedError naming every unreachable node", async () => {
    const ports = await freePorts(4);
    const staking = await stakingWith(ports);
    const error = await expectRejection(connect({ provider: ethers.provider, staking, timeoutMs: 2000 }));
    expect(error).to.be.instanceOf(QuorumNotReachedError);
    const q = error as QuorumNotReachedError;
    expect(q.required).to.equal(3);
    expect(q.received).to.equal(0);
    expect(q.failures.map((f) => f.url).sort()).to.deep.equal(
      ports.map((p) => `http://127.0.0.1:${p}`).sort(),
    );
    for (const f of q.failures) expect(f.code).to.equal("ECONNREFUSED");
  });

  it("refuses a Staking without validators in the current epoch", async () => {
    const staking = await stakingWith([]);
    const error = await expectRejection(connect({ provider: ethers.provider, staking }));
    expect(error).to.be.instanceOf(SdkError);
  });

  it("refuses an address that is not a Staking contract", async () => {
    const error = await expectRejection(
      connect({ provider: ethers.provider, staking: Wallet.createRandom().address }),
    );
    expect(error).to.be.instanceOf(SdkError);
    expect(error.message).to.contain("cannot read the validators");
  });

  it("refuses to connect without an RPC URL or provider", async () => {
    const error = await expectRejection(connect({ staking: Wallet.createRandom().address }));
    expect(error).to.be.instanceOf(SdkError);
  });

  describe("helpers", () => {
    it("writes a big-endian uint32 IPv4 address dotted", () => {
      expect(ipToString(2130706433)).to.equal("127.0.0.1");
      expect(ipToString(0xc0a80001)).to.equal("192.168.0.1");
    });
    it("takes the most common value with its count", () => {
      expect(majority(["a", "b", "a"])).to.deep.equal({ value: "a", count: 2 });
      expect(majority([])).to.equal(undefined);
    });
  });
});
