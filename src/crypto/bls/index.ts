export * from "./bls";
export * from "./shares";
