/**
 * The JavaScript that node processes run. Every node process used to start under ts-node, which
 * loads the TypeScript compiler and transpiles each module again in every process (about 5 s of CPU
 * per node, 50 s for a 10-node network on 2 cores). Instead the launcher transpiles `src/` (and
 * `typechain-types/`, which `src/chain` imports) once into `dist/runtime/`, the same tree shape, and
 * starts the nodes on plain JavaScript. A file is transpiled again only when its source is newer
 * than its output, so a second launch costs a directory walk.
 *
 * Transpile-only, like ts-node's `transpile-only` mode: type errors are the typecheck's job
 * (`npm run typecheck`). Outputs carry inline source maps (nodes run with `--enable-source-maps`,
 * so stack traces name the TypeScript lines). Each output is written to a temporary file and
 * renamed, so two launchers building at once never leave a torn file. The output of a source that no
 * longer exists is removed: a module moved from `x.ts` to `x/index.ts` must not be shadowed by the
 * old `x.js` (Node resolves `./x` to the file before the folder).
 */
import {
  existsSync,
  mkdirSync,
  rmSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";

/** The repository root (this file lives in src/). */
const ROOT = path.resolve(__dirname, "..");
/** Source trees that node processes load, relative to the root. */
const TREES = ["src", "typechain-types"];
export const RUNTIME_DIR = path.join(ROOT, "dist", "runtime");

export interface RuntimeBuildOptions {
  /** Root of the sources (default: the repository). */
  root?: string;
  /** Trees under `root` to transpile (default: src and typechain-types). */
  trees?: readonly string[];
  /** Output directory (default: dist/runtime under the repository). */
  outDir?: string;
}

/** Files under `dir` whose name ends with `ending` (and not with `except`). */
function filesUnder(dir: string, ending: string, except?: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) filesUnder(full, ending, except, out);
    else if (entry.name.endsWith(ending) && (except === undefined || !entry.name.endsWith(except)))
      out.push(full);
  }
  return out;
}

export interface RuntimeBuild {
  /** `dist/runtime`: `<dir>/src/node/main.js` is the node's entry point. */
  dir: string;
  /** Files transpiled by this call (0 when everything was up to date). */
  transpiled: number;
  /** Outputs removed because their source is gone. */
  removed: number;
  ms: number;
}

/** Brings `dist/runtime/` up to date with the TypeScript sources and returns where it is. */
export function ensureRuntimeBuild(options: RuntimeBuildOptions = {}): RuntimeBuild {
  const { root = ROOT, trees = TREES, outDir = RUNTIME_DIR } = options;
  const t0 = performance.now();
  const stale: { src: string; out: string }[] = [];
  const outputs = new Set<string>();
  let removed = 0;
  for (const tree of trees) {
    const base = path.join(root, tree);
    if (!existsSync(base)) continue;
    for (const src of filesUnder(base, ".ts", ".d.ts")) {
      const out = path.join(outDir, path.relative(root, src)).replace(/\.ts$/, ".js");
      outputs.add(out);
      let fresh = false;
      try {
        fresh = statSync(out).mtimeMs >= statSync(src).mtimeMs;
      } catch {
        fresh = false;
      }
      if (!fresh) stale.push({ src, out });
    }
    const built = path.join(outDir, tree);
    if (!existsSync(built)) continue;
    for (const out of filesUnder(built, ".js")) {
      if (outputs.has(out)) continue;
      rmSync(out, { force: true });
      removed++;
    }
  }
  if (stale.length > 0) {
    // Loaded only when something has to be transpiled (a devDependency, like ts-node before it).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts = require("typescript") as typeof import("typescript");
    const compilerOptions: import("typescript").CompilerOptions = {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      resolveJsonModule: true,
      inlineSourceMap: true,
      inlineSources: false,
    };
    for (const { src, out } of stale) {
      const result = ts.transpileModule(readFileSync(src, "utf8"), { compilerOptions, fileName: src });
      mkdirSync(path.dirname(out), { recursive: true });
      const tmp = `${out}.${process.pid}.tmp`;
      writeFileSync(tmp, result.outputText);
      renameSync(tmp, out);
    }
  }
  return { dir: outDir, transpiled: stale.length, removed, ms: performance.now() - t0 };
}
