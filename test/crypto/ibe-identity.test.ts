import { expect } from "chai";
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex } from "@noble/hashes/utils";
import {
  IDENTITY_PREFIX,
  InvalidConditionsError,
  canonicalConditions,
  canonicalConditionsJson,
  conditionsFromRequest,
  dataToEncryptHash,
  encryptionIdentity,
  hashConditionsHex,
  identityFromHashes,
  type ConditionKind,
} from "../../src/crypto/conditions";
import fixtures from "../vectors/ibe-conditions.json";

const evmBasic = {
  contractAddress: "",
  standardContractType: "",
  chain: "ethereum",
  method: "",
  parameters: [":userAddress"],
  returnValueTest: { comparator: "=", value: "0x50e2dac5e78B5905CB09495547452cEE64426db2" },
};

describe("conditions", () => {
  describe("canonicalConditionsJson", () => {
    it("writes evmBasic conditions with Lit's keys in Lit's order", () => {
      expect(canonicalConditionsJson("accessControlConditions", [evmBasic])).to.equal(
        '[{"contractAddress":"","chain":"ethereum","standardContractType":"","method":"","parameters":[":userAddress"],' +
          '"returnValueTest":{"comparator":"=","value":"0x50e2dac5e78B5905CB09495547452cEE64426db2"}}]',
      );
    });

    it("keeps only operator for operator items and formats nested groups element by element", () => {
      const json = canonicalConditionsJson("accessControlConditions", [
        evmBasic,
        { operator: "or", extra: 1 },
        [evmBasic, { operator: "and" }, evmBasic],
      ]);
      const parsed = JSON.parse(json);
      expect(parsed[1]).to.deep.equal({ operator: "or" });
      expect(parsed[2]).to.have.length(3);
      expect(parsed[2][1]).to.deep.equal({ operator: "and" });
    });

    it("ignores key order and extra keys, drops undefined values (JSON.stringify)", () => {
      const shuffled = {
        returnValueTest: { value: evmBasic.returnValueTest.value, comparator: "=", key: "ignored" },
        parameters: [":userAddress"],
        method: "",
        chain: "ethereum",
        standardContractType: "",
        contractAddress: "",
        extra: "dropped",
      };
      expect(hashConditionsHex("accessControlConditions", [shuffled])).to.equal(
        hashConditionsHex("accessControlConditions", [evmBasic]),
      );
      const json = canonicalConditionsJson("evmContractConditions", [
        {
          contractAddress: "0x01",
          functionName: "f",
          functionParams: [],
          functionAbi: { name: "f", inputs: [], outputs: [] },
          chain: "ethereum",
          returnValueTest: { comparator: "=", value: "1" },
        },
      ]);
      expect(json).to.include('"constant":false');
      expect(json).not.to.include('"key"');
      expect(json).not.to.include("stateMutability");
    });

    it("leaves conditionType out of unified evmBasic conditions (as Lit does)", () => {
      const [c] = canonicalConditions("unifiedAccessControlConditions", [
        { ...evmBasic, conditionType: "evmBasic" },
      ]);
      expect(c).to.deep.equal(canonicalConditions("accessControlConditions", [evmBasic])[0]);
    });

    it("matches the hashes Lit's client computes for every fixture", () => {
      for (const v of fixtures.vectors)
        expect(hashConditionsHex(v.kind as ConditionKind, v.conditions), v.name).to.equal(v.conditionsHash);
    });

    describe("when a condition is invalid", () => {
      const cases: [string, ConditionKind, unknown[], string][] = [
        ["a non-object item", "accessControlConditions", [42], "object or an array"],
        ["a null item", "accessControlConditions", [null], "object or an array"],
        [
          "neither operator nor returnValueTest",
          "accessControlConditions",
          [{ chain: "ethereum" }],
          "invalid",
        ],
        [
          "a null returnValueTest",
          "accessControlConditions",
          [{ ...evmBasic, returnValueTest: null }],
          "returnValueTest",
        ],
        [
          "an evmContract condition without functionAbi",
          "evmContractConditions",
          [{ returnValueTest: { comparator: "=", value: "1" } }],
          "functionAbi",
        ],
        [
          "an evmContract ABI without inputs",
          "evmContractConditions",
          [{ functionAbi: { name: "f", outputs: [] }, returnValueTest: { comparator: "=", value: "1" } }],
          "inputs/outputs",
        ],
        [
          "a solRpc v2 condition without pdaInterface",
          "solRpcConditions",
          [
            {
              method: "m",
              params: [],
              pdaParams: [],
              pdaKey: "",
              chain: "solana",
              returnValueTest: { comparator: "=", value: "1" },
            },
          ],
          "pdaInterface",
        ],
        [
          "a unified solRpc condition without the v2 fields",
          "unifiedAccessControlConditions",
          [
            {
              conditionType: "solRpc",
              method: "m",
              params: [],
              chain: "solana",
              returnValueTest: { comparator: "=", value: "1" },
            },
          ],
          "pdaInterface",
        ],
        [
          "a unified condition without conditionType",
          "unifiedAccessControlConditions",
          [evmBasic],
          "conditionType",
        ],
        ["an empty unified list", "unifiedAccessControlConditions", [], "no conditions"],
      ];
      for (const [what, kind, conditions, message] of cases) {
        it(`refuses ${what}`, () => {
          expect(() => hashConditionsHex(kind, conditions)).to.throw(InvalidConditionsError, message);
        });
      }

      it("refuses a list that is not an array and an unknown kind", () => {
        expect(() => canonicalConditions("accessControlConditions", {} as unknown as unknown[])).to.throw(
          InvalidConditionsError,
          "must be an array",
        );
        expect(() => canonicalConditions("other" as ConditionKind, [])).to.throw(
          InvalidConditionsError,
          "unknown",
        );
      });
    });
  });

  describe("encryptionIdentity", () => {
    it("is lit-accesscontrolcondition://<conditions hash>/<data hash>", () => {
      for (const v of fixtures.vectors) {
        const plaintext = new TextEncoder().encode(v.plaintextUtf8);
        expect(dataToEncryptHash(plaintext)).to.equal(v.dataToEncryptHash);
        const set = { kind: v.kind as ConditionKind, conditions: v.conditions };
        expect(encryptionIdentity(set, plaintext)).to.equal(v.identity);
        expect(encryptionIdentity(set, v.dataToEncryptHash)).to.equal(v.identity);
        expect(v.identity.startsWith(IDENTITY_PREFIX)).to.equal(true);
      }
    });

    it("hashes the plaintext with SHA-256 into lowercase hex", () => {
      expect(dataToEncryptHash(new Uint8Array())).to.equal(bytesToHex(sha256(new Uint8Array())));
    });

    describe("when a hash is malformed", () => {
      it("refuses uppercase, short and non-hex hashes", () => {
        const h = "ab".repeat(32);
        expect(() => identityFromHashes(h.toUpperCase(), h)).to.throw(
          InvalidConditionsError,
          "conditions hash",
        );
        expect(() => identityFromHashes(h, h.slice(2))).to.throw(InvalidConditionsError, "dataToEncryptHash");
        expect(() => identityFromHashes(h, "zz" + h.slice(2))).to.throw(
          InvalidConditionsError,
          "dataToEncryptHash",
        );
      });
    });
  });

  describe("conditionsFromRequest", () => {
    it("takes the one condition field of a request", () => {
      expect(conditionsFromRequest({ accessControlConditions: [evmBasic] })).to.deep.equal({
        kind: "accessControlConditions",
        conditions: [evmBasic],
      });
      expect(
        conditionsFromRequest({ unifiedAccessControlConditions: [evmBasic], solRpcConditions: null }).kind,
      ).to.equal("unifiedAccessControlConditions");
    });

    describe("when the request does not carry exactly one non-empty list", () => {
      it("refuses none, several, a non-array and an empty list", () => {
        expect(() => conditionsFromRequest({})).to.throw(
          InvalidConditionsError,
          "no access control conditions",
        );
        expect(() =>
          conditionsFromRequest({ accessControlConditions: [evmBasic], evmContractConditions: [] }),
        ).to.throw(InvalidConditionsError, "several kinds");
        expect(() => conditionsFromRequest({ accessControlConditions: "x" })).to.throw(
          InvalidConditionsError,
          "array",
        );
        expect(() => conditionsFromRequest({ solRpcConditions: [] })).to.throw(
          InvalidConditionsError,
          "empty",
        );
      });
    });
  });
});
