import { expect } from "chai";
import hre from "hardhat";
import { HardhatPluginError } from "hardhat/plugins";

import { NetworkError } from "../../src/network/errors";

describe("task demo (the prime-number certificate)", function () {
  it("is the main demo; the contracts-only one is demo:contracts", () => {
    const demo = hre.tasks["demo"];
    expect(demo?.description).to.match(/^The prime-number certificate/);
    expect(Object.keys(demo!.paramDefinitions).sort()).to.deep.equal([
      "dataDir",
      "json",
      "noCompile",
      "nodes",
    ]);
    expect(hre.tasks["demo:contracts"]?.description).to.match(/^On the embedded chain/);
  });

  it("refuses fewer than 4 nodes before starting anything", async () => {
    let error: unknown;
    try {
      await hre.run("demo", { nodes: 3, noCompile: true, json: true });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(HardhatPluginError);
    const parent = (error as HardhatPluginError & { parent?: Error }).parent;
    expect(parent).to.be.instanceOf(NetworkError);
    expect(parent!.message).to.equal("nodes must be an integer in 4..64, got 3");
  });
});
