export { FaultInjectingFs, errnoError } from "./fault-injecting-fs.js";
