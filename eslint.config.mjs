import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

// --- layering (docs/architecture.md): which folder may import which ------------------------------------
//
// Imports between our folders are relative, so a forbidden target is written as a regex over the import
// string, for a file at a given depth below the repository root: from src/crypto/ecdsa/sign.ts (depth 3)
// "../../node/x" reaches src/node, "../polynomial" stays in src/crypto. One flat-config block per
// (folder, depth) carries every restriction for its files, because a later block's options for the same
// rule replace an earlier block's instead of adding to them.

/** I/O modules that pure code (src/crypto) must not import. */
const IO_MODULES = [
  "fs",
  "fs/promises",
  "net",
  "http",
  "https",
  "http2",
  "dgram",
  "dns",
  "tls",
  "child_process",
  "cluster",
  "worker_threads",
  "readline",
];
const io = {
  regex: `^(node:)?(${IO_MODULES.map((m) => m.replace("/", "\\/")).join("|")})$`,
  message: "src/crypto is pure: no I/O (files, sockets, processes); the caller does I/O and passes bytes in.",
};

/** `../` repeated `n` times, as a regex. */
const up = (n) => (n === 0 ? "\\.\\/" : `(\\.\\.\\/){${n}}`);

/**
 * A restriction on importing `target` (a path from the root, e.g. "src/node") from a file `depth` folders
 * deep under the top-level folder `root` ("src", "test", …): from src/sdk/session/x.ts (root "src", depth 3)
 * src/node is "../../node", tasks/ is "../../../tasks".
 */
function reach(target, root, depth, message) {
  const [first, ...rest] = target.split("/");
  const path = first === root ? rest : [first, ...rest];
  const ups = first === root ? depth - 1 : depth;
  return { regex: `^${up(ups)}${path.join("\\/")}(\\/|$)`, message };
}

/** The restrictions every file `depth` folders deep has: nothing imports tasks/, src/ never imports test/. */
function common(root, depth) {
  const rules = [
    reach("tasks", root, depth, "Nothing imports tasks/: tasks are thin verbs over src/, not a library."),
  ];
  if (root === "src") rules.push(reach("test", root, depth, "src/ never imports test/."));
  return rules;
}

/** Which of our folders each part of src/ must not reach (besides tasks/ and test/). */
const LAYERS = [
  {
    folder: "src/crypto",
    // Anything of ours outside src/crypto: every "../" that climbs out of the folder is refused below.
    outside: true,
    io: true,
  },
  {
    folder: "src/sdk",
    forbidden: {
      "src/node":
        "The SDK is the client: it never imports the node (both stand on src/protocol and src/crypto).",
      "src/network": "The SDK never imports the launcher (src/network).",
    },
  },
  {
    folder: "src/protocol",
    forbidden: {
      "src/node": "src/protocol is what client and node share: it imports neither of them (no src/node).",
      "src/network": "src/protocol never imports the launcher (src/network).",
      "src/sdk": "src/protocol is what client and node share: it imports neither of them (no src/sdk).",
      "src/chain": "src/protocol never imports src/chain (contract actions for tasks) but its errors.",
    },
    // protocol/cid.ts throws src/chain's InvalidCidError (a ChainError, which tasks print as theirs);
    // chain/errors.ts imports nothing but src/errors.ts.
    allow: { "src/chain": "errors" },
  },
];

const MAX_DEPTH = 6;
const layering = [];

// Files outside the layered folders: only the common restrictions.
for (const root of ["src", "test", "bench", "scripts"]) {
  for (let depth = 1; depth <= MAX_DEPTH; depth++) {
    layering.push({
      name: `layering/${root}/depth-${depth}`,
      files: [`${root}/${"*/".repeat(depth - 1)}*.ts`],
      rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns: common(root, depth) }] },
    });
  }
}

// The layered folders, after the blocks above so that their options win.
for (const layer of LAYERS) {
  const base = layer.folder.split("/").length; // src/crypto: 2
  for (let depth = base; depth <= MAX_DEPTH; depth++) {
    const patterns = common("src", depth);
    if (layer.outside) {
      // Climbing `depth - base + 1` folders leaves layer.folder; from src/crypto/x.ts that is "../".
      patterns.push({
        regex: `^${up(depth - base + 1)}`,
        message: `${layer.folder} imports nothing of ours outside ${layer.folder} (it is pure and standalone).`,
      });
    }
    if (layer.io) patterns.push(io);
    for (const [target, message] of Object.entries(layer.forbidden ?? {})) {
      const rule = reach(target, "src", depth, message);
      const allowed = layer.allow?.[target];
      if (allowed !== undefined) rule.regex = rule.regex.replace("(\\/|$)", `(\\/(?!${allowed}$)|$)`);
      patterns.push(rule);
    }
    layering.push({
      name: `layering/${layer.folder}/depth-${depth}`,
      files: [`${layer.folder}/${"*/".repeat(depth - base)}*.ts`],
      rules: { "@typescript-eslint/no-restricted-imports": ["error", { patterns }] },
    });
  }
}

export default tseslint.config(
  {
    ignores: [
      "node_modules",
      "artifacts",
      "cache",
      "typechain-types",
      "coverage",
      "dist",
      ".data",
      "ignition/deployments",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.mocha } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-unused-expressions": "off",
    },
  },
  {
    // Type-aware rules, on TypeScript only: a promise nobody awaits loses its rejection.
    name: "type-aware",
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["examples/*/*.ts"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
    },
  },
  ...layering,
);
