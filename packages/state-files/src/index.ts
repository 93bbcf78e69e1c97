export {
  writeJsonAtomic,
  readJsonFile,
  removeStaleTempFiles,
  syncDirectory,
  StateFileError,
  type JsonWriteOptions
} from "./atomic-json.js";
export { JsonStateFile, type JsonStateFileOptions } from "./json-state-file.js";
export { JsonLinesFile } from "./json-lines-file.js";
