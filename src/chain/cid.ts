/**
 * Moved to src/protocol/cid.ts. This re-export stays only for src/node/execute/capabilities.ts until
 * it imports from src/protocol; then delete this file.
 */
export { bytesToCid, cidToBytes } from "../protocol/cid";
