export * from "./store";
export { deriveStorageKey } from "./sealing";
