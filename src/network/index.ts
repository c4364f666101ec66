export * from "./errors";
export * from "./networkFile";
export * from "./process";
export * from "./progress";
export * from "./start";
export { deployPkpSystem, FileArtifactResolver } from "./deploy";
export { startChain, type EmbeddedChain } from "./chain";
export * from "./open";
export * from "./demo";
