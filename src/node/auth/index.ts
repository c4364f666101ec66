export * from "./authenticate";
export * from "./nodeContext";
export * from "./pkpSession";
export * from "./webauthn";
export { decodeRecap, extractRecap, grants, normaliseResourceKey, RecapError } from "../../recap";
