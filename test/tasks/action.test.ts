/**
 * action:publish and action:run against a real 4-node network (startNetwork: the chain, the contracts,
 * node processes and the local IPFS gateway), as a user runs them after network:start.
 */
import { expect } from "chai";
import hre from "hardhat";
import { HardhatPluginError } from "hardhat/plugins";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getBytes, hashMessage, keccak256, recoverAddress, toUtf8Bytes } from "ethers";

import { connectContracts } from "../../src/chain/deployment";
import { grantAction, mintNext } from "../../src/chain/pkp";
import { openNetwork } from "../../src/network/open";
import { startNetwork, type Network } from "../../src/network/start";
import {
  executeJs,
  getSessionSigs,
  jsonRpcProvider,
  litActionResource,
  pkpResource,
  requestAbility,
} from "../../src/sdk";
import { request } from "../../src/transport";

type Json = Record<string, unknown>;

/** Runs a task with --json, capturing what it prints (one JSON document equal to its return value). */
async function runJson<T = Json>(name: string, args: Record<string, unknown>): Promise<T> {
  const printed: string[] = [];
  const original = console.log;
  console.log = (...items: unknown[]) => {
    printed.push(items.map(String).join(" "));
  };
  try {
    await hre.run(name, { ...args, json: true });
  } finally {
    console.log = original;
  }
  expect(printed).to.have.length(1);
  return JSON.parse(printed[0]) as T;
}

/** Runs a task expected to fail; returns the library error under the HardhatPluginError. */
async function runFailing(name: string, args: Record<string, unknown>): Promise<Error> {
  const original = console.log;
  console.log = () => undefined;
  try {
    await hre.run(name, { ...args, json: true });
  } catch (error) {
    expect(error).to.be.instanceOf(HardhatPluginError);
    return ((error as HardhatPluginError & { parent?: Error }).parent ?? error) as Error;
  } finally {
    console.log = original;
  }
  expect.fail(`${name} was expected to fail`);
}

const HELLO = `console.log("hello from a node");
Lit.Actions.setResponse({ response: JSON.stringify({ hello: jsParams.name }) });
`;

const SIGN = `const message = "certified: " + number;
await Lit.Actions.ethPersonalSignMessageEcdsa({ message, publicKey, sigName: "cert" });
Lit.Actions.setResponse({ response: message });
`;

describe("tasks action:publish and action:run (a real 4-node network)", function () {
  this.timeout(900_000);
  let network: Network;
  let dir: string;
  let dataDir: string;
  const files: Record<string, string> = {};

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "pkp-action-"));
    dataDir = path.join(dir, "network");
    network = await startNetwork({
      nodes: 4,
      dataDir,
      pools: { pkpKeys: 2, presignatures: 4, keyBatch: 2, presignatureBatch: 4 },
      progress: "silent",
      logLevel: "warn",
      readyTimeoutMs: 420_000,
    });
    for (const [name, code] of Object.entries({ hello: HELLO, sign: SIGN, other: SIGN + "// other\n" })) {
      files[name] = path.join(dir, `${name}.js`);
      writeFileSync(files[name], code);
    }
  });

  after(async () => {
    if (network) await network.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("network.json names the local gateway, which answers on 127.0.0.1", async () => {
    expect(network.info.ipfsGatewayUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(network.gateway?.url).to.equal(network.info.ipfsGatewayUrl);
  });

  describe("action:publish", () => {
    it("stores the code in the network's gateway under the CID action:cid prints", async () => {
      const published = await runJson<{ cid: string; url: string; size: number }>("action:publish", {
        file: files.hello,
        dataDir,
      });
      const { cid } = await runJson<{ cid: string }>("action:cid", { file: files.hello });
      expect(published.cid).to.equal(cid);
      expect(published.size).to.equal(Buffer.byteLength(HELLO));
      const res = await request(published.url, { method: "GET" });
      expect(res.status).to.equal(200);
      expect(res.body.toString()).to.equal(HELLO);
    });

    it("refuses a missing --file", async () => {
      expect((await runFailing("action:publish", { dataDir })).message).to.equal("invalid --file: missing");
    });

    it("refuses a data dir without network.json", async () => {
      const error = await runFailing("action:publish", { file: files.hello, dataDir: dir });
      expect(error.message).to.contain(`no network.json in ${dir}`);
    });

    it("reports a gateway that cannot be reached", async () => {
      const error = await runFailing("action:publish", {
        file: files.hello,
        dataDir,
        gateway: "http://127.0.0.1:9",
      });
      expect(error.message).to.contain("cannot reach the IPFS API at http://127.0.0.1:9");
    });
  });

  describe("action:run", () => {
    it("runs a published action by CID with --params: every node agrees on the response and logs", async () => {
      const { cid } = await runJson<{ cid: string }>("action:publish", { file: files.hello, dataDir });
      const r = await runJson<{ cid: string; response: unknown; logs: string; agreed: number }>(
        "action:run",
        {
          cid,
          params: JSON.stringify({ name: "pkp" }),
          dataDir,
        },
      );
      expect(r.cid).to.equal(cid);
      expect(r.response).to.deep.equal({ hello: "pkp" });
      expect(r.logs).to.contain("hello from a node");
      expect(r.agreed).to.equal(4);
    });

    it("signs with a PKP that permits the action, for a wallet that is not its owner", async () => {
      const provider = jsonRpcProvider(network.info.rpcUrl, 100);
      const contracts = await connectContracts(network.info.contracts, await provider.getSigner(0));
      const pkp = await mintNext(contracts);
      const { cid } = await runJson<{ cid: string }>("action:cid", { file: files.sign });
      await grantAction(contracts, { tokenId: BigInt(pkp.tokenId), cid, scopes: [1n] });

      const r = await runJson<{
        response: string;
        signatures: Record<string, { signature: string; recovered: string; address: string }>;
      }>("action:run", {
        file: files.sign,
        params: JSON.stringify({ number: 7919, publicKey: pkp.pubkey }),
        dataDir,
        from: "1",
      });
      expect(r.response).to.equal("certified: 7919");
      const cert = r.signatures.cert;
      expect(cert.address).to.equal(pkp.ethAddress);
      expect(cert.recovered).to.equal(pkp.ethAddress);
      expect(recoverAddress(getBytes(hashMessage("certified: 7919")), cert.signature)).to.equal(
        pkp.ethAddress,
      );

      // Other code (another CID) is not permitted for this PKP, and account 1 is not its owner.
      const refused = await runFailing("action:run", {
        file: files.other,
        params: JSON.stringify({ number: 7919, publicKey: pkp.pubkey }),
        dataDir,
        from: "1",
      });
      expect(refused.name).to.equal("LitActionError");
      expect(refused.message).to.contain("not permitted");
    });

    it("executeJs (the SDK under action:run) combines two signatures of one run from the nodes' verified shares", async () => {
      const net = await openNetwork(dataDir, { from: 0 });
      const pkp = await mintNext(net.contracts);
      const code = `
        await Lit.Actions.signEcdsa({ toSign, publicKey, sigName: "a" });
        await Lit.Actions.ethPersonalSignMessageEcdsa({ message: "b", publicKey, sigName: "b" });
        Lit.Actions.setResponse({ response: "two" });`;
      const { sessionSigs } = await getSessionSigs({
        signer: net.signer,
        nodeUrls: net.client.nodes.map((x) => x.url),
        latestBlockhash: net.client.latestBlockhash,
        resourceAbilityRequests: [
          requestAbility(litActionResource("*"), "lit-action-execution"),
          requestAbility(pkpResource("*"), "pkp-signing"),
        ],
      });
      const digest = keccak256(toUtf8Bytes("a"));
      const r = await executeJs({
        client: net.client,
        sessionSigs,
        code,
        jsParams: { toSign: getBytes(digest), publicKey: pkp.pubkey },
      });
      expect(r.response).to.equal("two");
      expect(Object.keys(r.signatures).sort()).to.deep.equal(["a", "b"]);
      expect(recoverAddress(digest, r.signatures.a.signature)).to.equal(pkp.ethAddress);
      expect(recoverAddress(hashMessage("b"), r.signatures.b.signature)).to.equal(pkp.ethAddress);
      expect(r.signatures.a.dataSigned).to.equal(digest.slice(2));
      expect(r.signatures.a.signingSet.length).to.be.at.least(network.info.quorum);
      expect(r.culprits).to.deep.equal([]);
      expect(r.failures).to.deep.equal([]);
      expect(r.disagreements).to.deep.equal([]);
    });

    it("reports an action that throws, with the nodes' error", async () => {
      const file = path.join(dir, "throws.js");
      writeFileSync(file, 'throw new Error("no luck");\n');
      const error = await runFailing("action:run", { file, dataDir });
      expect(error.name).to.equal("LitActionError");
      expect(error.message).to.contain("no luck");
    });

    it("refuses a CID the gateway does not hold", async () => {
      const error = await runFailing("action:run", {
        cid: "QmNLei78zWmzUdbeRB3CiUfAizWUrbeeZh5K1rhAQKCh51",
        dataDir,
      });
      expect(error.message).to.contain("the IPFS gateway has no content");
    });

    for (const [what, args, message] of [
      [
        "both --file and --cid",
        { file: "x.js", cid: "QmNLei78zWmzUdbeRB3CiUfAizWUrbeeZh5K1rhAQKCh51" },
        "invalid action: give exactly one of --file and --cid",
      ],
      ["neither --file nor --cid", {}, "invalid action: give exactly one of --file and --cid"],
      [
        "--params that are not JSON",
        { cid: "QmNLei78zWmzUdbeRB3CiUfAizWUrbeeZh5K1rhAQKCh51", params: "{nope" },
        "invalid --params: not JSON",
      ],
      [
        "--params that are not an object",
        { cid: "QmNLei78zWmzUdbeRB3CiUfAizWUrbeeZh5K1rhAQKCh51", params: "[1]" },
        "invalid --params: must be a JSON object",
      ],
      ["a malformed --cid", { cid: "Qm123" }, "a CIDv0 has 46 characters"],
      [
        "a --timeout of 0",
        { cid: "QmNLei78zWmzUdbeRB3CiUfAizWUrbeeZh5K1rhAQKCh51", timeout: 0 },
        "invalid --timeout: must be 1..3600 seconds",
      ],
    ] as const) {
      it(`refuses ${what}`, async () => {
        const error = await runFailing("action:run", { ...args, dataDir });
        expect(error.message).to.contain(message);
      });
    }
  });
});
