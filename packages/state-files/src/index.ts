export { writeJsonAtomic, readJsonFile, removeStaleTempFiles, syncDirectory } from "./atomic-json.js";
export { JsonStateFile } from "./json-state-file.js";
export { JsonLinesFile } from "./json-lines-file.js";
