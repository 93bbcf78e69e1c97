import type { ClientRequest, InitializeResponse, v2 } from "@baa/codex-protocol";

import type { AppServerEvent, EventSubscription } from "./event-stream.js";

/**
 * What codexd needs from an app-server connection. The shape is a contract: tests inject
 * fakes with exactly these members.
 */
export interface AppServerClient {
  /** Sends `initialize` then the `initialized` notification. */
  initialize(): Promise<InitializeResponse>;
  threadStart(params: v2.ThreadStartParams): Promise<v2.ThreadStartResponse>;
  threadResume(params: v2.ThreadResumeParams): Promise<v2.ThreadResumeResponse>;
  turnStart(params: v2.TurnStartParams): Promise<v2.TurnStartResponse>;
  turnSteer(params: v2.TurnSteerParams): Promise<v2.TurnSteerResponse>;
  turnInterrupt(params: v2.TurnInterruptParams): Promise<v2.TurnInterruptResponse>;
  /** Stops the app-server; resolves once it has exited. */
  close(): Promise<void>;
  /** Every notification, flattened, in arrival order. */
  events: {
    subscribe(listener: (event: AppServerEvent) => void): EventSubscription;
  };
}

/** Every request method app-server accepts, from the generated protocol. */
export type ClientRequestMethod = ClientRequest["method"];

/** The params type of request method `M`. */
export type ClientRequestParams<M extends ClientRequestMethod> = Extract<
  ClientRequest,
  { method: M }
>["params"];
