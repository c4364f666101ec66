/**
 * "A node that returns corrupted shares is identified and signing still succeeds" (issue 4), against
 * real node processes with no test hook in the node: one validator is re-registered in Staking with
 * the port of an HTTP proxy in front of it (remove, add, advance the epoch: the owner's ordinary
 * calls). Everything reaches the node through the proxy unchanged — client requests, and the other
 * nodes' peer messages and probes — and the proxy rewrites only that node's `/web/pkp/sign/v1`
 * answers. The SDK's pkpSign must still return a signature that recovers to the PKP's address and
 * name that node (its URL, the proxy's, and its Shamir index) as the culprit.
 */
import { expect } from "chai";
import { Wallet, getBytes, hexlify, keccak256, recoverAddress, toUtf8Bytes } from "ethers";
import { secp256k1 } from "@noble/curves/secp256k1";
import { deriveCommsKeyPair } from "../../src/node/keys";
import { PEER_ROUTE } from "../../src/node/peers/peers";
import {
  connect,
  pkpSign,
  type NetworkClient,
  type PkpSignReturnType,
  type SessionSigs,
} from "../../src/sdk";
import { mintPkp, signingSessionSigs, type TestPkp } from "../helpers/pkp";
import { startRewritingProxy, type ProxiedExchange, type RewritingProxy } from "../helpers/rewritingProxy";
import { sleep, startHarness, type Harness, type HarnessNode } from "./harness";

const USER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"; // hardhat #1
const LOOPBACK = 2130706433;
const SIGN_ROUTE = "/web/pkp/sign/v1";
const N = secp256k1.CURVE.n;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The node's answer if it carries a share (the node was in the signing set), else undefined. */
function shareAnswer(x: ProxiedExchange): Json | undefined {
  const body = x.json as Json | undefined;
  if (x.path !== SIGN_ROUTE || x.status !== 200 || typeof body?.signatureShare?.signature_share !== "string")
    return undefined;
  return body.signatureShare.signature_share === "" ? undefined : body;
}

/** One byte of Lit's `signature_share` flipped; our verification fields left as the node sent them. */
function flipLitShareByte(x: ProxiedExchange): unknown {
  const body = shareAnswer(x);
  if (body === undefined) return undefined;
  const bytes = Buffer.from(body.signatureShare.signature_share, "hex");
  bytes[7] ^= 0x5a;
  return { ...body, signatureShare: { ...body.signatureShare, signature_share: bytes.toString("hex") } };
}

/** A consistent lie: s + 1 in both Lit's field and the share with its proof, so only verification can tell. */
function shiftShare(x: ProxiedExchange): unknown {
  const body = shareAnswer(x);
  if (body === undefined) return undefined;
  const s = (BigInt("0x" + body.signatureShare.signature_share) + 1n) % N;
  const hex = s.toString(16).padStart(64, "0");
  return {
    ...body,
    signatureShare: { ...body.signatureShare, signature_share: hex },
    pkpNetwork: { ...body.pkpNetwork, share: { ...body.pkpNetwork.share, share: hex } },
  };
}

describe("a node returning corrupted shares (4 real node processes, one behind a rewriting proxy)", function () {
  this.timeout(900_000);
  let h: Harness;
  let proxy: RewritingProxy;
  let victim: HarnessNode;
  let victimIndex: number;
  let client: NetworkClient;
  let pkp: TestPkp;
  let sessionSigs: SessionSigs;
  let counter = 0;

  before(async () => {
    h = await startHarness({
      n: 4,
      pools: { pkpKeys: 2, presignatures: 16, keyBatch: 2, presignatureBatch: 8 },
    });
    await h.waitReady({ pkpKeys: 2, presignatures: 16, timeoutMs: 600_000 });
    const user = new Wallet(USER_KEY, h.provider);
    pkp = await mintPkp(h.contracts.pkpNft, user);

    // Re-register one validator at the proxy's port, with the owner's ordinary Staking calls.
    victim = h.nodes[1];
    proxy = await startRewritingProxy(victim.url);
    const comms = deriveCommsKeyPair(victim.key).publicKeyUint;
    const staking = h.contracts.staking;
    await (await staking.removeValidator(victim.address)).wait();
    await (await staking.addValidator(LOOPBACK, 0, proxy.port, victim.address, comms, comms)).wait();
    await (await staking.advanceEpoch()).wait();
    // The nodes re-read the validators every 3 s and probe each other's /status every second: wait
    // until the other nodes reach the victim through the proxy, then two more refresh periods.
    const end = Date.now() + 60_000;
    while ((proxy.forwarded.get("/status") ?? 0) < 3 && Date.now() < end) await sleep(250);
    expect(proxy.forwarded.get("/status"), "the other nodes probe the victim at its new URL").to.be.at.least(
      3,
    );
    await sleep(7000);

    client = await connect({ provider: h.provider, staking: h.addresses.staking });
    victimIndex = client.nodes.find((n) => n.nodeAddress === victim.address)!.index;
    sessionSigs = await signingSessionSigs(client, user, pkp.tokenId);
  });

  after(async () => {
    await proxy?.close();
    await h?.stop();
  });

  /** Signs fresh digests until the proxy has rewritten a share `want` times (at most `max` signings). */
  async function signUntilRewritten(want: number, max = 10) {
    const start = proxy.rewritten;
    const runs: { result: PkpSignReturnType; digest: Uint8Array; rewritten: boolean }[] = [];
    for (let k = 0; k < max && proxy.rewritten - start < want; k++) {
      const before = proxy.rewritten;
      const digest = getBytes(keccak256(toUtf8Bytes(`corrupt-share ${counter++}`)));
      const result = await pkpSign({ client, pubkey: pkp.pubkey, toSign: digest, sessionSigs });
      runs.push({ result, digest, rewritten: proxy.rewritten > before });
    }
    expect(proxy.rewritten - start, "the victim was in a signing set often enough").to.be.at.least(want);
    return runs;
  }

  it("lists the proxy's URL for that validator, and signing through it works while nothing is rewritten", async () => {
    expect(client.nodes.map((n) => n.url)).to.include(proxy.url);
    expect(client.nodes.map((n) => n.url)).to.not.include(victim.url);
    proxy.rewrite = () => undefined;
    let membered = false;
    for (let k = 0; k < 8 && !membered; k++) {
      const digest = getBytes(keccak256(toUtf8Bytes(`honest ${k}`)));
      const r = await pkpSign({ client, pubkey: pkp.pubkey, toSign: digest, sessionSigs });
      expect(recoverAddress(hexlify(digest), r.signature)).to.equal(pkp.address);
      expect(r.culprits).to.deep.equal([]);
      expect(r.attempts).to.equal(1);
      membered = r.signingSet.includes(victimIndex);
    }
    expect(membered, "the victim took part in a signature through the proxy").to.equal(true);
    expect(proxy.forwarded.get(SIGN_ROUTE)).to.be.at.least(1);
    expect(
      proxy.forwarded.get(PEER_ROUTE),
      "peer messages reach the victim through the proxy",
    ).to.be.at.least(1);
  });

  it("names the node whose Lit share field has a flipped byte, and the signature still recovers to the PKP", async () => {
    proxy.rewrite = flipLitShareByte;
    const runs = await signUntilRewritten(2);
    for (const { result, digest, rewritten } of runs) {
      expect(recoverAddress(hexlify(digest), result.signature)).to.equal(pkp.address);
      if (!rewritten) {
        expect(result.culprits).to.deep.equal([]);
        continue;
      }
      expect(result.culprits.map((c) => [c.url, c.index])).to.deep.equal([[proxy.url, victimIndex]]);
      expect(result.culprits[0].reason).to.match(
        /malformed share: Lit share field and verification share differ/,
      );
      expect(result.signingSet).to.not.include(victimIndex);
      expect(result.signingSet).to.have.length(3);
      expect(result.attempts).to.equal(2);
    }
  });

  it("names the node whose share is well-formed but wrong (s + 1 with its proof), found by share verification", async () => {
    proxy.rewrite = shiftShare;
    const runs = await signUntilRewritten(2);
    for (const { result, digest, rewritten } of runs) {
      expect(recoverAddress(hexlify(digest), result.signature)).to.equal(pkp.address);
      if (!rewritten) {
        expect(result.culprits).to.deep.equal([]);
        continue;
      }
      expect(result.culprits.map((c) => [c.url, c.index])).to.deep.equal([[proxy.url, victimIndex]]);
      expect(result.culprits[0].reason).to.equal(
        "share does not verify against the presignature's commitments",
      );
      expect(result.signingSet).to.not.include(victimIndex);
      expect(result.attempts).to.equal(2);
    }
  });

  it("without share verification up front (verifyShares: false) the wrong share is still found and named", async () => {
    proxy.rewrite = shiftShare;
    let named = 0;
    for (let k = 0; k < 10 && named < 1; k++) {
      const before = proxy.rewritten;
      const digest = getBytes(keccak256(toUtf8Bytes(`unverified ${counter++}`)));
      const r = await pkpSign({
        client,
        pubkey: pkp.pubkey,
        toSign: digest,
        sessionSigs,
        verifyShares: false,
      });
      expect(recoverAddress(hexlify(digest), r.signature)).to.equal(pkp.address);
      if (proxy.rewritten > before) {
        expect(r.culprits.map((c) => [c.url, c.index])).to.deep.equal([[proxy.url, victimIndex]]);
        named++;
      } else expect(r.culprits).to.deep.equal([]);
    }
    expect(named).to.equal(1);
  });

  it("once the proxy stops rewriting, the same node's shares are combined again and nobody is named", async () => {
    proxy.rewrite = undefined;
    let membered = false;
    for (let k = 0; k < 8 && !membered; k++) {
      const digest = getBytes(keccak256(toUtf8Bytes(`honest again ${counter++}`)));
      const r = await pkpSign({ client, pubkey: pkp.pubkey, toSign: digest, sessionSigs });
      expect(recoverAddress(hexlify(digest), r.signature)).to.equal(pkp.address);
      expect(r.culprits).to.deep.equal([]);
      membered = r.signingSet.includes(victimIndex);
    }
    expect(membered).to.equal(true);
  });
});
