export * from "./resources";
export * from "./recap";
export * from "./sessionKey";
export * from "./walletAuthSig";
export * from "./sessionSigs";
export * from "./pkpSessionSigs";
export * from "./authMethods";
