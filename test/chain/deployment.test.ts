import { expect } from "chai";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import {
  findDeployment,
  ignitionAddressesFile,
  parseDeployment,
  readDeploymentFile,
} from "../../src/chain/deployment";
import { DeploymentError } from "../../src/chain/errors";

const A = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const plain = {
  staking: A(1),
  pubkeyRouter: A(2),
  pkpNft: A(3),
  pkpPermissions: A(4),
  pkpHelper: A(5),
  pkpNftMetadata: A(6),
};
const ignition = {
  "PKPSystem#Staking": A(1),
  "PKPSystem#PubkeyRouter": A(2),
  "PKPSystem#PKPNFT": A(3),
  "PKPSystem#PKPPermissions": A(4),
  "PKPSystem#PKPHelper": A(5),
  "PKPSystem#PKPNFTMetadata": A(6),
  "Other#Thing": A(7),
};

describe("parseDeployment", function () {
  describe("with our own format", function () {
    it("returns the six checksummed addresses", function () {
      expect(parseDeployment({ ...plain, chainId: 31337 }, "x", 31337n)).to.deep.equal(plain);
    });
  });
  describe("with Ignition's deployed_addresses.json format", function () {
    it("picks the PKPSystem futures", function () {
      expect(parseDeployment(ignition, "x")).to.deep.equal(plain);
    });
  });
  describe("when the JSON is malformed", function () {
    it("throws DeploymentError naming a missing contract", function () {
      const { pkpHelper: _omitted, ...rest } = plain;
      expect(() => parseDeployment(rest, "deploy.json")).to.throw(
        DeploymentError,
        /malformed deploy.json: pkpHelper/,
      );
    });
    it("throws DeploymentError naming a bad address", function () {
      expect(() => parseDeployment({ ...plain, staking: "0x12" }, "deploy.json")).to.throw(
        DeploymentError,
        /staking: not an Ethereum address/,
      );
    });
    it("throws DeploymentError for an Ignition file without PKPSystem#Staking", function () {
      const { "PKPSystem#Staking": _omitted, ...rest } = ignition;
      expect(() => parseDeployment(rest, "x")).to.throw(DeploymentError, /staking/);
    });
    it("throws DeploymentError for an array", function () {
      expect(() => parseDeployment([], "x")).to.throw(DeploymentError, /malformed x/);
    });
  });
  describe("when the file names another chain", function () {
    it("throws DeploymentError", function () {
      expect(() => parseDeployment({ ...plain, chainId: 1 }, "x", 31337n)).to.throw(
        DeploymentError,
        /x is for chain 1: connected to chain 31337/,
      );
    });
  });
});

describe("findDeployment", function () {
  const dir = mkdtempSync(path.join(tmpdir(), "pkp-deployment-"));
  const ignitionDir = path.join(dir, "ignition");

  describe("when Ignition recorded a deployment for the chain", function () {
    it("reads deployments/chain-<id>/deployed_addresses.json", function () {
      const file = ignitionAddressesFile(ignitionDir, 84532n);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(ignition));
      expect(findDeployment({ chainId: 84532n, ignitionDir, env: {} })).to.deep.equal(plain);
    });
  });
  describe("when an explicit file is given (argument or PKP_DEPLOYMENT)", function () {
    it("prefers it", function () {
      const file = path.join(dir, "explicit.json");
      writeFileSync(file, JSON.stringify({ ...plain, staking: A(9) }));
      expect(findDeployment({ chainId: 84532n, ignitionDir, file, env: {} }).staking).to.equal(A(9));
      expect(
        findDeployment({ chainId: 84532n, ignitionDir, env: { PKP_DEPLOYMENT: file } }).staking,
      ).to.equal(A(9));
    });
  });
  describe("when nothing is known for the chain", function () {
    it("throws DeploymentError telling how to deploy", function () {
      expect(() => findDeployment({ chainId: 5n, ignitionDir, env: {} })).to.throw(
        DeploymentError,
        /no PKP deployment known for chain 5: run the deploy task/,
      );
    });
  });
  describe("when the file is missing or not JSON", function () {
    it("throws DeploymentError", function () {
      expect(() => readDeploymentFile(path.join(dir, "none.json"))).to.throw(DeploymentError, /not found/);
      const bad = path.join(dir, "bad.json");
      writeFileSync(bad, "{");
      expect(() => readDeploymentFile(bad)).to.throw(DeploymentError, /not JSON/);
    });
  });
});
