import { task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import pc from "picocolors";

import { cidOf } from "../src/protocol/cid";
import { routeDevKeys } from "../src/chain/devkeys";
import { deployPkpSystem, resolveDeployment, signerOf } from "../src/chain/hardhat";
import { connectContracts } from "../src/chain/deployment";
import {
  getPkpInfo,
  grantAction,
  mintWithPermissions,
  SCOPE_PERSONAL_SIGN,
  SCOPE_SIGN_ANYTHING,
} from "../src/chain/pkp";
import { parseCount } from "../src/chain/parse";
import { infoLines } from "./pkp-info";
import { mintedLines } from "./pkp-mint";
import { networkAction } from "./pkp-sign";
import { PLUGIN, action, bad, common, compileUnless, emit, good, label, title, toJson } from "./util";

/** The Lit Action the demo PKP is minted with: signs a message the caller passes in. */
export const DEMO_ACTION = `const go = async () => {
  const sigShare = await Lit.Actions.signEcdsa({ toSign, publicKey, sigName: "demo" });
};
go();
`;

/** The action granted afterwards: personal-sign only. */
export const DEMO_SECOND_ACTION = `const go = async () => {
  await Lit.Actions.ethPersonalSignMessageEcdsa({ message: "hello from a PKP", publicKey, sigName: "hello" });
};
go();
`;

common(
  task(
    "demo:contracts",
    "On the embedded chain: deploy, route development keys, mint a PKP with PKPHelper, grant an action, print pkp:info",
  ),
  false,
)
  .addOptionalParam("keys", "How many development keys to route", "3")
  .addFlag("noCompile", "Do not compile the contracts first")
  .setAction(
    action(async (args: { json: boolean; keys: string; noCompile: boolean }, hre) => {
      const say = (line: string) => {
        if (!args.json) console.log(line);
      };
      const count = parseCount("--keys", args.keys, 20);
      await compileUnless(args.noCompile, hre);

      say(title(`1. Deploy the PKP contracts with Ignition (network ${hre.network.name})`));
      const addresses =
        hre.network.name === "hardhat" ? await deployPkpSystem(hre) : await resolveDeployment(hre);
      for (const [name, address] of Object.entries(addresses)) say(`${label(name)}${address}`);

      const signer = await signerOf(hre);
      const contracts = await connectContracts(addresses, signer);

      say(
        title(
          `\n2. Route ${count} development key(s) (setRoutingDataAsAdmin; the nodes will do this by DKG)`,
        ),
      );
      const keys = await routeDevKeys(contracts, { count });
      for (const key of keys) say(`${label("routed")}${key.tokenId}`);

      const cid = await cidOf(DEMO_ACTION);
      const secondCid = await cidOf(DEMO_SECOND_ACTION);
      say(
        title(
          "\n3. Mint a PKP with PKPHelper, permitting a Lit Action (SignAnything) in the same transaction",
        ),
      );
      say(`${label("action")}${cid}`);
      const minted = await mintWithPermissions(contracts, {
        actions: [{ cid, scopes: [SCOPE_SIGN_ANYTHING] }],
      });
      mintedLines("Minted", minted).slice(1).forEach(say);

      say(title("\n4. Grant a second action (PersonalSign) with PKPPermissions.addPermittedAction"));
      const granted = await grantAction(contracts, {
        tokenId: BigInt(minted.tokenId),
        cid: secondCid,
        scopes: [SCOPE_PERSONAL_SIGN],
      });
      say(`${label("action")}${granted.cid}`);
      say(`${label("tx")}${granted.txHash} (gas ${granted.gasUsed})`);

      say(title("\n5. pkp:info"));
      const info = await getPkpInfo(contracts, BigInt(minted.tokenId));
      const result = { addresses, routedKeys: keys.map((k) => k.tokenId), minted, granted, info };
      if (args.json) return emit(true, result, () => []);
      infoLines(info).forEach(say);
      say(pc.green("\nDone."));
      return result;
    }),
  );

task(
  "demo",
  "The prime-number certificate: start N nodes, publish examples/prime/action.js, mintGrantAndBurnNext a PKP for it, run it for a prime and a non-prime, verify the certificate, stop",
)
  .addOptionalParam("nodes", "Number of nodes (at least 4)", 4, types.int)
  .addOptionalParam("dataDir", "Directory for the demo network (default: a fresh temporary one)")
  .addFlag(
    "json",
    "Print one JSON document: nodes, threshold, tokenId, pubkey, pkpAddress, actionCid, runs, proof",
  )
  .addFlag("noCompile", "Do not compile the contracts first")
  .setAction(
    networkAction(
      async (args: { nodes: number; dataDir?: string; json: boolean; noCompile: boolean }, hre) => {
        await compileUnless(args.noCompile, hre);
        const { runPrimeDemo } = await import("../src/network/primeDemo");
        const started = Date.now();
        const result = await runPrimeDemo({
          nodes: args.nodes,
          dataDir: args.dataDir,
          print: args.json ? () => undefined : (line) => console.log(line),
        });
        // The certificate must verify, every prime must be signed and nothing else.
        const wrong = result.runs.filter((run) => (run.prime === true) !== (run.signature !== null));
        if (args.json) console.log(toJson(result));
        else {
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          console.log(
            result.proof?.valid === true && wrong.length === 0 ? good(`done in ${seconds} s`) : bad("failed"),
          );
        }
        if (result.proof === null || !result.proof.valid || wrong.length > 0) {
          throw new HardhatPluginError(
            PLUGIN,
            result.proof === null
              ? "no number was signed: no certificate"
              : !result.proof.valid
                ? "the certificate did not verify"
                : `signed and prime disagree for ${wrong.map((run) => run.number).join(", ")}`,
          );
        }
        return result;
      },
    ),
  );
