export type { AppServerClient, ClientRequestMethod, ClientRequestParams } from "./app-server-client.js";
export { ChildExitWatcher, type ChildExit } from "./child-exit.js";
export type { ChildLike, ChildReadableLike, ChildWritableLike } from "./child-like.js";
export {
  AppServerClosedError,
  AppServerExitedError,
  AppServerProtocolError,
  AppServerTimeoutError,
  JsonRpcError,
  JsonRpcErrorCode
} from "./errors.js";
export {
  EventStream,
  toAppServerEvent,
  type AppServerEvent,
  type EventSubscription
} from "./event-stream.js";
export {
  JsonRpcConnection,
  type JsonRpcConnectionOptions,
  type RequestOptions
} from "./json-rpc-connection.js";
export {
  DEFAULT_MAX_LINE_LENGTH,
  LineSplitter,
  LineTooLongError,
  type LineSplitterOptions
} from "./line-splitter.js";
export {
  DEFAULT_OVERLOAD_RETRY,
  overloadRetryDelayMs,
  type OverloadRetryOptions
} from "./overload-retry.js";
export {
  defaultServerRequestHandler,
  type IncomingServerRequest,
  type ServerRequestHandler
} from "./server-request-handler.js";
export {
  DEFAULT_CLIENT_INFO,
  StdioAppServerClient,
  createStdioAppServerClient,
  type StdioAppServerClientOptions
} from "./stdio-app-server-client.js";
