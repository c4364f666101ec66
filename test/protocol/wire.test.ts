import { expect } from "chai";

import {
  ANSWER_SCHEMAS,
  ROUTES,
  executeAnswerSchema,
  handshakeResponseSchema,
  pkpSignAnswerSchema,
  schemas,
  signSessionKeyAnswerSchema,
} from "../../src/protocol";

const hex = (n: number) => "ab".repeat(n);

describe("protocol: wire", () => {
  it("names Lit's v7 routes", () => {
    expect(ROUTES).to.deep.equal({
      handshake: "/web/handshake/",
      execute: "/web/execute/v1",
      pkpSign: "/web/pkp/sign/v1",
      encryptionSign: "/web/encryption/sign/",
      signSessionKey: "/web/sign_session_key/v1",
    });
  });

  it("has one request schema per route", () => {
    expect(Object.keys(ROUTES).every((r) => r in schemas)).to.equal(true);
  });

  describe("answers as our nodes give them", () => {
    it("accepts a handshake (attestation null) and keeps unknown fields", () => {
      const h = {
        serverPublicKey: "00",
        subnetPublicKey: hex(48),
        networkPublicKey: hex(48),
        networkPublicKeySet: hex(48),
        hdRootPubkeys: [],
        latestBlockhash: "0x" + hex(32),
        attestation: null,
        nodeVersion: "0.1.0",
        clientSdkVersion: "7.4.0",
        extra: 1,
      };
      expect(handshakeResponseSchema.parse(h)).to.deep.equal(h);
    });

    it("accepts a pkp/sign answer of a node outside the signing set (no index in pkpNetwork)", () => {
      const a = {
        success: true,
        signedData: Array.from({ length: 32 }, (_, i) => i),
        signatureShare: {
          digest: hex(32),
          result: "fail",
          share_index: 0,
          signature_share: "",
          big_r: "",
          public_key: "",
          sig_type: "K256",
        },
        pkpNetwork: { signingSet: [1, 2, 3], presignatureId: hex(32), member: false },
      };
      expect(pkpSignAnswerSchema.parse(a)).to.deep.equal(a);
    });

    it("accepts Lit's JSON-quoted share index", () => {
      const share = { digest: "", result: '"success"', share_index: '"1"', signature_share: "" };
      expect(ANSWER_SCHEMAS.pkpSign.safeParse({ signatureShare: share }).success).to.equal(true);
    });

    it("accepts an execute answer with signedData and verification data", () => {
      const a = {
        success: true,
        signedData: {
          sig1: {
            sigType: "K256",
            dataSigned: hex(32),
            signatureShare: hex(32),
            shareIndex: 0,
            bigR: "02" + hex(32),
            publicKey: "04" + hex(64),
            sigName: "sig1",
          },
        },
        decryptedData: {},
        claimData: {},
        response: "",
        logs: "",
        pkpNetwork: { cid: "Qm", signedData: { sig1: { member: true, index: 1, signingSet: [1] } } },
      };
      expect(executeAnswerSchema.parse(a)).to.deep.equal(a);
    });

    it("accepts a sign_session_key answer with the node's public share", () => {
      const a = {
        result: "success",
        signatureShare: { ProofOfPossession: hex(97) },
        shareIndex: 0,
        curveType: "BLS",
        siweMessage: "m",
        dataSigned: hex(32),
        blsRootPubkey: hex(48),
        pkpNetwork: { index: 1, publicKeyShare: hex(48) },
      };
      expect(signSessionKeyAnswerSchema.parse(a)).to.deep.equal(a);
    });
  });

  describe("what the SDK accepts", () => {
    it("takes a partial answer: which fields an operation needs is the operation's check", () => {
      expect(ANSWER_SCHEMAS.pkpSign.safeParse({}).success).to.equal(true);
      expect(ANSWER_SCHEMAS.encryptionSign.safeParse({ result: "success" }).success).to.equal(true);
    });

    it("refuses an answer that is not an object or has a field of the wrong type, naming the field", () => {
      for (const route of ["execute", "pkpSign", "encryptionSign", "signSessionKey"] as const) {
        expect(ANSWER_SCHEMAS[route].safeParse(null).success, route).to.equal(false);
        expect(ANSWER_SCHEMAS[route].safeParse([]).success, route).to.equal(false);
      }
      const r = ANSWER_SCHEMAS.execute.safeParse({ signedData: { sig1: { sigType: "K256" } } });
      expect(r.success).to.equal(false);
      if (!r.success) expect(r.error.issues[0].path).to.deep.equal(["signedData", "sig1", "dataSigned"]);
    });

    it("needs the whole handshake", () => {
      expect(ANSWER_SCHEMAS.handshake.safeParse({ networkPublicKey: hex(48) }).success).to.equal(false);
    });
  });
});
