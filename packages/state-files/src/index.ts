export { writeJsonAtomic, readJsonFile } from "./atomic-json.js";
export { JsonStateFile } from "./json-state-file.js";
export { JsonLinesFile } from "./json-lines-file.js";
