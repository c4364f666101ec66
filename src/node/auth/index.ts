export * from "./authenticate";
export * from "./recap";
