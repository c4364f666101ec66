import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import { HardhatPluginError } from "hardhat/plugins";
import { Wallet } from "ethers";

import { cidOf } from "../../src/protocol/cid";
import { connectContracts, type PKPContracts } from "../../src/chain/deployment";
import { routeDevKeys } from "../../src/chain/devkeys";
import { InvalidArgumentError } from "../../src/chain/errors";
import { deployPkpSystem } from "../../src/chain/hardhat";
import { mintGrantAndBurn } from "../../src/chain/pkp";
import { NetworkError } from "../../src/network/errors";
import { InvalidProofError, PROOF_CHECKS, type VerifyProofReturnType } from "../../src/sdk/proof";

const ACTION_FILE = path.join(__dirname, "..", "..", "examples", "prime", "action.js");

/** Runs a task, capturing what it prints. */
async function capture<T>(
  name: string,
  args: Record<string, unknown>,
): Promise<{ printed: string[]; result?: T; error?: Error }> {
  const printed: string[] = [];
  const original = console.log;
  console.log = (...items: unknown[]) => {
    printed.push(items.map(String).join(" "));
  };
  try {
    return { printed, result: (await hre.run(name, args)) as T };
  } catch (error) {
    return { printed, error: error as Error };
  } finally {
    console.log = original;
  }
}

/** The task's failure: a HardhatPluginError whose parent is the library's typed error. */
function parentOf(error: Error | undefined): Error {
  expect(error).to.be.instanceOf(HardhatPluginError);
  const parent = (error as HardhatPluginError & { parent?: Error }).parent;
  expect(parent).to.be.instanceOf(Error);
  return parent as Error;
}

describe("task pkp:verify-proof", function () {
  let contracts: PKPContracts;
  let key: Wallet;
  let tokenId: string;
  let pkpAddress: string;
  let cid: string;
  let signature: string;
  let dir: string;

  before(async () => {
    const addresses = await deployPkpSystem(hre);
    const [owner] = await hre.ethers.getSigners();
    contracts = await connectContracts(addresses, owner!);
    const [routed] = await routeDevKeys(contracts, { count: 1, revealPrivateKeys: true });
    key = new Wallet(routed!.privateKey!);
    cid = await cidOf(readFileSync(ACTION_FILE));
    const pkp = await mintGrantAndBurn(contracts, { cid });
    tokenId = pkp.tokenId;
    pkpAddress = pkp.ethAddress;
    signature = await key.signMessage("7919");
    dir = mkdtempSync(path.join(tmpdir(), "pkp-verify-proof-"));
  });

  describe("when the certificate is valid", () => {
    it("prints one JSON document with every check passed and returns it", async () => {
      const { printed, result, error } = await capture<VerifyProofReturnType>("pkp:verify-proof", {
        message: "7919",
        signature,
        tokenId,
        cid,
        codeFile: ACTION_FILE,
        json: true,
      });
      expect(error).to.equal(undefined);
      expect(printed).to.have.length(1);
      const document = JSON.parse(printed[0]!) as VerifyProofReturnType;
      expect(document).to.deep.equal(JSON.parse(JSON.stringify(result)));
      expect(document.valid).to.equal(true);
      expect(document.checks.map((c) => c.name)).to.deep.equal(Object.values(PROOF_CHECKS));
      expect(document.checks.every((c) => c.pass)).to.equal(true);
      expect(document).to.include({ tokenId, pkpAddress, actionCid: cid });
    });

    it("prints each check as a pass line and VALID, by the PKP's address", async () => {
      const { printed, error } = await capture("pkp:verify-proof", {
        message: "7919",
        signature,
        pkpAddress,
        json: false,
      });
      expect(error).to.equal(undefined);
      const text = printed.join("\n");
      for (const name of Object.values(PROOF_CHECKS).filter((n) => n !== PROOF_CHECKS.code)) {
        expect(text).to.match(new RegExp(`✓ pass\\S*\\s+${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
      }
      expect(text).to.contain("VALID: every check passed");
      expect(text).to.not.contain("FAIL");
    });
  });

  describe("when the certificate is not valid", () => {
    it("prints the JSON, then fails with InvalidProofError naming the failed check", async () => {
      const { printed, error } = await capture("pkp:verify-proof", {
        message: "7917",
        signature,
        tokenId,
        json: true,
      });
      expect(printed).to.have.length(1);
      const document = JSON.parse(printed[0]!) as VerifyProofReturnType;
      expect(document.valid).to.equal(false);
      const parent = parentOf(error);
      expect(parent).to.be.instanceOf(InvalidProofError);
      expect((parent as InvalidProofError).result.valid).to.equal(false);
      expect(parent.message).to.match(
        /\n {2}- signature by the PKP: recovers to 0x[0-9a-fA-F]{40}, not to the PKP's address/,
      );
      expect((error as Error).message).to.match(/^the proof is invalid: 1 of 6 checks failed \(see above\)$/);
    });

    it("prints a FAIL line for a code file that is not the action", async () => {
      const other = path.join(dir, "other.js");
      writeFileSync(other, "Lit.Actions.setResponse({ response: 'not prime' });");
      const { printed, error } = await capture("pkp:verify-proof", {
        message: "7919",
        signature,
        tokenId,
        codeFile: other,
        json: false,
      });
      const text = printed.join("\n");
      expect(text).to.match(/✗ FAIL\S*\s+code hashes to the CID/);
      expect(text).to.contain("INVALID");
      expect(parentOf(error)).to.be.instanceOf(InvalidProofError);
    });
  });

  describe("when the arguments are wrong", () => {
    async function expectArgumentError(args: Record<string, unknown>, message: string): Promise<void> {
      const { error } = await capture("pkp:verify-proof", { json: true, ...args });
      const parent = parentOf(error);
      expect(parent.message).to.contain(message);
    }

    it("refuses a missing --message or --signature", async () => {
      await expectArgumentError({ signature, tokenId }, "invalid --message: missing");
      await expectArgumentError({ message: "7919", tokenId }, "invalid --signature: missing");
    });

    it("refuses neither or both of --token-id and --pkp-address", async () => {
      await expectArgumentError(
        { message: "7919", signature },
        "give exactly one of --token-id and --pkp-address",
      );
      await expectArgumentError(
        { message: "7919", signature, tokenId, pkpAddress },
        "give exactly one of --token-id and --pkp-address",
      );
    });

    it("refuses a code file that does not exist, a bad CID, token id or block", async () => {
      const base = { message: "7919", signature, tokenId };
      const missing = path.join(dir, "missing.js");
      await expectArgumentError({ ...base, codeFile: missing }, `no such file: ${missing}`);
      await expectArgumentError({ ...base, cid: "QmNope" }, "invalid cid");
      await expectArgumentError({ ...base, tokenId: "seven" }, "invalid tokenId");
      await expectArgumentError({ ...base, fromBlock: "-1" }, "--from-block");
    });

    it("refuses --data-dir without a network.json, and --data-dir with --deployment", async () => {
      const { error } = await capture("pkp:verify-proof", {
        message: "7919",
        signature,
        tokenId,
        dataDir: dir,
        json: true,
      });
      const parent = parentOf(error);
      expect(parent).to.be.instanceOf(NetworkError);
      expect(parent.message).to.contain(`no network.json in ${dir}`);
      const both = await capture("pkp:verify-proof", {
        message: "7919",
        signature,
        tokenId,
        dataDir: dir,
        deployment: path.join(dir, "deployment.json"),
        json: true,
      });
      expect(parentOf(both.error)).to.be.instanceOf(InvalidArgumentError);
    });
  });
});
