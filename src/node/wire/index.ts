/** The node's side of the wire: the protocol's routes, limits and schemas, and the node-only parsing. */
export * from "../../protocol/wire";
export type { NodeErrorBody } from "../errors";
export * from "./parse";
export * from "./http";
