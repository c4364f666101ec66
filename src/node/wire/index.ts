export * from "./limits";
export * from "./schemas";
export * from "./responses";
export * from "./parse";
export * from "./http";
