export * from "./errors";
export * from "./signErrors";
export * from "./connect";
export * from "./pkpSign";
export * from "./pkpSigner";
export { newRequestId } from "./http";
export * from "./session";
export * from "./provider";
export * from "./executeJs";
