/**
 * The wire protocol the client (src/sdk) and the nodes (src/node) share: constants, contract ABIs,
 * derivations, ReCap, CIDs and the schemas of every message. Pure: no I/O, nothing of node or sdk.
 */
export * from "./constants";
export * from "./abi";
export * from "./session";
export * from "./recap";
export * from "./cid";
export * from "./addresses";
export * from "./wire";
