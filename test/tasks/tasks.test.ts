import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { HardhatPluginError } from "hardhat/plugins";
import { Wallet, getAddress, keccak256 } from "ethers";
import { secp256k1 } from "@noble/curves/secp256k1";

import { cidOf, cidToBytes } from "../../src/protocol/cid";
import {
  ContractRevertError,
  DeploymentError,
  InvalidArgumentError,
  InvalidCidError,
  NotDevChainError,
  UnknownTokenError,
} from "../../src/chain/errors";
import { connectContracts } from "../../src/chain/deployment";
import type { DeploymentAddresses } from "../../src/chain/deployment";

type Json = Record<string, unknown>;

/**
 * Runs a task as the CLI would with --json, capturing what it prints: the printed text must be one
 * JSON document equal to the task's return value. Returns the parsed document.
 */
async function runJson<T = Json>(name: string, args: Record<string, unknown> = {}): Promise<T> {
  const printed: string[] = [];
  const original = console.log;
  console.log = (...items: unknown[]) => {
    printed.push(items.map(String).join(" "));
  };
  let result: unknown;
  try {
    result = await hre.run(name, { ...args, json: true });
  } finally {
    console.log = original;
  }
  expect(printed).to.have.length(1);
  const document = JSON.parse(printed[0] as string) as T;
  expect(document).to.deep.equal(
    JSON.parse(JSON.stringify(result, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))),
  );
  return document;
}

/** Runs a task expected to fail; returns the HardhatPluginError's cause (the library's typed error). */
async function runFailing(name: string, args: Record<string, unknown> = {}): Promise<Error> {
  const original = console.log;
  console.log = () => undefined;
  try {
    await hre.run(name, { ...args, json: true });
  } catch (error) {
    expect(error).to.be.instanceOf(HardhatPluginError);
    const parent = (error as HardhatPluginError & { parent?: Error }).parent;
    expect(parent).to.be.instanceOf(Error);
    return parent as Error;
  } finally {
    console.log = original;
  }
  expect.fail(`${name} did not fail`);
}

const ACTION =
  "const go = async () => { await Lit.Actions.signEcdsa({ toSign, publicKey, sigName }); }; go();";
const OTHER_ACTION = "Lit.Actions.setResponse({ response: 'hello' });";

async function deployedWithKeys() {
  const deployed = await runJson<{ addresses: DeploymentAddresses; chainId: string }>("deploy", {
    noCompile: true,
  });
  const routed = await runJson<{ keys: { tokenId: string }[] }>("keys:route-dev", { count: "6" });
  const [owner, stranger] = await hre.ethers.getSigners();
  if (owner === undefined || stranger === undefined) throw new Error("accounts");
  const contracts = await connectContracts(deployed.addresses, owner);
  return {
    addresses: deployed.addresses,
    routed,
    owner,
    stranger,
    contracts,
    cid: await cidOf(ACTION),
    otherCid: await cidOf(OTHER_ACTION),
  };
}

async function minted() {
  const fixture = await deployedWithKeys();
  const pkp = await runJson<{ tokenId: string; ethAddress: string; owner: string }>("pkp:mint");
  return { ...fixture, pkp };
}

describe("tasks", function () {
  describe("deploy", function () {
    it("deploys the six contracts with Ignition and prints their addresses", async function () {
      const deployed = await runJson<{
        network: string;
        chainId: string;
        addresses: Json;
        recorded: unknown;
      }>("deploy", { noCompile: true });
      expect(deployed.network).to.equal("hardhat");
      expect(deployed.chainId).to.equal("31337");
      expect(deployed.recorded).to.equal(null);
      expect(Object.keys(deployed.addresses)).to.have.members([
        "staking",
        "pubkeyRouter",
        "pkpNft",
        "pkpPermissions",
        "pkpHelper",
        "pkpNftMetadata",
      ]);
      for (const address of Object.values(deployed.addresses)) {
        expect(await hre.ethers.provider.getCode(address as string)).to.not.equal("0x");
      }
    });
  });

  describe("keys:route-dev", function () {
    it("routes the given number of fresh keys into the pool", async function () {
      const { contracts, routed } = await loadFixture(deployedWithKeys);
      expect(routed.keys).to.have.length(6);
      for (const key of routed.keys as unknown as { tokenId: string; pubkey: string; ethAddress: string }[]) {
        expect(BigInt(keccak256(key.pubkey)).toString()).to.equal(key.tokenId);
        expect(await contracts.pubkeyRouter.isRouted(key.tokenId)).to.equal(true);
        expect(await contracts.pubkeyRouter.getEthAddress(key.tokenId)).to.equal(key.ethAddress);
      }
      expect(await contracts.pkpNft.getUnmintedRoutedTokenIdCount(2)).to.equal(6n);
    });

    describe("with --reveal-private-keys", function () {
      it("prints private keys that match the routed public keys", async function () {
        await loadFixture(deployedWithKeys);
        const result = await runJson<{ keys: { pubkey: string; privateKey: string }[] }>("keys:route-dev", {
          count: "2",
          revealPrivateKeys: true,
        });
        for (const key of result.keys) {
          const pubkey = secp256k1.getPublicKey(key.privateKey.slice(2), false);
          expect(`0x${Buffer.from(pubkey).toString("hex")}`).to.equal(key.pubkey);
        }
      });
    });

    describe("when the count is not 1-100", function () {
      for (const count of ["0", "101", "two", "1.5"]) {
        it(`refuses --count ${count} with InvalidArgumentError`, async function () {
          await loadFixture(deployedWithKeys);
          const error = await runFailing("keys:route-dev", { count });
          expect(error).to.be.instanceOf(InvalidArgumentError);
          expect(error.message).to.match(/^invalid --count: /);
        });
      }
    });

    describe("when the chain is not a development chain", function () {
      it("refuses with NotDevChainError before sending anything", async function () {
        const { contracts } = await loadFixture(deployedWithKeys);
        const provider = hre.ethers.provider;
        const getNetwork = provider.getNetwork.bind(provider);
        // The in-process chain is 31337; make the provider report Sepolia for this call only.
        provider.getNetwork = async () => {
          const network = await getNetwork();
          const copy = network.clone();
          copy.chainId = 11155111n;
          return copy;
        };
        try {
          const before = await contracts.pkpNft.getUnmintedRoutedTokenIdCount(2);
          const error = await runFailing("keys:route-dev", { count: "1" });
          expect(error).to.be.instanceOf(NotDevChainError);
          expect(error.message).to.equal(
            "refusing to run on chain 11155111: development keys are routed only on development chains (31337, 1337)",
          );
          expect(await contracts.pkpNft.getUnmintedRoutedTokenIdCount(2)).to.equal(before);
        } finally {
          provider.getNetwork = getNetwork;
        }
      });
    });

    describe("when the signer does not own PubkeyRouter", function () {
      it("fails with the contract's decoded custom error", async function () {
        const { stranger } = await loadFixture(deployedWithKeys);
        const error = await runFailing("keys:route-dev", { count: "1", from: stranger.address });
        expect(error).to.be.instanceOf(ContractRevertError);
        expect(error.message).to.equal(
          `PubkeyRouter.setRoutingDataAsAdmin reverted with OwnableUnauthorizedAccount(${stranger.address})`,
        );
      });
    });
  });

  describe("pkp:mint", function () {
    it("mints the next routed key to the signer", async function () {
      const { owner, contracts } = await loadFixture(deployedWithKeys);
      const pkp = await runJson<Json>("pkp:mint");
      expect(pkp.via).to.equal("PKPNFT");
      expect(pkp.owner).to.equal(owner.address);
      expect(await contracts.pkpNft.ownerOf(pkp.tokenId as string)).to.equal(owner.address);
      expect(await contracts.pubkeyRouter.getEthAddress(pkp.tokenId as string)).to.equal(pkp.ethAddress);
      expect(BigInt(keccak256(pkp.pubkey as string)).toString()).to.equal(pkp.tokenId);
      expect(await contracts.pkpNft.getUnmintedRoutedTokenIdCount(2)).to.equal(5n);
    });

    describe("with permissions", function () {
      it("mints through PKPHelper and sets them in the same transaction", async function () {
        const { cid, stranger } = await loadFixture(deployedWithKeys);
        const pkp = await runJson<Json>("pkp:mint", {
          actions: cid,
          actionScopes: "sign-anything,personal-sign",
          addresses: stranger.address.toLowerCase(),
          addressScopes: "2",
          addPkpAddress: true,
        });
        expect(pkp.via).to.equal("PKPHelper");
        const info = await runJson<Json>("pkp:info", { tokenId: pkp.tokenId });
        expect(info.permittedActions).to.deep.equal([{ cid, scopes: ["sign-anything", "personal-sign"] }]);
        expect(info.permittedAddresses).to.deep.equal([
          { address: stranger.address, scopes: ["personal-sign"] },
          { address: pkp.ethAddress, scopes: [] },
        ]);
      });
    });

    describe("with --send-to-self", function () {
      it("leaves the PKP owned by its own address", async function () {
        await loadFixture(deployedWithKeys);
        const pkp = await runJson<Json>("pkp:mint", { sendToSelf: true });
        expect(pkp.owner).to.equal(pkp.ethAddress);
        const error = await runFailing("pkp:grant-action", { tokenId: pkp.tokenId, cid: await cidOf("x") });
        expect(error.message).to.match(/does not own PKP/);
      });
    });

    describe("when the pool is empty", function () {
      it("refuses with a message saying keys must be routed first", async function () {
        await loadFixture(deployedWithKeys);
        for (let i = 0; i < 6; i++) await runJson("pkp:mint");
        const error = await runFailing("pkp:mint");
        expect(error.message).to.match(/^no routed key of type 2 left to mint: /);
      });
    });

    describe("when an argument is malformed", function () {
      it("refuses a bad action CID with InvalidCidError", async function () {
        await loadFixture(deployedWithKeys);
        const error = await runFailing("pkp:mint", { actions: "QmNotACid" });
        expect(error).to.be.instanceOf(InvalidCidError);
      });
      it("refuses a bad address with InvalidArgumentError", async function () {
        await loadFixture(deployedWithKeys);
        const error = await runFailing("pkp:mint", { addresses: "0x1234" });
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect(error.message).to.equal('invalid --addresses: "0x1234" is not an Ethereum address');
      });
      it("refuses a bad scope with InvalidArgumentError", async function () {
        await loadFixture(deployedWithKeys);
        const error = await runFailing("pkp:mint", { actions: await cidOf("x"), actionScopes: "everything" });
        expect(error).to.be.instanceOf(InvalidArgumentError);
      });
      it("refuses a --from that is not an account of the network", async function () {
        await loadFixture(deployedWithKeys);
        const error = await runFailing("pkp:mint", { from: Wallet.createRandom().address });
        expect(error.message).to.match(/is not an account of network hardhat/);
      });
    });
  });

  describe("pkp:mint-grant-burn", function () {
    it("mints, permits exactly the action, and burns the token", async function () {
      const { cid, contracts } = await loadFixture(deployedWithKeys);
      const pkp = await runJson<Json>("pkp:mint-grant-burn", { cid });
      expect(pkp.owner).to.equal("burned");
      expect(pkp.cid).to.equal(cid);
      expect(await contracts.pkpNft.exists(pkp.tokenId as string)).to.equal(false);
      const info = await runJson<Json>("pkp:info", { tokenId: pkp.tokenId });
      expect(info.owner).to.equal("burned");
      expect(info.permittedActions).to.deep.equal([{ cid, scopes: ["sign-anything"] }]);
      expect(info.permittedAddresses).to.deep.equal([]);
    });

    describe("with --code-file", function () {
      it("computes the CID of the file as ipfs add does", async function () {
        const { cid } = await loadFixture(deployedWithKeys);
        const file = path.join(mkdtempSync(path.join(tmpdir(), "pkp-action-")), "action.js");
        writeFileSync(file, ACTION);
        const pkp = await runJson<Json>("pkp:mint-grant-burn", { codeFile: file });
        expect(pkp.cid).to.equal(cid);
      });
    });

    describe("after the burn", function () {
      it("refuses every permission change", async function () {
        const { cid, otherCid } = await loadFixture(deployedWithKeys);
        const pkp = await runJson<Json>("pkp:mint-grant-burn", { cid });
        const grant = await runFailing("pkp:grant-action", { tokenId: pkp.tokenId, cid: otherCid });
        expect(grant.message).to.equal(
          `PKP ${pkp.tokenId as string} is burned: its permissions can never change`,
        );
        const revoke = await runFailing("pkp:revoke-action", { tokenId: pkp.tokenId, cid });
        expect(revoke.message).to.match(/is burned/);
      });
    });

    describe("when the action is not given exactly once", function () {
      it("refuses neither --cid nor --code-file", async function () {
        await loadFixture(deployedWithKeys);
        const error = await runFailing("pkp:mint-grant-burn");
        expect(error.message).to.equal(
          "invalid action: give exactly one of --cid <Qm…> and --code-file <file>",
        );
      });
      it("refuses both", async function () {
        const { cid } = await loadFixture(deployedWithKeys);
        const error = await runFailing("pkp:mint-grant-burn", { cid, codeFile: "x.js" });
        expect(error).to.be.instanceOf(InvalidArgumentError);
      });
      it("refuses a bad CID", async function () {
        await loadFixture(deployedWithKeys);
        const error = await runFailing("pkp:mint-grant-burn", { cid: "Qm123" });
        expect(error).to.be.instanceOf(InvalidCidError);
        expect(error.message).to.equal('invalid IPFS CIDv0 "Qm123": a CIDv0 has 46 characters, this has 5');
      });
      it("refuses a missing code file", async function () {
        await loadFixture(deployedWithKeys);
        const error = await runFailing("pkp:mint-grant-burn", { codeFile: "/nonexistent/action.js" });
        expect(error.message).to.equal("invalid --code-file: no such file: /nonexistent/action.js");
      });
    });
  });

  describe("pkp:grant-action and pkp:revoke-action", function () {
    it("permits and then removes an action", async function () {
      const { pkp, cid, contracts } = await loadFixture(minted);
      const granted = await runJson<Json>("pkp:grant-action", { tokenId: pkp.tokenId, cid, scopes: "1,2" });
      expect(granted).to.include({ tokenId: pkp.tokenId, cid, authMethodType: "2", id: cidToBytes(cid) });
      expect(await contracts.pkpPermissions.isPermittedAction(pkp.tokenId, cidToBytes(cid))).to.equal(true);
      const revoked = await runJson<Json>("pkp:revoke-action", { tokenId: pkp.tokenId, cid });
      expect(revoked.cid).to.equal(cid);
      expect(await contracts.pkpPermissions.isPermittedAction(pkp.tokenId, cidToBytes(cid))).to.equal(false);
    });

    describe("when the signer does not own the PKP", function () {
      it("refuses before sending", async function () {
        const { pkp, cid, owner, stranger } = await loadFixture(minted);
        const error = await runFailing("pkp:grant-action", {
          tokenId: pkp.tokenId,
          cid,
          from: stranger.address,
        });
        expect(error.message).to.equal(
          `${stranger.address} does not own PKP ${pkp.tokenId}: the owner is ${owner.address}`,
        );
      });
    });

    describe("when the token is unknown", function () {
      it("refuses with UnknownTokenError", async function () {
        const { cid } = await loadFixture(minted);
        const error = await runFailing("pkp:grant-action", { tokenId: "12345", cid });
        expect(error).to.be.instanceOf(UnknownTokenError);
        expect(error.message).to.equal(
          "unknown PKP token id 12345: not routed by PubkeyRouter on this deployment",
        );
      });
    });

    describe("when the token id is malformed or missing", function () {
      it("refuses with InvalidArgumentError", async function () {
        const { cid } = await loadFixture(minted);
        const bad = await runFailing("pkp:grant-action", { tokenId: "twelve", cid });
        expect(bad.message).to.equal('invalid token id: "twelve" is not a decimal or 0x-hex integer');
        const missing = await runFailing("pkp:grant-action", { cid });
        expect(missing.message).to.equal("invalid --token-id: missing");
      });
    });

    describe("when the action to revoke is not permitted", function () {
      it("refuses: nothing to remove", async function () {
        const { pkp, otherCid } = await loadFixture(minted);
        const error = await runFailing("pkp:revoke-action", { tokenId: pkp.tokenId, cid: otherCid });
        expect(error.message).to.equal(
          `action ${otherCid} is not permitted on PKP ${pkp.tokenId}: nothing to remove`,
        );
      });
    });
  });

  describe("pkp:grant-address and pkp:revoke-address", function () {
    it("permits and then removes an address", async function () {
      const { pkp, stranger, contracts } = await loadFixture(minted);
      await runJson("pkp:grant-address", {
        tokenId: pkp.tokenId,
        address: stranger.address,
        scopes: "personal-sign",
      });
      expect(await contracts.pkpPermissions.isPermittedAddress(pkp.tokenId, stranger.address)).to.equal(true);
      const info = await runJson<Json>("pkp:info", { tokenId: pkp.tokenId });
      expect(info.permittedAddresses).to.deep.equal([
        { address: stranger.address, scopes: ["personal-sign"] },
      ]);
      await runJson("pkp:revoke-address", { tokenId: pkp.tokenId, address: stranger.address });
      expect(await contracts.pkpPermissions.isPermittedAddress(pkp.tokenId, stranger.address)).to.equal(
        false,
      );
    });

    describe("when the address is malformed", function () {
      it("refuses with InvalidArgumentError", async function () {
        const { pkp } = await loadFixture(minted);
        const error = await runFailing("pkp:grant-address", { tokenId: pkp.tokenId, address: "0xnope" });
        expect(error.message).to.equal('invalid --address: "0xnope" is not an Ethereum address');
      });
    });

    describe("when the address to revoke is not permitted", function () {
      it("refuses: nothing to remove", async function () {
        const { pkp, stranger } = await loadFixture(minted);
        const error = await runFailing("pkp:revoke-address", {
          tokenId: pkp.tokenId,
          address: stranger.address,
        });
        expect(error.message).to.match(/is not permitted on PKP/);
      });
    });
  });

  describe("pkp:add-auth-method and pkp:remove-auth-method", function () {
    it("permits and then removes an auth method", async function () {
      const { pkp } = await loadFixture(minted);
      const id = keccak256("0x1234");
      await runJson("pkp:add-auth-method", {
        tokenId: pkp.tokenId,
        type: "webauthn",
        id,
        userPubkey: "0xabcdef",
        scopes: "2",
      });
      const info = await runJson<{ permittedAuthMethods: Json[] }>("pkp:info", { tokenId: pkp.tokenId });
      expect(info.permittedAuthMethods).to.deep.equal([
        { authMethodType: "3", typeName: "WEBAUTHN", id, userPubkey: "0xabcdef", scopes: ["personal-sign"] },
      ]);
      await runJson("pkp:remove-auth-method", { tokenId: pkp.tokenId, type: "3", id });
      const after = await runJson<{ permittedAuthMethods: Json[] }>("pkp:info", { tokenId: pkp.tokenId });
      expect(after.permittedAuthMethods).to.deep.equal([]);
    });

    describe("when the contract refuses the auth method", function () {
      it("reports the decoded custom error", async function () {
        const { pkp } = await loadFixture(minted);
        const error = await runFailing("pkp:add-auth-method", {
          tokenId: pkp.tokenId,
          type: "1",
          id: "0x1234",
        });
        expect(error).to.be.instanceOf(ContractRevertError);
        expect(error).to.include({
          contract: "PKPPermissions",
          errorName: "PKPPermissionsInvalidAuthMethodId",
        });
        expect(error.message).to.equal(
          "PKPPermissions.addPermittedAuthMethod reverted with PKPPermissionsInvalidAuthMethodId(1, 0x1234)",
        );
      });
    });

    describe("when an argument is malformed", function () {
      it("refuses a missing type, a bad id, and a bad user pubkey", async function () {
        const { pkp } = await loadFixture(minted);
        expect(
          (await runFailing("pkp:add-auth-method", { tokenId: pkp.tokenId, id: "0x12" })).message,
        ).to.equal("invalid --type: missing");
        expect(
          (await runFailing("pkp:add-auth-method", { tokenId: pkp.tokenId, type: "6", id: "12" })).message,
        ).to.equal('invalid --id: "12" is not 0x-prefixed hex bytes');
        expect(
          (
            await runFailing("pkp:add-auth-method", {
              tokenId: pkp.tokenId,
              type: "6",
              id: "0x12",
              userPubkey: "0x1",
            })
          ).message,
        ).to.equal('invalid --user-pubkey: "0x1" is not 0x-prefixed hex bytes');
        expect(
          (await runFailing("pkp:remove-auth-method", { tokenId: pkp.tokenId, type: "NOPE", id: "0x12" }))
            .message,
        ).to.match(/^invalid auth method type/);
      });
    });
  });

  describe("pkp:scopes", function () {
    it("shows, adds and removes scopes", async function () {
      const { pkp, cid } = await loadFixture(minted);
      await runJson("pkp:grant-action", { tokenId: pkp.tokenId, cid, scopes: "1" });
      const shown = await runJson<Json>("pkp:scopes", { tokenId: pkp.tokenId, cid });
      expect(shown).to.deep.equal({
        tokenId: pkp.tokenId,
        authMethodType: "2",
        id: cidToBytes(cid),
        permitted: true,
        scopes: ["1"],
        transactions: [],
      });
      const changed = await runJson<{ scopes: string[]; transactions: unknown[] }>("pkp:scopes", {
        tokenId: pkp.tokenId,
        cid,
        add: "personal-sign",
        remove: "sign-anything",
      });
      expect(changed.scopes).to.deep.equal(["2"]);
      expect(changed.transactions).to.have.length(2);
    });

    describe("when the auth method is named by --type and --id", function () {
      it("reads the same scopes", async function () {
        const { pkp, stranger } = await loadFixture(minted);
        await runJson("pkp:grant-address", {
          tokenId: pkp.tokenId,
          address: stranger.address,
          scopes: "1,2",
        });
        const byAddress = await runJson<Json>("pkp:scopes", {
          tokenId: pkp.tokenId,
          address: stranger.address,
        });
        const byType = await runJson<Json>("pkp:scopes", {
          tokenId: pkp.tokenId,
          type: "ADDRESS",
          id: stranger.address.toLowerCase(),
        });
        expect(byAddress.scopes).to.deep.equal(["1", "2"]);
        expect(byType).to.deep.equal(byAddress);
      });
    });

    describe("when the scope is out of the contract's range", function () {
      it("reports PKPPermissionsInvalidScopeId", async function () {
        const { pkp, cid } = await loadFixture(minted);
        await runJson("pkp:grant-action", { tokenId: pkp.tokenId, cid, scopes: "1" });
        const error = await runFailing("pkp:scopes", { tokenId: pkp.tokenId, cid, add: "200" });
        expect(error.message).to.equal(
          "PKPPermissions.addPermittedAuthMethodScope reverted with PKPPermissionsInvalidScopeId(200)",
        );
      });
    });

    describe("when the request is inconsistent", function () {
      it("refuses adding to an auth method that is not permitted", async function () {
        const { pkp, cid } = await loadFixture(minted);
        const error = await runFailing("pkp:scopes", { tokenId: pkp.tokenId, cid, add: "1" });
        expect(error.message).to.match(/^auth method is not permitted on PKP/);
      });
      it("refuses a scope both added and removed", async function () {
        const { pkp, cid } = await loadFixture(minted);
        const error = await runFailing("pkp:scopes", { tokenId: pkp.tokenId, cid, add: "1", remove: "1" });
        expect(error.message).to.equal("invalid scopes: scope 1 is both added and removed");
      });
      it("refuses zero or two ways of naming the auth method", async function () {
        const { pkp, cid, stranger } = await loadFixture(minted);
        const none = await runFailing("pkp:scopes", { tokenId: pkp.tokenId });
        expect(none.message).to.equal(
          "invalid auth method: give exactly one of --cid, --address, or --type with --id",
        );
        const two = await runFailing("pkp:scopes", { tokenId: pkp.tokenId, cid, address: stranger.address });
        expect(two).to.be.instanceOf(InvalidArgumentError);
      });
    });
  });

  describe("pkp:info", function () {
    it("reports key, address, owner and permissions", async function () {
      const { pkp, owner, contracts } = await loadFixture(minted);
      const info = await runJson<Json>("pkp:info", { tokenId: pkp.tokenId });
      expect(info).to.deep.equal({
        tokenId: pkp.tokenId,
        tokenIdHex: `0x${BigInt(pkp.tokenId).toString(16).padStart(64, "0")}`,
        keyType: "2",
        pubkey: await contracts.pubkeyRouter.getPubkey(pkp.tokenId),
        ethAddress: pkp.ethAddress,
        owner: owner.address,
        permittedActions: [],
        permittedAddresses: [],
        permittedAuthMethods: [],
      });
    });

    describe("with a 0x-hex token id", function () {
      it("reports the same PKP", async function () {
        const { pkp } = await loadFixture(minted);
        const info = await runJson<Json>("pkp:info", { tokenId: `0x${BigInt(pkp.tokenId).toString(16)}` });
        expect(info.tokenId).to.equal(pkp.tokenId);
      });
    });

    describe("when the key is routed but not minted", function () {
      it('reports the owner as "unminted"', async function () {
        const { contracts } = await loadFixture(minted);
        const routedIds: string[] = [];
        for (const event of await contracts.pubkeyRouter.queryFilter(
          contracts.pubkeyRouter.filters.PubkeyRoutingDataSet(),
        )) {
          routedIds.push(event.args.tokenId.toString());
        }
        const unminted = [];
        for (const id of routedIds) if (!(await contracts.pkpNft.exists(id))) unminted.push(id);
        const info = await runJson<Json>("pkp:info", { tokenId: unminted[0] });
        expect(info.owner).to.equal("unminted");
      });
    });

    describe("when the token is unknown", function () {
      it("refuses with UnknownTokenError", async function () {
        await loadFixture(minted);
        const error = await runFailing("pkp:info", { tokenId: "1" });
        expect(error).to.be.instanceOf(UnknownTokenError);
      });
    });
  });

  describe("pkp:list", function () {
    it("lists the PKPs an address owns", async function () {
      const { pkp, owner, stranger } = await loadFixture(minted);
      const second = await runJson<Json>("pkp:mint");
      const list = await runJson<{ owner: string; count: number; pkps: Json[] }>("pkp:list", {
        owner: owner.address.toLowerCase(),
      });
      expect(list.owner).to.equal(owner.address);
      expect(list.count).to.equal(2);
      expect(list.pkps.map((p) => p.tokenId)).to.deep.equal([pkp.tokenId, second.tokenId]);
      const none = await runJson<{ count: number }>("pkp:list", { owner: stranger.address });
      expect(none.count).to.equal(0);
    });
    describe("when the owner is malformed", function () {
      it("refuses with InvalidArgumentError", async function () {
        await loadFixture(minted);
        const error = await runFailing("pkp:list", { owner: "bob" });
        expect(error.message).to.equal('invalid --owner: "bob" is not an Ethereum address');
      });
    });
  });

  describe("action:cid", function () {
    it("prints the CIDv0 and multihash of a file", async function () {
      const file = path.join(mkdtempSync(path.join(tmpdir(), "pkp-cid-")), "hello.txt");
      writeFileSync(file, "hello world\n");
      const result = await runJson<Json>("action:cid", { file });
      expect(result).to.deep.equal({
        file,
        size: 12,
        cid: "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o",
        multihash: "0x122046d44814b9c5af141c3aaab7c05dc5e844ead5f91f12858b021eba45768b4c0e",
      });
    });
    describe("when the file is missing or not a file", function () {
      it("refuses with InvalidArgumentError", async function () {
        expect((await runFailing("action:cid")).message).to.equal("invalid --file: missing");
        expect((await runFailing("action:cid", { file: "/nonexistent" })).message).to.equal(
          "invalid --file: no such file: /nonexistent",
        );
        expect((await runFailing("action:cid", { file: tmpdir() })).message).to.equal(
          `invalid --file: not a file: ${tmpdir()}`,
        );
      });
    });
  });

  describe("--deployment", function () {
    it("uses the addresses in the file", async function () {
      const { pkp, addresses } = await loadFixture(minted);
      const file = path.join(mkdtempSync(path.join(tmpdir(), "pkp-deployment-")), "deployment.json");
      writeFileSync(file, JSON.stringify({ chainId: 31337, ...addresses }));
      const info = await runJson<Json>("pkp:info", { tokenId: pkp.tokenId, deployment: file });
      expect(info.tokenId).to.equal(pkp.tokenId);
    });
    describe("when the file is for another chain, malformed, or has no code at its addresses", function () {
      it("refuses with DeploymentError", async function () {
        const { pkp, addresses } = await loadFixture(minted);
        const dir = mkdtempSync(path.join(tmpdir(), "pkp-deployment-"));
        const other = path.join(dir, "other.json");
        writeFileSync(other, JSON.stringify({ chainId: 1, ...addresses }));
        const wrongChain = await runFailing("pkp:info", { tokenId: pkp.tokenId, deployment: other });
        expect(wrongChain).to.be.instanceOf(DeploymentError);
        expect(wrongChain.message).to.equal(`${other} is for chain 1: connected to chain 31337`);
        const malformed = path.join(dir, "malformed.json");
        writeFileSync(malformed, JSON.stringify({ staking: addresses.staking }));
        expect(
          (await runFailing("pkp:info", { tokenId: pkp.tokenId, deployment: malformed })).message,
        ).to.match(/^malformed .*malformed.json: pubkeyRouter: Required/);
        const empty = path.join(dir, "empty.json");
        const nowhere = getAddress(`0x${"42".repeat(20)}`);
        writeFileSync(empty, JSON.stringify({ ...addresses, pkpHelper: nowhere }));
        expect((await runFailing("pkp:info", { tokenId: pkp.tokenId, deployment: empty })).message).to.equal(
          `no contract at pkpHelper address ${nowhere}: the deployment file does not match the connected chain`,
        );
      });
    });
  });

  describe("demo", function () {
    it("deploys, routes keys, mints with the helper, grants an action and reports the PKP", async function () {
      const result = await runJson<{ minted: Json; info: { owner: string; permittedActions: Json[] } }>(
        "demo:contracts",
        { keys: "2", noCompile: true },
      );
      expect(result.info.permittedActions).to.have.length(2);
      expect(result.info.owner).to.equal((await hre.ethers.getSigners())[0]?.address);
    });
  });
});
