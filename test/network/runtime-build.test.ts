/**
 * The JavaScript that node processes run (src/runtimeBuild.ts): transpiled once, again only for a
 * source newer than its output, and runnable by plain node.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureRuntimeBuild } from "../../src/runtimeBuild";

describe("runtime build (dist/runtime)", () => {
  function tree(): { root: string; outDir: string } {
    const root = mkdtempSync(path.join(os.tmpdir(), "pkp-rtbuild-"));
    mkdirSync(path.join(root, "src", "lib"), { recursive: true });
    writeFileSync(path.join(root, "src", "lib", "value.ts"), "export const value: number = 41 + 1;\n");
    writeFileSync(
      path.join(root, "src", "main.ts"),
      'import { value } from "./lib/value";\nexport type Unused = { a: string };\nconsole.log(JSON.stringify({ value }));\n',
    );
    writeFileSync(path.join(root, "src", "types.d.ts"), "declare const x: number;\n");
    return { root, outDir: path.join(root, "out") };
  }

  it("transpiles every .ts source (not .d.ts) into the same tree shape, runnable by plain node", () => {
    const { root, outDir } = tree();
    const first = ensureRuntimeBuild({ root, trees: ["src", "absent"], outDir });
    expect(first.transpiled).to.equal(2);
    expect(first.dir).to.equal(outDir);
    const out = execFileSync(process.execPath, [path.join(outDir, "src", "main.js")], { encoding: "utf8" });
    expect(JSON.parse(out)).to.deep.equal({ value: 42 });
    expect(readFileSync(path.join(outDir, "src", "main.js"), "utf8")).to.match(/sourceMappingURL=data:/);
  });

  it("transpiles nothing the second time, and only a source newer than its output after that", () => {
    const { root, outDir } = tree();
    ensureRuntimeBuild({ root, trees: ["src"], outDir });
    expect(ensureRuntimeBuild({ root, trees: ["src"], outDir }).transpiled).to.equal(0);
    const file = path.join(root, "src", "lib", "value.ts");
    writeFileSync(file, "export const value: number = 7;\n");
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    expect(ensureRuntimeBuild({ root, trees: ["src"], outDir }).transpiled).to.equal(1);
    const out = execFileSync(process.execPath, [path.join(outDir, "src", "main.js")], { encoding: "utf8" });
    expect(JSON.parse(out)).to.deep.equal({ value: 7 });
  });

  it("removes the output of a source that is gone, so a module moved into a folder is not shadowed", () => {
    const { root, outDir } = tree();
    ensureRuntimeBuild({ root, trees: ["src"], outDir });
    // lib/value.ts becomes lib/value/index.ts: the old lib/value.js would win over lib/value/index.js.
    rmSync(path.join(root, "src", "lib", "value.ts"));
    mkdirSync(path.join(root, "src", "lib", "value"));
    writeFileSync(path.join(root, "src", "lib", "value", "index.ts"), "export const value: number = 43;\n");
    const second = ensureRuntimeBuild({ root, trees: ["src"], outDir });
    expect(second.removed).to.equal(1);
    expect(second.transpiled).to.equal(1);
    expect(existsSync(path.join(outDir, "src", "lib", "value.js"))).to.equal(false);
    const out = execFileSync(process.execPath, [path.join(outDir, "src", "main.js")], { encoding: "utf8" });
    expect(JSON.parse(out)).to.deep.equal({ value: 43 });
    expect(ensureRuntimeBuild({ root, trees: ["src"], outDir }).removed).to.equal(0);
  });

  it("keeps the repository's build up to date for the node command", () => {
    ensureRuntimeBuild();
    const build = ensureRuntimeBuild();
    expect(build.transpiled).to.equal(0);
    expect(build.dir).to.match(/dist\/runtime$/);
    expect(readFileSync(path.join(build.dir, "src", "node", "main.js"), "utf8")).to.include("loadNodeConfig");
  });
});
