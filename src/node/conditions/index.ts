export * from "./chains";
export * from "./compare";
export * from "./evaluate";
export * from "./litParams";
export * from "./identity";
