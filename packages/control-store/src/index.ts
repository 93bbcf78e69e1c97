export * from "./records.js";
export * from "./control-store.js";
