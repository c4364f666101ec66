import { task } from "hardhat/config";

import { cidOf, cidToBytes } from "../src/protocol/cid";
import { action, common, emit, label, readUserFile, required } from "./util";

common(task("action:cid", "IPFS CIDv0 of a Lit Action's code, exactly as `ipfs add` computes it"), false)
  .addOptionalParam("file", "The action's code file")
  .setAction(
    action(async (args: { json: boolean; file?: string }) => {
      const file = required("--file", args.file);
      const bytes = readUserFile("--file", file);
      const cid = await cidOf(bytes);
      return emit(args.json, { file, size: bytes.length, cid, multihash: cidToBytes(cid) }, (r) => [
        `${label("cid")}${r.cid}`,
        `${label("multihash")}${r.multihash}`,
        `${label("size")}${r.size} bytes`,
      ]);
    }),
  );
