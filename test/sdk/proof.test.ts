import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ethers, ignition } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet, getBytes, hashMessage, hexlify, type Provider } from "ethers";

import PKPSystem from "../../ignition/modules/PKPSystem";
import { cidOf } from "../../src/protocol/cid";
import { connectContracts, type DeploymentAddresses, type PKPContracts } from "../../src/chain/deployment";
import { routeDevKeys } from "../../src/chain/devkeys";
import {
  grantAction,
  mintGrantAndBurn,
  mintNext,
  mintWithPermissions,
  SCOPE_SIGN_ANYTHING,
} from "../../src/chain/pkp";
import { runDkgLocally } from "../../src/crypto/dkg";
import {
  combineSignatureShares,
  runPresignLocally,
  signShare,
  type EcdsaKeyShare,
} from "../../src/crypto/ecdsa";
import { secp256k1Group as group } from "../../src/crypto/group";
import { thresholdFor } from "../../src/crypto/polynomial";
import {
  InvalidArgumentError,
  PROOF_CHECKS,
  SdkError,
  verifyProof,
  type VerifyProofReturnType,
} from "../../src/sdk";

const ACTION = readFileSync(path.join(__dirname, "..", "..", "examples", "prime", "action.js"), "utf8");
const OTHER_ACTION = `Lit.Actions.setResponse({ response: "not the prime action" });`;
const ALL = Object.values(PROOF_CHECKS);

interface Fixture {
  contracts: PKPContracts;
  addresses: DeploymentAddresses;
  provider: Provider;
  cid: string;
}

async function deployFixture(): Promise<Fixture> {
  const deployed = (await ignition.deploy(PKPSystem)) as unknown as Record<
    string,
    { getAddress(): Promise<string> }
  >;
  const addresses = {} as Record<keyof DeploymentAddresses, string>;
  for (const key of [
    "staking",
    "pubkeyRouter",
    "pkpNft",
    "pkpPermissions",
    "pkpHelper",
    "pkpNftMetadata",
  ] as const) {
    addresses[key] = await deployed[key]!.getAddress();
  }
  const [deployer] = await ethers.getSigners();
  const contracts = await connectContracts(addresses, deployer!);
  return { contracts, addresses, provider: ethers.provider, cid: await cidOf(ACTION) };
}

/** Routes one development key whose private key the test holds (the pool then holds only it). */
async function routeKnownKey(contracts: PKPContracts): Promise<Wallet> {
  const [key] = await routeDevKeys(contracts, { count: 1, revealPrivateKeys: true });
  return new Wallet(key!.privateKey!);
}

/** Names of the checks that failed. */
function failed(result: VerifyProofReturnType): string[] {
  return result.checks.filter((check) => !check.pass).map((check) => check.name);
}

function detail(result: VerifyProofReturnType, name: string): string {
  const check = result.checks.find((c) => c.name === name);
  expect(check, name).to.not.equal(undefined);
  return check!.detail;
}

describe("verifyProof", function () {
  describe("when the PKP was minted, granted the action and burned in one mintGrantAndBurnNext", () => {
    it("passes every check for the PKP's signature over the message (by token id, with CID and code)", async () => {
      const { contracts, addresses, provider, cid } = await loadFixture(deployFixture);
      const key = await routeKnownKey(contracts);
      const pkp = await mintGrantAndBurn(contracts, { cid });
      const signature = await key.signMessage("7919");
      const result = await verifyProof({
        provider,
        contracts: addresses,
        message: "7919",
        signature,
        tokenId: pkp.tokenId,
        cid,
        code: ACTION,
      });
      expect(result.checks.map((c) => c.name)).to.deep.equal(ALL);
      expect(failed(result)).to.deep.equal([]);
      expect(result.valid).to.equal(true);
      expect(result).to.include({
        tokenId: pkp.tokenId,
        pubkey: pkp.pubkey,
        pkpAddress: key.address,
        signer: key.address,
        actionCid: cid,
        mintTxHash: pkp.txHash,
      });
      expect(detail(result, PROOF_CHECKS.minted)).to.match(/calling PKPNFT\.mintGrantAndBurnNext/);
      expect(detail(result, PROOF_CHECKS.oneAction)).to.equal(
        `only ${cid} (SignAnything), granted in tx ${pkp.txHash}; no other permission ever`,
      );
    });

    it("passes by the PKP's address, and reports the observed CID when none is given", async () => {
      const { contracts, addresses, provider, cid } = await loadFixture(deployFixture);
      const key = await routeKnownKey(contracts);
      const pkp = await mintGrantAndBurn(contracts, { cid });
      const result = await verifyProof({
        provider,
        contracts: addresses,
        message: "7919",
        signature: await key.signMessage("7919"),
        pkpAddress: pkp.ethAddress.toLowerCase(),
      });
      expect(result.valid).to.equal(true);
      expect(result.checks.map((c) => c.name)).to.deep.equal(
        ALL.filter((name) => name !== PROOF_CHECKS.code),
      );
      expect(result.tokenId).to.equal(pkp.tokenId);
      expect(detail(result, PROOF_CHECKS.cid)).to.equal(`${cid} (observed; no CID was given)`);
    });

    it("passes for a signature made by threshold ECDSA (DKG key, 3 of 4 shares) over the routed key", async () => {
      const { contracts, addresses, provider, cid } = await loadFixture(deployFixture);
      const n = 4;
      const { t, quorum } = thresholdFor(n);
      const { results } = runDkgLocally(group, n, undefined, { encrypt: false });
      const keys: EcdsaKeyShare[] = [...results.values()].sort((a, b) => a.index - b.index);
      const pubkey = hexlify(keys[0]!.publicKey.toBytes(false));
      const tokenId = BigInt(ethers.keccak256(pubkey));
      await (
        await contracts.pubkeyRouter.setRoutingDataAsAdmin(tokenId, pubkey, addresses.staking, 2n)
      ).wait();
      const pkp = await mintGrantAndBurn(contracts, { cid });
      expect(pkp.tokenId).to.equal(tokenId.toString());

      const hash = getBytes(hashMessage("7919"));
      const presign = runPresignLocally(n);
      const signers = [2, 3, 4].slice(0, quorum);
      const shares = signers.map((i) =>
        signShare(presign.presignatures.get(i)!, keys[i - 1]!, hash, new TextEncoder().encode("request-1")),
      );
      const { signature } = combineSignatureShares(shares, { hash, publicKey: keys[0]!.publicKey, t });
      const result = await verifyProof({
        provider,
        contracts: addresses,
        message: "7919",
        signature: signature.serialized,
        tokenId,
        code: ACTION,
      });
      expect(failed(result)).to.deep.equal([]);
      expect(result.valid).to.equal(true);
    });
  });

  describe("when the certificate is tampered with", () => {
    it("fails only the signature check for a signature with a flipped bit", async () => {
      const { contracts, addresses, provider, cid } = await loadFixture(deployFixture);
      const key = await routeKnownKey(contracts);
      const pkp = await mintGrantAndBurn(contracts, { cid });
      const bytes = getBytes(await key.signMessage("7919"));
      bytes[40] ^= 0x01;
      const result = await verifyProof({
        provider,
        contracts: addresses,
        message: "7919",
        signature: hexlify(bytes),
        tokenId: pkp.tokenId,
        cid,
        code: ACTION,
      });
      expect(result.valid).to.equal(false);
      expect(failed(result)).to.deep.equal([PROOF_CHECKS.signature]);
      expect(detail(result, PROOF_CHECKS.signature)).to.match(
        /^recovers to 0x[0-9a-fA-F]{40}, not to the PKP's address/,
      );
    });

    it("fails only the signature check for the signature of 7919 presented with 7917", async () => {
      const { contracts, addresses, provider, cid } = await loadFixture(deployFixture);
      const key = await routeKnownKey(contracts);
      const pkp = await mintGrantAndBurn(contracts, { cid });
      const result = await verifyProof({
        provider,
        contracts: addresses,
        message: "7917",
        signature: await key.signMessage("7919"),
        tokenId: pkp.tokenId,
        cid,
      });
      expect(failed(result)).to.deep.equal([PROOF_CHECKS.signature]);
      expect(result.signer).to.not.equal(key.address);
    });

    it("fails only the signature check for a signature by another key", async () => {
      const { contracts, addresses, provider, cid } = await loadFixture(deployFixture);
      await routeKnownKey(contracts);
      const pkp = await mintGrantAndBurn(contracts, { cid });
      const stranger = Wallet.createRandom();
      const result = await verifyProof({
        provider,
        contracts: addresses,
        message: "7919",
        signature: await stranger.signMessage("7919"),
        tokenId: pkp.tokenId,
      });
      expect(failed(result)).to.deep.equal([PROOF_CHECKS.signature]);
      expect(detail(result, PROOF_CHECKS.signature)).to.equal(
        `recovers to ${stranger.address}, not to the PKP's address ${pkp.ethAddress}`,
      );
    });

    it("fails the signature check for a malformed signature, naming why", async () => {
      const { contracts, addresses, provider, cid } = await loadFixture(deployFixture);
      await routeKnownKey(contracts);
      const pkp = await mintGrantAndBurn(contracts, { cid });
      for (const signature of ["0x1234", "not hex", "0x" + "00".repeat(65)]) {
        const result = await verifyProof({
          provider,
          contracts: addresses,
          message: "7919",
          signature,
          tokenId: pkp.tokenId,
        });
        expect(failed(result), signature).to.deep.equal([PROOF_CHECKS.signature]);
        expect(result.signer).to.equal(null);
      }
      const short = await verifyProof({
        provider,
        contracts: addresses,
        message: "7919",
        signature: "0x1234",
        tokenId: pkp.tokenId,
      });
      expect(detail(short, PROOF_CHECKS.signature)).to.equal("not a 65-byte 0x-hex signature");
      const zero = await verifyProof({
        provider,
        contracts: addresses,
        message: "7919",
        signature: "0x" + "00".repeat(65),
        tokenId: pkp.tokenId,
      });
      expect(detail(zero, PROOF_CHECKS.signature)).to.match(/^does not recover/);
    });

    it("fails only the code check for code that is not the action", async () => {
      const { contracts, addresses, provider, cid } = await loadFixture(deployFixture);
      const key = await routeKnownKey(contracts);
      const pkp = await mintGrantAndBurn(contracts, { cid });
      const result = await verifyProof({
        provider,
        contracts: addresses,
        message: "7919",
        signature: await key.signMessage("7919"),
        tokenId: pkp.tokenId,
        code: ACTION + "\n",
      });
      expect(failed(result)).to.deep.equal([PROOF_CHECKS.code]);
      expect(detail(result, PROOF_CHECKS.code)).to.equal(
        `the code hashes to ${await cidOf(ACTION + "\n")}, not to the PKP's action ${cid}`,
      );
    });

    it("fails only the CID check for another CID", async () => {
      const { contracts, addresses, provider, cid } = await loadFixture(deployFixture);
      const key = await routeKnownKey(contracts);
      const pkp = await mintGrantAndBurn(contracts, { cid });
      const other = await cidOf(OTHER_ACTION);
      const result = await verifyProof({
        provider,
        contracts: addresses,
        message: "7919",
        signature: await key.signMessage("7919"),
        tokenId: pkp.tokenId,
        cid: other,
      });
      expect(failed(result)).to.deep.equal([PROOF_CHECKS.cid]);
      expect(detail(result, PROOF_CHECKS.cid)).to.equal(`the PKP's action is ${cid}, not ${other}`);
    });
  });

  describe("when the PKP was not made by one mintGrantAndBurnNext", () => {
    it("fails for a PKP minted normally: its owner could grant more", async () => {
      const { contracts, addresses, provider, cid } = await loadFixture(deployFixture);
      const key = await routeKnownKey(contracts);
      const pkp = await mintNext(contracts);
      await grantAction(contracts, { tokenId: BigInt(pkp.tokenId), cid, scopes: [SCOPE_SIGN_ANYTHING] });
      const result = await verifyProof({
        provider,
        contracts: addresses,
        message: "7919",
        signature: await key.signMessage("7919"),
        tokenId: pkp.tokenId,
        cid,
      });
      expect(result.valid).to.equal(false);
      expect(failed(result)).to.deep.equal([
        PROOF_CHECKS.minted,
        PROOF_CHECKS.burned,
        PROOF_CHECKS.oneAction,
        PROOF_CHECKS.cid,
      ]);
      expect(detail(result, PROOF_CHECKS.minted)).to.equal(
        `minted to ${pkp.owner} in tx ${pkp.txHash}: an owner, who could grant other actions or addresses`,
      );
      expect(detail(result, PROOF_CHECKS.burned)).to.match(/^the token exists/);
      expect(detail(result, PROOF_CHECKS.oneAction)).to.match(
        /^permissions changed outside the mint transaction/,
      );
    });

    it("fails for a PKP granted two actions through PKPHelper and burned afterwards", async () => {
      const { contracts, addresses, provider, cid } = await loadFixture(deployFixture);
      const key = await routeKnownKey(contracts);
      const other = await cidOf(OTHER_ACTION);
      const pkp = await mintWithPermissions(contracts, {
        actions: [
          { cid, scopes: [SCOPE_SIGN_ANYTHING] },
          { cid: other, scopes: [SCOPE_SIGN_ANYTHING] },
        ],
      });
      await (await contracts.pkpNft.burn(pkp.tokenId)).wait();
      const result = await verifyProof({
        provider,
        contracts: addresses,
        message: "7919",
        signature: await key.signMessage("7919"),
        tokenId: pkp.tokenId,
        cid,
      });
      expect(failed(result)).to.deep.equal([
        PROOF_CHECKS.minted,
        PROOF_CHECKS.burned,
        PROOF_CHECKS.oneAction,
        PROOF_CHECKS.cid,
      ]);
      expect(detail(result, PROOF_CHECKS.minted)).to.equal(
        `minted to ${addresses.pkpHelper} in tx ${pkp.txHash}: an owner, who could grant other actions or addresses`,
      );
      expect(detail(result, PROOF_CHECKS.burned)).to.match(/^not burned in the mint transaction/);
      expect(detail(result, PROOF_CHECKS.oneAction)).to.equal(
        `2 grants in the mint transaction: action ${cid}, action ${other}`,
      );
    });

    it("fails for a PKP minted, granted one action and burned in three transactions", async () => {
      const { contracts, addresses, provider, cid } = await loadFixture(deployFixture);
      const key = await routeKnownKey(contracts);
      const pkp = await mintNext(contracts);
      const grant = await grantAction(contracts, {
        tokenId: BigInt(pkp.tokenId),
        cid,
        scopes: [SCOPE_SIGN_ANYTHING],
      });
      await (await contracts.pkpNft.burn(pkp.tokenId)).wait();
      const result = await verifyProof({
        provider,
        contracts: addresses,
        message: "7919",
        signature: await key.signMessage("7919"),
        tokenId: pkp.tokenId,
        cid,
      });
      expect(failed(result)).to.deep.equal([
        PROOF_CHECKS.minted,
        PROOF_CHECKS.burned,
        PROOF_CHECKS.oneAction,
        PROOF_CHECKS.cid,
      ]);
      expect(detail(result, PROOF_CHECKS.oneAction)).to.equal(
        `permissions changed outside the mint transaction: ${grant.txHash.slice(0, 10)}…`,
      );
    });

    it("fails every chain check for a key that is routed but never minted", async () => {
      const { contracts, addresses, provider } = await loadFixture(deployFixture);
      const key = await routeKnownKey(contracts);
      const result = await verifyProof({
        provider,
        contracts: addresses,
        message: "7919",
        signature: await key.signMessage("7919"),
        pkpAddress: key.address,
      });
      expect(failed(result)).to.deep.equal([
        PROOF_CHECKS.minted,
        PROOF_CHECKS.burned,
        PROOF_CHECKS.oneAction,
        PROOF_CHECKS.cid,
      ]);
      expect(detail(result, PROOF_CHECKS.minted)).to.equal("the PKP was never minted");
    });
  });

  describe("when there is no such PKP", () => {
    it("fails every check for an address that is no PKP's", async () => {
      const { addresses, provider } = await loadFixture(deployFixture);
      const stranger = Wallet.createRandom();
      const result = await verifyProof({
        provider,
        contracts: addresses,
        message: "7919",
        signature: await stranger.signMessage("7919"),
        pkpAddress: stranger.address,
        code: ACTION,
      });
      expect(result.valid).to.equal(false);
      expect(failed(result)).to.deep.equal(ALL);
      expect(detail(result, PROOF_CHECKS.pkp)).to.equal(`no PKP has the address ${stranger.address}`);
      expect(detail(result, PROOF_CHECKS.signature)).to.equal(
        `recovers to ${stranger.address}; no PKP to compare with`,
      );
      expect(result).to.include({ tokenId: null, pkpAddress: null, actionCid: null, mintTxHash: null });
    });

    it("fails every check for a token id that was never routed", async () => {
      const { addresses, provider } = await loadFixture(deployFixture);
      const result = await verifyProof({
        provider,
        contracts: addresses,
        message: "7919",
        signature: await Wallet.createRandom().signMessage("7919"),
        tokenId: "0x1234",
      });
      expect(failed(result)).to.deep.equal(ALL.filter((name) => name !== PROOF_CHECKS.code));
      expect(detail(result, PROOF_CHECKS.pkp)).to.equal("no key is routed for token 4660");
    });
  });

  describe("when the arguments are malformed", () => {
    async function rejection(promise: Promise<unknown>): Promise<Error> {
      try {
        await promise;
      } catch (error) {
        return error as Error;
      }
      expect.fail("expected verifyProof to reject");
    }

    async function expectInvalid(promise: Promise<unknown>, message: string): Promise<void> {
      const error = await rejection(promise);
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect(error.message).to.contain(message);
    }

    it("refuses neither or both of tokenId and pkpAddress", async () => {
      const { addresses, provider } = await loadFixture(deployFixture);
      const base = { provider, contracts: addresses, message: "7919", signature: "0x" };
      await expectInvalid(verifyProof(base), "invalid pkp: give exactly one of tokenId and pkpAddress");
      await expectInvalid(
        verifyProof({ ...base, tokenId: "1", pkpAddress: Wallet.createRandom().address }),
        "invalid pkp: give exactly one of tokenId and pkpAddress",
      );
    });

    it("refuses a malformed token id, address, CID or contract address", async () => {
      const { addresses, provider } = await loadFixture(deployFixture);
      const base = { provider, contracts: addresses, message: "7919", signature: "0x" };
      await expectInvalid(verifyProof({ ...base, tokenId: "12ab" }), "invalid tokenId");
      await expectInvalid(verifyProof({ ...base, tokenId: -1n }), "invalid tokenId");
      await expectInvalid(verifyProof({ ...base, tokenId: "0x" + "f".repeat(65) }), "invalid tokenId");
      await expectInvalid(
        verifyProof({ ...base, pkpAddress: "0x1234" }),
        "invalid pkpAddress: not an address",
      );
      await expectInvalid(verifyProof({ ...base, tokenId: "1", cid: "QmNotACid" }), "invalid cid");
      await expectInvalid(
        verifyProof({ ...base, tokenId: "1", contracts: { ...addresses, pkpNft: "nowhere" } }),
        "invalid contracts.pkpNft: not an address",
      );
    });

    it("says the contracts cannot be read when the addresses hold no PKP contracts", async () => {
      const { addresses, provider, contracts, cid } = await loadFixture(deployFixture);
      await routeKnownKey(contracts);
      const pkp = await mintGrantAndBurn(contracts, { cid });
      const error = await rejection(
        verifyProof({
          provider,
          contracts: { ...addresses, pubkeyRouter: addresses.staking },
          message: "7919",
          signature: "0x",
          tokenId: pkp.tokenId,
        }),
      );
      expect(error).to.be.instanceOf(SdkError);
      expect(error.message).to.match(/^cannot read PubkeyRouter\.getPubkey from the chain/);
    });
  });
});
