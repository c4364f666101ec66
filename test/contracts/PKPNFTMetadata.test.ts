import { expect } from "chai";
import { deployPKPSystemFixture, loadFixture, randomKey } from "./fixtures";

interface Metadata {
  name: string;
  description: string;
  image_data: string;
  attributes: { trait_type: string; value: string }[];
}

function decode(uri: string): Metadata {
  const prefix = "data:application/json;base64,";
  expect(uri.startsWith(prefix)).to.equal(true);
  return JSON.parse(Buffer.from(uri.slice(prefix.length), "base64").toString("utf8")) as Metadata;
}

describe("PKPNFTMetadata", () => {
  describe("tokenURI", () => {
    it("is a base64 JSON data URI with the name, a description, an SVG and the three attributes", async () => {
      const { pkpNftMetadata } = await loadFixture(deployPKPSystemFixture);
      const key = randomKey();
      const json = decode(await pkpNftMetadata.tokenURI(key.tokenId, key.pubkey, key.ethAddress));
      expect(json.name).to.equal(`Lit PKP #${key.tokenId.toString()}`);
      expect(json.description).to.be.a("string").and.not.equal("");
      expect(json.image_data.startsWith("<svg")).to.equal(true);
      expect(json.image_data.endsWith("</svg>")).to.equal(true);
      expect(json.image_data).to.include(key.ethAddress.toLowerCase());
      expect(json.attributes).to.deep.equal([
        { trait_type: "Public Key", value: key.pubkey.toLowerCase() },
        { trait_type: "ETH Wallet Address", value: key.ethAddress.toLowerCase() },
        { trait_type: "Token ID", value: key.tokenId.toString() },
      ]);
    });

    it("renders token id 0 and an empty key", async () => {
      const { pkpNftMetadata } = await loadFixture(deployPKPSystemFixture);
      const json = decode(
        await pkpNftMetadata.tokenURI(0n, "0x", "0x000000000000000000000000000000000000dEaD"),
      );
      expect(json.name).to.equal("Lit PKP #0");
      expect(json.attributes[0]).to.deep.equal({ trait_type: "Public Key", value: "0x" });
      expect(json.attributes[1].value).to.equal("0x000000000000000000000000000000000000dead");
    });
  });
});
