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
import { startNetworkWithPkp } from "../helpers/network";
import { signingSessionSigs, type TestPkp } from "../helpers/pkp";
import { startRewritingProxy, type ProxiedExchange, type RewritingProxy } from "../helpers/rewritingProxy";
import { sleep, type Harness, type HarnessNode } from "./harness";

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
    let user: Wallet;
    ({ h, user, pkp } = await startNetworkWithPkp(16));

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

  /** Signs a fresh digest (default checks) and asserts the signature recovers to the PKP's address. */
  async function signOnce(verifyShares?: boolean): Promise<PkpSignReturnType> {
    const digest = getBytes(keccak256(toUtf8Bytes(`corrupt-share ${counter++}`)));
    const result = await pkpSign({ client, pubkey: pkp.pubkey, toSign: digest, sessionSigs, verifyShares });
    expect(recoverAddress(hexlify(digest), result.signature)).to.equal(pkp.address);
    return result;
  }

  /** Signs until the victim has been in the signing set; with nothing rewritten, nobody is named. */
  async function signUntilMember(): Promise<void> {
    for (let k = 0; k < 8; k++) {
      const r = await signOnce();
      expect(r.culprits).to.deep.equal([]);
      expect(r.attempts).to.equal(1);
      if (r.signingSet.includes(victimIndex)) return;
    }
    expect.fail("the victim never took part in a signature through the proxy");
  }

  /**
   * Signs until the proxy has rewritten `want` of the victim's shares. Every signature recovers to the
   * PKP; every signing in which a share was rewritten names the victim alone (URL and index) for
   * `reason` and succeeds on a second attempt without it; the others name nobody.
   */
  async function expectVictimNamed(want: number, reason: RegExp, verifyShares?: boolean): Promise<void> {
    const start = proxy.rewritten;
    for (let k = 0; k < 12 && proxy.rewritten - start < want; k++) {
      const before = proxy.rewritten;
      const r = await signOnce(verifyShares);
      if (proxy.rewritten === before) {
        expect(r.culprits).to.deep.equal([]);
        continue;
      }
      const why = JSON.stringify({ culprits: r.culprits, failures: r.failures, set: r.signingSet });
      expect(
        r.culprits.map((c) => [c.url, c.index]),
        why,
      ).to.deep.equal([[proxy.url, victimIndex]]);
      expect(r.culprits[0].reason).to.match(reason);
      expect(r.signingSet, why).to.not.include(victimIndex);
      expect(r.signingSet).to.have.length(3);
      expect(r.attempts, why).to.equal(2);
    }
    expect(proxy.rewritten - start, "the victim was in a signing set often enough").to.be.at.least(want);
  }

  it("lists the proxy's URL for that validator, and signing through it works while nothing is rewritten", async () => {
    expect(client.nodes.map((n) => n.url)).to.include(proxy.url);
    expect(client.nodes.map((n) => n.url)).to.not.include(victim.url);
    proxy.rewrite = () => undefined;
    await signUntilMember();
    expect(proxy.forwarded.get(SIGN_ROUTE)).to.be.at.least(1);
    // Peer traffic to the victim (joins when it leads, the batches that refill the pools with it)
    // also goes through the proxy: sign until some has.
    const end = Date.now() + 60_000;
    while ((proxy.forwarded.get(PEER_ROUTE) ?? 0) < 1 && Date.now() < end) {
      await signOnce();
      await sleep(250);
    }
    expect(
      proxy.forwarded.get(PEER_ROUTE),
      "peer messages reach the victim through the proxy",
    ).to.be.at.least(1);
  });

  it("names the node whose Lit share field has a flipped byte, and the signature still recovers to the PKP", async () => {
    proxy.rewrite = flipLitShareByte;
    await expectVictimNamed(2, /^malformed share: Lit share field and verification share differ/);
  });

  it("names the node whose share is well-formed but wrong (s + 1 with its proof), found by share verification", async () => {
    proxy.rewrite = shiftShare;
    await expectVictimNamed(2, /^share does not verify against the presignature's commitments$/);
  });

  it("without share verification up front (verifyShares: false) the wrong share is still found and named", async () => {
    proxy.rewrite = shiftShare;
    await expectVictimNamed(1, /.+/, false);
  });

  it("once the proxy stops rewriting, the same node's shares are combined again and nobody is named", async () => {
    proxy.rewrite = undefined;
    await signUntilMember();
  });
});
