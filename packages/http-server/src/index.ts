export { installJsonBodyParser } from "./json-body-parser.js";
export { installShutdownGate, shuttingDownError } from "./shutdown-gate.js";
export { WsCloseCodes, MAX_CLOSE_REASON_BYTES, closeReason, closeStreamsGoingAway } from "./ws-close.js";
