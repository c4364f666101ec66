/**
 * pkpSign and PkpSigner against nodes played by HTTP servers on 127.0.0.1 that run the real threshold
 * ECDSA (a Shamir-shared key, presignatures from the real presigning protocol, weighted shares with
 * DLEQ proofs), so that the SDK's checks can be driven into every path: a node that lies is named and
 * routed around, a missing node is reported, refusals are listed node by node.
 */
import { expect } from "chai";
import http from "node:http";
import { Wallet, hashMessage, keccak256, recoverAddress, toUtf8Bytes, verifyMessage } from "ethers";

import { secp256k1Group } from "../../src/crypto/group";
import {
  presignaturePublicToJSON,
  signWeightedShare,
  signatureShareToJSON,
  type EcdsaKeyShare,
  type Presignature,
} from "../../src/crypto/ecdsa";
import {
  InvalidArgumentError,
  PKP_SIGN_NAME,
  PkpSignError,
  PkpSigner,
  pkpSign,
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

interface FakeNode {
  index: number;
  url: string;
  server: http.Server;
  behaviour: "honest" | "corrupt" | "refuse" | "silent-member" | "malformed" | "wrong-types";
}

describe("pkpSign (nodes played by local servers running the real threshold ECDSA)", function () {
  this.timeout(120_000);
  const nodes: FakeNode[] = [];
  let keys: Map<number, EcdsaKeyShare>;
  let pool: Map<number, Presignature>[];
  const sessions = new Map<string, { joiners: number[]; presig?: number; set?: number[] }>();
  let nextPresig = 0;
  let pubkey: string;
  let address: string;
  let client: NetworkClient;
  const sessionSigs: SessionSigs = {};

  before(async () => {
    ({ keys, pubkey, address, pool } = sharedEcdsaKey(N, T, 12));
    for (let i = 1; i <= N; i++) {
      const node = { index: i, behaviour: "honest" } as FakeNode;
      ({ server: node.server, url: node.url } = await listenLocal((req, res) => handle(node, req, res)));
      nodes.push(node);
      sessionSigs[node.url] = placeholderSessionSig();
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
    for (const node of nodes) node.behaviour = "honest";
  });

  function handle(node: FakeNode, req: http.IncomingMessage, res: http.ServerResponse): void {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      void (async () => {
        const requestId = String(req.headers["x-request-id"]);
        const body = JSON.parse(raw) as { toSign: number[]; pubkey: string };
        const reply = (status: number, json: unknown) => replyJson(res, status, json);
        if (node.behaviour === "refuse") {
          return reply(403, {
            errorKind: "Validation",
            errorCode: "NotPermitted",
            status: 403,
            message: `node ${node.index} says no`,
            correlationId: requestId,
            details: ["NotPermitted"],
          });
        }
        if (node.behaviour === "malformed") return reply(200, null);
        if (node.behaviour === "wrong-types")
          return reply(200, { success: true, signedData: body.toSign, signatureShare: "success" });
        // The leader's job, played by a shared table: S = the first 2t+1 nodes that joined.
        const s = sessions.get(requestId) ?? { joiners: [] };
        sessions.set(requestId, s);
        s.joiners.push(node.index);
        const deadline = Date.now() + 2000;
        while (s.joiners.length < 2 * T + 1 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
        if (s.set === undefined && s.joiners.length >= 2 * T + 1) {
          s.set = [...s.joiners].slice(0, 2 * T + 1).sort((a, b) => a - b);
          s.presig = nextPresig++;
        }
        if (s.set === undefined)
          return reply(500, { errorCode: "NoSigningSession", message: "too few joined" });
        const hash = Uint8Array.from(body.toSign);
        const fail = {
          success: true,
          signedData: body.toSign,
          signatureShare: {
            digest: "",
            result: "fail",
            share_index: node.index - 1,
            signature_share: "",
            big_r: "",
            public_key: "",
            sig_type: "K256",
          },
        };
        if (!s.set.includes(node.index)) return reply(200, fail);
        if (node.behaviour === "silent-member") return reply(200, fail);
        const presignature = pool[s.presig!].get(node.index)!;
        let share = signWeightedShare(
          presignature,
          keys.get(node.index)!,
          hash,
          requestEntropy(requestId, PKP_SIGN_NAME),
          s.set,
        );
        if (node.behaviour === "corrupt") share = { ...share, s: secp256k1Group.Fn.add(share.s, 1n) };
        const json = signatureShareToJSON(share);
        return reply(200, {
          success: true,
          signedData: body.toSign,
          signatureShare: {
            digest: Buffer.from(hash).toString("hex"),
            result: "success",
            share_index: node.index - 1,
            signature_share: json.share,
            big_r: json.bigR,
            public_key: pubkey.slice(2),
            sig_type: "K256",
          },
          pkpNetwork: {
            member: true,
            index: node.index,
            signingSet: s.set,
            presignatureId: presignature.id,
            presignature: presignaturePublicToJSON(presignature.pub),
            share: json,
            publicKeyShare: Buffer.from(
              keys.get(node.index)!.publicKeyShares.get(node.index)!.toRawBytes(true),
            ).toString("hex"),
          },
        });
      })();
    });
  }

  describe("when every node is honest", () => {
    it("combines 2t+1 verified shares into a signature that recovers to the PKP's address", async () => {
      const digest = keccak256(toUtf8Bytes("honest"));
      const result = await pkpSign({ client, pubkey, toSign: digest, sessionSigs });
      expect(recoverAddress(digest, result.signature)).to.equal(address);
      expect(result.signingSet).to.have.length(3);
      expect(result.attempts).to.equal(1);
      expect(result.culprits).to.deep.equal([]);
      expect(BigInt(result.s) <= secp256k1Group.order / 2n).to.equal(true);
    });
  });

  describe("when a node in the signing set returns a corrupted share", () => {
    it("names it, leaves it out and succeeds with a fresh request id", async () => {
      nodes[0].behaviour = "corrupt";
      const digest = keccak256(toUtf8Bytes("corrupt"));
      const result = await pkpSign({ client, pubkey, toSign: digest, sessionSigs });
      expect(recoverAddress(digest, result.signature)).to.equal(address);
      expect(result.culprits.map((c) => c.url)).to.deep.equal([nodes[0].url]);
      expect(result.culprits[0].index).to.equal(1);
      expect(result.attempts).to.equal(2);
      expect(result.signingSet).to.not.include(1);
    });
  });

  describe("when a member of the signing set gives no share", () => {
    it("reports it as missing and succeeds without it", async () => {
      nodes[1].behaviour = "silent-member";
      const digest = keccak256(toUtf8Bytes("silent"));
      const result = await pkpSign({ client, pubkey, toSign: digest, sessionSigs });
      expect(recoverAddress(digest, result.signature)).to.equal(address);
      expect(result.failures.some((f) => f.url === nodes[1].url && f.code === "MissingShare")).to.equal(true);
    });
  });

  describe("when a node's answer does not match the pkp/sign schema", () => {
    it("names that node as failed (BadResponse) and signs with the others", async () => {
      nodes[2].behaviour = "malformed";
      const digest = keccak256(toUtf8Bytes("malformed"));
      const result = await pkpSign({ client, pubkey, toSign: digest, sessionSigs });
      expect(recoverAddress(digest, result.signature)).to.equal(address);
      expect(result.signingSet).to.not.include(3);
      const f = result.failures.find((x) => x.url === nodes[2].url)!;
      expect(f.code).to.equal("BadResponse");
      expect(f.status).to.equal(200);
      expect(f.reason).to.contain("answer does not match the pkpSign schema: (body)");
    });

    it("names a node whose fields have the wrong types, with the field", async () => {
      nodes[1].behaviour = "wrong-types";
      const digest = keccak256(toUtf8Bytes("typed"));
      const result = await pkpSign({ client, pubkey, toSign: digest, sessionSigs });
      expect(recoverAddress(digest, result.signature)).to.equal(address);
      const f = result.failures.find((x) => x.url === nodes[1].url)!;
      expect(f.code).to.equal("BadResponse");
      expect(f.reason).to.match(/signatureShare: Expected object, received string/);
    });
  });

  describe("when the nodes refuse", () => {
    it("throws PkpSignError listing every node's status, code and reason", async () => {
      for (const node of nodes) node.behaviour = "refuse";
      const error = await expectRejection(
        pkpSign({ client, pubkey, toSign: keccak256("0x01"), sessionSigs }),
      );
      expect(error).to.be.instanceOf(PkpSignError);
      const failures = (error as PkpSignError).failures;
      expect(failures).to.have.length(4);
      for (const node of nodes) {
        const f = failures.find((x) => x.url === node.url)!;
        expect(f.status).to.equal(403);
        expect(f.code).to.equal("NotPermitted");
        expect(f.reason).to.contain(`node ${node.index} says no`);
      }
      // Nothing to route around: a second attempt would be refused the same way.
      expect((error as PkpSignError).attempts).to.equal(1);
      expect(error.message).to.contain(nodes[3].url);
    });
  });

  describe("when a node is down", () => {
    it("reports it unreachable and signs with the others", async () => {
      const down = {
        ...client,
        nodes: [...client.nodes.slice(0, 3), { ...client.nodes[3], url: "http://127.0.0.1:9" }],
      };
      const sigs = { ...sessionSigs, "http://127.0.0.1:9": sessionSigs[nodes[3].url] };
      const digest = keccak256(toUtf8Bytes("down"));
      const result = await pkpSign({
        client: down as NetworkClient,
        pubkey,
        toSign: digest,
        sessionSigs: sigs,
      });
      expect(recoverAddress(digest, result.signature)).to.equal(address);
      const f = result.failures.find((x) => x.url === "http://127.0.0.1:9")!;
      expect(f.status).to.equal(undefined);
      expect(f.code).to.equal("ECONNREFUSED");
    });
  });

  describe("argument checks (before any node is contacted)", () => {
    it("refuses a digest that is not 32 bytes", async () => {
      const error = await expectRejection(pkpSign({ client, pubkey, toSign: "0x1234", sessionSigs }));
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect(error.message).to.contain("toSign");
    });

    it("refuses a public key that is not 0x04 + 64 bytes", async () => {
      const error = await expectRejection(
        pkpSign({ client, pubkey: "0x02" + "11".repeat(32), toSign: keccak256("0x"), sessionSigs }),
      );
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect(error.message).to.contain("pubkey");
    });

    it("refuses a public key that is not on the curve", async () => {
      const error = await expectRejection(
        pkpSign({ client, pubkey: "0x04" + "11".repeat(64), toSign: keccak256("0x"), sessionSigs }),
      );
      expect(error).to.be.instanceOf(InvalidArgumentError);
    });

    it("reports a node without a session signature instead of sending it a request", async () => {
      const partial = { ...sessionSigs };
      delete partial[nodes[2].url];
      const digest = keccak256(toUtf8Bytes("partial"));
      const result = await pkpSign({ client, pubkey, toSign: digest, sessionSigs: partial });
      expect(recoverAddress(digest, result.signature)).to.equal(address);
      expect(result.failures.find((f) => f.url === nodes[2].url)?.code).to.equal("NoSessionSig");
    });
  });

  describe("PkpSigner", () => {
    it("refuses to be made without session signatures or an auth signer", () => {
      expect(() => new PkpSigner({ client, pubkey })).to.throw(InvalidArgumentError);
    });

    it("refuses a public key that is not secp256k1", () => {
      expect(() => new PkpSigner({ client, pubkey: "0x1234", sessionSigs })).to.throw(InvalidArgumentError);
    });

    it("signs an EIP-191 message that verifies to the PKP's address", async () => {
      const signer = new PkpSigner({ client, pubkey, sessionSigs });
      const signature = await signer.signMessage("hello");
      expect(verifyMessage("hello", signature)).to.equal(address);
      expect(recoverAddress(hashMessage("hello"), signature)).to.equal(await signer.getAddress());
    });
  });
});
