import { expect } from "chai";
import { bytesToHex } from "@noble/hashes/utils";

import {
  AUTH_METHOD_ACTION,
  AUTH_METHOD_ADDRESS,
  AUTH_METHOD_TYPE,
  AUTH_METHOD_WEBAUTHN,
  KEY_TYPE_BLS,
  KEY_TYPE_ECDSA,
  PKP_AUTH_RESOURCE_PREFIX,
  PKP_SIGN_NAME,
  SCOPE_PERSONAL_SIGN,
  SCOPE_SIGN_ANYTHING,
  addressSchema,
  contractAddressesSchema,
  nodeContractAddressesSchema,
  parsePkpAuthResources,
  pkpAuthResource,
  pkpSessionDigest,
  requestEntropy,
  unixfsV0Options,
} from "../../src/protocol";

describe("protocol: constants", () => {
  it("has the numbers of Lit's v7 client and of the contracts", () => {
    expect([KEY_TYPE_BLS, KEY_TYPE_ECDSA]).to.deep.equal([1n, 2n]);
    expect([AUTH_METHOD_TYPE.EthWallet, AUTH_METHOD_TYPE.LitAction, AUTH_METHOD_TYPE.WebAuthn]).to.deep.equal(
      [1, 2, 3],
    );
    expect([AUTH_METHOD_ADDRESS, AUTH_METHOD_ACTION, AUTH_METHOD_WEBAUTHN]).to.deep.equal([1n, 2n, 3n]);
    expect([SCOPE_SIGN_ANYTHING, SCOPE_PERSONAL_SIGN]).to.deep.equal([1n, 2n]);
  });

  it("adds files as ipfs add's default profile does", () => {
    expect(unixfsV0Options()).to.not.equal(unixfsV0Options());
    expect(unixfsV0Options()).to.deep.equal({
      profile: "unixfs-v0-2015",
      cidVersion: 0,
      rawLeaves: false,
      leafType: "file",
      reduceSingleLeafToSelf: true,
      wrapWithDirectory: false,
    });
  });
});

describe("protocol: session derivations", () => {
  // Values computed by the node's and the SDK's own copies before they moved here (commit 85a1241).
  it("derives the request entropy keccak256(requestId ‖ 0x00 ‖ sigName)", () => {
    expect(PKP_SIGN_NAME).to.equal("pkpSign");
    expect(bytesToHex(requestEntropy("lit_0123456789abcdef", PKP_SIGN_NAME))).to.equal(
      "47d215bc4e9ab3dbddf3b41cb4af902a0645dde07225f9df8404c47291efdd92",
    );
    expect(bytesToHex(requestEntropy("lit_00", "sig1"))).to.equal(
      "60dd298421b4b519fd0004703145447144af3743030e4b41e9a242d2744dbe3a",
    );
  });

  it("separates request id and name: ('ab', 'c') and ('a', 'bc') differ", () => {
    expect(bytesToHex(requestEntropy("ab", "c"))).to.not.equal(bytesToHex(requestEntropy("a", "bc")));
  });

  it("derives the PKP session digest sha256('lit_session:' + hex(EIP-191 hash))", () => {
    expect(bytesToHex(pkpSessionDigest("hello"))).to.equal(
      "554e2244c4b24d5b904423bde0d6df9e44a13fb86b9e7ada114405dbd71c952d",
    );
  });

  it("writes and parses lit-pkpauth:// resources", () => {
    const resource = pkpAuthResource(0xabn, { authMethodType: 3n, authMethodId: "0xAABB" });
    expect(resource).to.equal(`${PKP_AUTH_RESOURCE_PREFIX}${"ab".padStart(64, "0")}/3/aabb`);
    expect(parsePkpAuthResources(["urn:recap:x", resource])).to.deep.equal({
      tokenId: 0xabn,
      authMethods: [{ authMethodType: 3n, authMethodId: "0xaabb" }],
    });
    expect(parsePkpAuthResources(["urn:recap:x"])).to.equal(undefined);
    expect(() => parsePkpAuthResources([`${PKP_AUTH_RESOURCE_PREFIX}00/1/aa`])).to.throw(/malformed/);
  });
});

describe("protocol: contract addresses", () => {
  const a = "0x" + "ab".repeat(20);
  it("checksums an address and refuses anything else", () => {
    expect(addressSchema.parse(a)).to.equal("0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB");
    const r = addressSchema.safeParse("0x1234");
    expect(r.success).to.equal(false);
    if (!r.success) expect(r.error.issues[0].message).to.equal("not an Ethereum address");
  });

  it("names the field of a bad contract address", () => {
    const ok = { staking: a, pubkeyRouter: a, pkpNft: a, pkpPermissions: a };
    expect(nodeContractAddressesSchema.safeParse(ok).success).to.equal(true);
    expect(contractAddressesSchema.safeParse(ok).success).to.equal(false);
    const r = nodeContractAddressesSchema.safeParse({ ...ok, pkpNft: "nope" });
    expect(r.success).to.equal(false);
    if (!r.success) expect(r.error.issues[0].path).to.deep.equal(["pkpNft"]);
  });
});
