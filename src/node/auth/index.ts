export * from "./authenticate";
export * from "./nodeContext";
export {
  PKP_AUTH_RESOURCE_PREFIX,
  parsePkpAuthResources,
  pkpAuthResource,
  pkpSessionDigest,
  type PkpSessionBinding,
  type SessionAuthMethod,
} from "../../protocol";
export * from "./webauthn";
export { decodeRecap, extractRecap, grants, normaliseResourceKey, RecapError } from "../../protocol/recap";
