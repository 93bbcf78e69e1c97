import type {
  ApplyPatchApprovalResponse,
  ExecCommandApprovalResponse,
  RequestId,
  ServerRequest,
  v2
} from "@baa/codex-protocol";

import { JsonRpcError, JsonRpcErrorCode } from "./errors.js";

/** A request app-server sent to the client (approvals, user input, ...). */
export interface IncomingServerRequest {
  id: RequestId;
  method: string;
  params: unknown;
}

/**
 * Answers one server request. The resolved value is sent as `result`; a thrown
 * {@link JsonRpcError} is sent as `error`; anything else thrown becomes -32603.
 */
export type ServerRequestHandler = (request: IncomingServerRequest) => Promise<unknown>;

const COMMAND_APPROVAL = "item/commandExecution/requestApproval" satisfies ServerRequest["method"];
const FILE_CHANGE_APPROVAL = "item/fileChange/requestApproval" satisfies ServerRequest["method"];
const LEGACY_EXEC_APPROVAL = "execCommandApproval" satisfies ServerRequest["method"];
const LEGACY_PATCH_APPROVAL = "applyPatchApproval" satisfies ServerRequest["method"];

// ReviewDecision has no bare "denied": a denial must carry its reason.
const LEGACY_DENIAL: ExecCommandApprovalResponse & ApplyPatchApprovalResponse = {
  decision: { denied: { rejection: "declined: this client approves nothing by default" } }
};

/**
 * The handler used when none is given: declines every approval (v2 `decline`, legacy
 * `denied`) and answers any other server request with -32601, so none is left hanging.
 */
export const defaultServerRequestHandler: ServerRequestHandler = async (request) => {
  switch (request.method) {
    case COMMAND_APPROVAL:
      return { decision: "decline" } satisfies v2.CommandExecutionRequestApprovalResponse;
    case FILE_CHANGE_APPROVAL:
      return { decision: "decline" } satisfies v2.FileChangeRequestApprovalResponse;
    case LEGACY_EXEC_APPROVAL:
    case LEGACY_PATCH_APPROVAL:
      return LEGACY_DENIAL;
    default:
      throw new JsonRpcError(
        JsonRpcErrorCode.MethodNotFound,
        `${request.method} is not supported by this client`
      );
  }
};
