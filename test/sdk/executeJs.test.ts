/**
 * executeJs's collection and combination logic against nodes played by HTTP servers on 127.0.0.1
 * that answer `/web/execute/v1` in Lit's v7 shape with real threshold-ECDSA shares (a Shamir-shared
 * key, presignatures from the real presigning protocol, weighted shares with DLEQ proofs and our
 * `pkpNetwork` verification data), so that every path can be driven: majority response and logs,
 * disagreeing nodes, wrong shares named, too few answers, actions that fail, argument checks. The
 * same function against real node processes is in test/e2e/ and test/tasks/action.test.ts.
 */
import { expect } from "chai";
import http from "node:http";
import { Wallet, getBytes, hashMessage, keccak256, recoverAddress, toUtf8Bytes } from "ethers";

import { cidOf } from "../../src/protocol/cid";
import { secp256k1Group } from "../../src/crypto/group";
import {
  presignaturePublicToJSON,
  signWeightedShare,
  signatureShareToJSON,
  type EcdsaKeyShare,
  type Presignature,
} from "../../src/crypto/ecdsa";
import {
  ExecuteJsError,
  InvalidArgumentError,
  LitActionError,
  executeJs,
  requestEntropy,
  type NetworkClient,
  type SessionSigs,
} from "../../src/sdk";
import { expectRejection } from "../helpers/expect";
import {
  fakeClient,
  listenLocal,
  placeholderSessionSig,
  replyJson,
  sharedEcdsaKey,
} from "../helpers/fakeNodes";

const N = 4;
const T = 1;

/** What the action "does" on a node: the test decides (the real sandbox is tested elsewhere). */
interface Outcome {
  success: boolean;
  response: string;
  logs: string;
  error?: string;
  /** Signatures the action asks for: sigName → digest. */
  sign: Record<string, Uint8Array>;
}

type Behaviour =
  | "honest"
  | "corrupt"
  | "refuse"
  | "silent-member"
  | "other-response"
  | "other-digest"
  | "lit-only"
  | "fail"
  | "malformed";

interface FakeNode {
  index: number;
  url: string;
  server: http.Server;
  behaviour: Behaviour;
  received: { headers: http.IncomingHttpHeaders; body: Record<string, unknown> }[];
}

describe("executeJs (nodes played by local servers running the real threshold ECDSA)", function () {
  this.timeout(120_000);
  const nodes: FakeNode[] = [];
  let keys: Map<number, EcdsaKeyShare>;
  let pool: Map<number, Presignature>[];
  /** Per request id and sigName: who joined, the leader's signing set and presignature. */
  const sessions = new Map<string, { joiners: number[]; presig?: number; set?: number[] }>();
  let nextPresig = 0;
  let pubkey: string;
  let address: string;
  let client: NetworkClient;
  let outcome: Outcome;
  /** How many nodes the fake leader puts in the signing set (at least 2t+1). */
  let setSize = N;
  const sessionSigs: SessionSigs = {};

  before(async () => {
    ({ keys, pubkey, address, pool } = sharedEcdsaKey(N, T, 24));
    for (let i = 1; i <= N; i++) {
      const node = { index: i, behaviour: "honest", received: [] } as unknown as FakeNode;
      ({ server: node.server, url: node.url } = await listenLocal((req, res) => handle(node, req, res)));
      nodes.push(node);
      sessionSigs[node.url] = placeholderSessionSig(`sig-${i}`);
    }
    client = fakeClient(
      nodes.map((x) => ({ url: x.url, index: x.index, nodeAddress: Wallet.createRandom().address })),
      T,
    );
  });

  after(() => {
    for (const node of nodes) node.server.close();
  });

  beforeEach(() => {
    for (const node of nodes) {
      node.behaviour = "honest";
      node.received = [];
    }
    setSize = N;
    outcome = { success: true, response: JSON.stringify({ ok: true }), logs: "hello\n", sign: {} };
  });

  /** The leader's job, played by a shared table: S = the first `setSize` nodes to join. */
  async function join(
    requestId: string,
    sigName: string,
    index: number,
  ): Promise<{ set?: number[]; presig?: number }> {
    const key = `${requestId}/${sigName}`;
    const s = sessions.get(key) ?? { joiners: [] };
    sessions.set(key, s);
    s.joiners.push(index);
    const deadline = Date.now() + 1500;
    const live = nodes.filter((x) => x.behaviour !== "refuse").length;
    while (s.joiners.length < Math.min(setSize, live) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    if (s.set === undefined && s.joiners.length >= 2 * T + 1) {
      s.set = [...s.joiners].slice(0, setSize).sort((a, b) => a - b);
      s.presig = nextPresig++;
    }
    return s;
  }

  function handle(node: FakeNode, req: http.IncomingMessage, res: http.ServerResponse): void {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      void (async () => {
        const requestId = String(req.headers["x-request-id"]);
        const body = JSON.parse(raw) as Record<string, unknown>;
        node.received.push({ headers: req.headers, body });
        const reply = (status: number, json: unknown) => replyJson(res, status, json);
        if (node.behaviour === "refuse") {
          return reply(401, {
            errorKind: "Validation",
            errorCode: "NotAuthorized",
            status: 401,
            message: `node ${node.index} refuses the session`,
            correlationId: requestId,
          });
        }
        if (node.behaviour === "malformed") return reply(200, { success: true, signedData: [], logs: 5 });
        if (node.behaviour === "fail" || !outcome.success) {
          return reply(200, {
            success: false,
            signedData: {},
            decryptedData: {},
            claimData: {},
            response: "",
            logs: outcome.logs,
            error: node.behaviour === "fail" ? "Error: only on this node" : outcome.error,
            pkpNetwork: { cid: "", signedData: {} },
          });
        }
        const signedData: Record<string, unknown> = {};
        const verification: Record<string, unknown> = {};
        for (const [sigName, digest0] of Object.entries(outcome.sign)) {
          const digest = node.behaviour === "other-digest" ? getBytes(keccak256(digest0)) : digest0;
          const s = await join(requestId, sigName, node.index);
          const member =
            s.set !== undefined && s.set.includes(node.index) && node.behaviour !== "silent-member";
          if (!member) {
            signedData[sigName] = {
              sigType: "K256",
              dataSigned: Buffer.from(digest).toString("hex"),
              signatureShare: "",
              shareIndex: node.index - 1,
              bigR: "",
              publicKey: "",
              sigName,
            };
            verification[sigName] = {
              member: false,
              index: node.index,
              signingSet: s.set ?? [],
              presignatureId: "",
            };
            continue;
          }
          const presignature = pool[s.presig!].get(node.index)!;
          let share = signWeightedShare(
            presignature,
            keys.get(node.index)!,
            digest,
            requestEntropy(requestId, sigName),
            s.set!,
          );
          if (node.behaviour === "corrupt") share = { ...share, s: secp256k1Group.Fn.add(share.s, 1n) };
          const json = signatureShareToJSON(share);
          signedData[sigName] = {
            sigType: "K256",
            dataSigned: Buffer.from(digest).toString("hex"),
            signatureShare: json.share,
            shareIndex: node.index - 1,
            bigR: json.bigR,
            publicKey: pubkey.slice(2),
            sigName,
          };
          verification[sigName] = {
            member: true,
            index: node.index,
            signingSet: s.set,
            presignatureId: presignature.id,
            presignature: presignaturePublicToJSON(presignature.pub),
            share: json,
            publicKeyShare: Buffer.from(
              keys.get(node.index)!.publicKeyShares.get(node.index)!.toBytes(true),
            ).toString("hex"),
          };
        }
        const code = typeof body.code === "string" ? Buffer.from(body.code, "base64") : undefined;
        const cid = code ? await cidOf(code) : String(body.ipfsId);
        return reply(200, {
          success: true,
          signedData,
          decryptedData: {},
          claimData: {},
          response: node.behaviour === "other-response" ? "something else" : outcome.response,
          logs: outcome.logs,
          ...(node.behaviour === "lit-only" ? {} : { pkpNetwork: { cid, signedData: verification } }),
        });
      })();
    });
  }

  const CODE = "Lit.Actions.setResponse({ response: JSON.stringify({ ok: true }) });";

  describe("when every node is honest", () => {
    it("returns the agreed response (parsed JSON), the logs and the action's CID", async () => {
      const r = await executeJs({ client, sessionSigs, code: CODE });
      expect(r.response).to.deep.equal({ ok: true });
      expect(r.responseText).to.equal('{"ok":true}');
      expect(r.logs).to.equal("hello\n");
      expect(r.cid).to.equal(await cidOf(CODE));
      expect(r.agreed).to.equal(4);
      expect(r.signatures).to.deep.equal({});
      expect(r.disagreements).to.deep.equal([]);
      expect(r.failures).to.deep.equal([]);
    });

    it("sends every node the same request id, the code in base64, its own session signature and the epoch", async () => {
      await executeJs({
        client,
        sessionSigs,
        code: CODE,
        jsParams: { number: "7", bytes: Uint8Array.from([1, 2]) },
      });
      const ids = new Set(nodes.map((x) => x.received[0].headers["x-request-id"]));
      expect(ids.size).to.equal(1);
      expect([...ids][0]).to.match(/^lit_[0-9a-f]{16}$/);
      for (const node of nodes) {
        const { body } = node.received[0];
        expect(Buffer.from(body.code as string, "base64").toString()).to.equal(CODE);
        expect(body.ipfsId).to.equal(undefined);
        expect(body.jsParams).to.deep.equal({ number: "7", bytes: [1, 2] });
        expect((body.authSig as { sig: string }).sig).to.equal(`sig-${node.index}`);
        expect(body.epoch).to.equal(1);
      }
    });

    it("sends an ipfsId as it is (the nodes fetch the code)", async () => {
      const cid = await cidOf(CODE);
      const r = await executeJs({ client, sessionSigs, ipfsId: cid });
      expect(r.cid).to.equal(cid);
      for (const node of nodes) {
        expect(node.received[0].body.ipfsId).to.equal(cid);
        expect(node.received[0].body.code).to.equal(undefined);
      }
    });

    it("combines each signedData entry into a signature that recovers to the PKP (Lit's r, s, recid shape)", async () => {
      const digest = getBytes(keccak256(toUtf8Bytes("sign me")));
      const personal = getBytes(hashMessage("7919"));
      outcome.sign = { sig1: digest, prime: personal };
      const r = await executeJs({ client, sessionSigs, code: CODE });
      expect(Object.keys(r.signatures).sort()).to.deep.equal(["prime", "sig1"]);
      const sig = r.signatures.sig1;
      expect(recoverAddress(digest, sig.signature)).to.equal(address);
      expect(recoverAddress(personal, r.signatures.prime.signature)).to.equal(address);
      expect(sig.r).to.match(/^[0-9a-f]{64}$/);
      expect(sig.s).to.match(/^[0-9a-f]{64}$/);
      expect(BigInt("0x" + sig.s) <= secp256k1Group.order / 2n).to.equal(true);
      expect(sig.signature).to.equal(`0x${sig.r}${sig.s}${(27 + sig.recid).toString(16)}`);
      expect(sig.publicKey).to.equal(pubkey.slice(2));
      expect(sig.dataSigned).to.equal(Buffer.from(digest).toString("hex"));
      expect(sig.address).to.equal(address);
      expect(sig.signingSet).to.deep.equal([1, 2, 3, 4]);
      expect(r.culprits).to.deep.equal([]);
    });

    it("combines the shares of nodes that send only Lit's fields by summing them, as Lit's client does", async () => {
      for (const node of nodes) node.behaviour = "lit-only";
      const digest = getBytes(keccak256(toUtf8Bytes("lit only")));
      outcome.sign = { sig1: digest };
      const r = await executeJs({ client, sessionSigs, code: CODE });
      expect(recoverAddress(digest, r.signatures.sig1.signature)).to.equal(address);
    });

    it("reports nodes outside a 2t+1 signing set as nothing wrong", async () => {
      setSize = 2 * T + 1;
      const digest = getBytes(keccak256(toUtf8Bytes("three of four")));
      outcome.sign = { sig1: digest };
      const r = await executeJs({ client, sessionSigs, code: CODE });
      expect(recoverAddress(digest, r.signatures.sig1.signature)).to.equal(address);
      expect(r.signatures.sig1.signingSet).to.have.length(3);
      expect(r.failures).to.deep.equal([]);
    });
  });

  describe("when a node returns a wrong share", () => {
    it("names it and combines the other 2t+1 shares", async () => {
      nodes[1].behaviour = "corrupt";
      const digest = getBytes(keccak256(toUtf8Bytes("corrupt")));
      outcome.sign = { sig1: digest };
      const r = await executeJs({ client, sessionSigs, code: CODE });
      expect(recoverAddress(digest, r.signatures.sig1.signature)).to.equal(address);
      expect(r.culprits.map((c) => [c.url, c.index])).to.deep.equal([[nodes[1].url, 2]]);
      expect(r.culprits[0].reason).to.contain("does not verify");
      expect(r.signatures.sig1.signingSet).to.not.include(2);
    });

    it("throws ExecuteJsError naming it when fewer than 2t+1 good shares remain", async () => {
      setSize = 2 * T + 1;
      nodes[0].behaviour = "corrupt";
      outcome.sign = { sig1: getBytes(keccak256(toUtf8Bytes("corrupt, no spare"))) };
      const error = await expectRejection(executeJs({ client, sessionSigs, code: CODE }));
      expect(error).to.be.instanceOf(ExecuteJsError);
      const e = error as ExecuteJsError;
      expect(e.culprits.map((c) => c.url)).to.deep.equal([nodes[0].url]);
      expect(e.signatureFailures.map((f) => f.sigName)).to.deep.equal(["sig1"]);
      expect(e.response).to.deep.equal({ ok: true });
      expect(e.message).to.contain(`${nodes[0].url} (index 1) returned a wrong share`);
    });
  });

  describe("when a node disagrees", () => {
    it("reports a node with another response and returns the majority's", async () => {
      nodes[2].behaviour = "other-response";
      const r = await executeJs({ client, sessionSigs, code: CODE });
      expect(r.response).to.deep.equal({ ok: true });
      expect(r.agreed).to.equal(3);
      expect(r.disagreements).to.deep.equal([
        { url: nodes[2].url, field: "response", value: "something else", majority: '{"ok":true}' },
      ]);
    });

    it("leaves out the share of a node that signed other data, reports it, and combines the rest", async () => {
      nodes[3].behaviour = "other-digest";
      const digest = getBytes(keccak256(toUtf8Bytes("agreed data")));
      outcome.sign = { sig1: digest };
      const r = await executeJs({ client, sessionSigs, code: CODE });
      expect(recoverAddress(digest, r.signatures.sig1.signature)).to.equal(address);
      const d = r.disagreements.find((x) => x.url === nodes[3].url)!;
      expect(d.field).to.equal("signedData.sig1");
      expect(d.majority).to.equal(Buffer.from(digest).toString("hex"));
    });

    it("reports a node that fails where the others succeed", async () => {
      nodes[0].behaviour = "fail";
      const r = await executeJs({ client, sessionSigs, code: CODE });
      expect(r.response).to.deep.equal({ ok: true });
      expect(r.disagreements.map((d) => [d.url, d.field])).to.deep.equal([[nodes[0].url, "success"]]);
    });

    it("throws ExecuteJsError when no 2t+1 nodes agree on the outcome", async () => {
      nodes[0].behaviour = "fail";
      nodes[1].behaviour = "other-response";
      const error = await expectRejection(executeJs({ client, sessionSigs, code: CODE }));
      expect(error).to.be.instanceOf(ExecuteJsError);
      expect(error.message).to.contain("no 3 nodes agree on the action's outcome");
      expect((error as ExecuteJsError).disagreements).to.have.length(2);
    });
  });

  describe("when the action fails on the nodes", () => {
    it("throws LitActionError with the nodes' error and logs", async () => {
      outcome = {
        success: false,
        response: "",
        logs: "before the loop\n",
        error: "Timeout: the action ran over 30000 ms",
        sign: {},
      };
      const error = await expectRejection(executeJs({ client, sessionSigs, code: "while (true) {}" }));
      expect(error).to.be.instanceOf(LitActionError);
      const e = error as LitActionError;
      expect(e.actionError).to.equal("Timeout: the action ran over 30000 ms");
      expect(e.logs).to.equal("before the loop\n");
      expect(e.agreed).to.equal(4);
      expect(e.message).to.contain("the action failed on 4 nodes: Timeout");
    });
  });

  describe("when nodes do not answer", () => {
    it("lists a refusing node and goes on with the others", async () => {
      nodes[3].behaviour = "refuse";
      const digest = getBytes(keccak256(toUtf8Bytes("one refuses")));
      outcome.sign = { sig1: digest };
      const r = await executeJs({ client, sessionSigs, code: CODE });
      expect(recoverAddress(digest, r.signatures.sig1.signature)).to.equal(address);
      expect(r.failures).to.deep.equal([
        { url: nodes[3].url, status: 401, code: "NotAuthorized", reason: "node 4 refuses the session" },
      ]);
    });

    it("names a node whose answer does not match the execute schema and goes on with the others", async () => {
      nodes[2].behaviour = "malformed";
      const digest = getBytes(keccak256(toUtf8Bytes("one is malformed")));
      outcome.sign = { sig1: digest };
      const r = await executeJs({ client, sessionSigs, code: CODE });
      expect(recoverAddress(digest, r.signatures.sig1.signature)).to.equal(address);
      expect(r.response).to.deep.equal({ ok: true });
      expect(r.failures).to.have.length(1);
      const f = r.failures[0];
      expect([f.url, f.status, f.code]).to.deep.equal([nodes[2].url, 200, "BadResponse"]);
      expect(f.reason).to.contain("answer does not match the execute schema");
      expect(f.reason).to.contain("signedData: Expected object, received array");
      expect(f.reason).to.contain("logs: Expected string, received number");
    });

    it("throws ExecuteJsError listing each node when fewer than 2t+1 answer", async () => {
      nodes[0].behaviour = "refuse";
      const down = {
        ...client,
        nodes: [...client.nodes.slice(0, 3), { ...client.nodes[3], url: "http://127.0.0.1:9" }],
      } as NetworkClient;
      const sigs = { ...sessionSigs, "http://127.0.0.1:9": sessionSigs[nodes[3].url] };
      const error = await expectRejection(executeJs({ client: down, sessionSigs: sigs, code: CODE }));
      expect(error).to.be.instanceOf(ExecuteJsError);
      const e = error as ExecuteJsError;
      expect(e.message).to.contain("the action ran on 2 nodes, need 3 of 4");
      expect(e.failures.map((f) => [f.url, f.code])).to.deep.equal([
        [nodes[0].url, "NotAuthorized"],
        ["http://127.0.0.1:9", "ECONNREFUSED"],
      ]);
    });

    it("reports a node without a session signature instead of sending it a request", async () => {
      const partial = { ...sessionSigs };
      delete partial[nodes[2].url];
      const r = await executeJs({ client, sessionSigs: partial, code: CODE });
      expect(r.failures.map((f) => [f.url, f.code])).to.deep.equal([[nodes[2].url, "NoSessionSig"]]);
      expect(nodes[2].received).to.have.length(0);
    });
  });

  describe("argument checks (before any node is contacted)", () => {
    const cases: [string, () => Parameters<typeof executeJs>[0], string][] = [
      [
        "both code and ipfsId",
        () => ({ client, sessionSigs, code: CODE, ipfsId: "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o" }),
        "invalid code: give exactly one of code and ipfsId",
      ],
      [
        "neither code nor ipfsId",
        () => ({ client, sessionSigs }),
        "invalid code: give exactly one of code and ipfsId",
      ],
      [
        "empty code",
        () => ({ client, sessionSigs, code: "" }),
        "invalid code: must be a non-empty string or bytes",
      ],
      [
        "an ipfsId that is not a CIDv0",
        () => ({ client, sessionSigs, ipfsId: "bafy123" }),
        "invalid ipfsId: not a CIDv0",
      ],
      [
        "jsParams that are an array",
        () => ({ client, sessionSigs, code: CODE, jsParams: [1] as unknown as Record<string, unknown> }),
        "invalid jsParams: must be an object",
      ],
      [
        "a bigint in jsParams",
        () => ({ client, sessionSigs, code: CODE, jsParams: { n: { deep: 1n } } }),
        "invalid jsParams.n.deep: a bigint cannot be sent as JSON",
      ],
    ];
    for (const [what, params, message] of cases) {
      it(`refuses ${what}`, async () => {
        const error = await expectRejection(executeJs(params()));
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect(error.message).to.contain(message);
        for (const node of nodes) expect(node.received).to.have.length(0);
      });
    }
  });
});
