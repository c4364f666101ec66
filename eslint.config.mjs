import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

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
    // src/protocol is the language SDK and nodes share: pure, and never above them (docs/architecture.md).
    files: ["src/protocol/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["../node", "../node/*", "../sdk", "../sdk/*", "../network", "../network/*"],
              message: "src/protocol never imports the node, the SDK or the launcher.",
            },
            {
              group: ["../chain/*", "!../chain/errors"],
              message: "src/protocol imports nothing of src/chain but its error classes.",
            },
            {
              group: ["node:fs", "node:net", "node:http", "node:https", "fs", "net", "http", "https"],
              message: "src/protocol does no I/O.",
            },
          ],
        },
      ],
    },
  },
);
