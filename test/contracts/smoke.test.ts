import { expect } from "chai";
import {
  deployPKPSystemFixture,
  fakeCid,
  KEY_TYPE_ECDSA,
  loadFixture,
  mintPkp,
  routeKeyAsAdmin,
} from "./fixtures";

describe("PKPSystem (smoke)", () => {
  it("deploys, routes a key, mints it and grants an action", async () => {
    const system = await loadFixture(deployPKPSystemFixture);
    const key = await mintPkp(system, system.alice);
    expect(await system.pkpNft.ownerOf(key.tokenId)).to.equal(system.alice.address);
    await routeKeyAsAdmin(system);
    await expect(
      system.pkpNft.connect(system.bob).mintGrantAndBurnNext(KEY_TYPE_ECDSA, fakeCid("x"), { value: 1n }),
    ).to.emit(system.pkpNft, "PKPMinted");
  });
});
