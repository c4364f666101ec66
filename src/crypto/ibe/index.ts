export * from "./timelock";
