import type { FastifySchema, HTTPMethods } from "fastify";

/** An operation added by hand to the document: a route Fastify does not list one by one (a proxy). */
export interface ExtraOperation {
  method: string;
  /** OpenAPI path template (`/v1/codex/sessions/{session_id}`). */
  path: string;
  /** Stable camelCase name a generated client gives the call; unique in the document. */
  operationId: string;
  summary: string;
  description?: string;
  websocket?: boolean;
  tags?: string[];
}

/** A service whose untrusted peers send a bearer token: the document declares the scheme. */
export interface BearerAccess {
  /** Who needs the token, where it comes from, who may go without it. */
  description: string;
  /** True for an operation anyone may call without the token (`GET`, `/healthz`: as documented). */
  isOpen(method: string, path: string): boolean;
}

export interface OpenApiOptions {
  title: string;
  version: string;
  description: string;
  /** Operations to add to those of the route table (documented pass-through routes). */
  extraOperations?: readonly ExtraOperation[];
  /**
   * The bearer scheme, declared on every operation that is not open. Without it the document
   * says no operation takes credentials (`security: []`): codexd, which trusts its loopback peers.
   */
  bearer?: BearerAccess;
}

/** A route as the app registered it: what the document is built from. */
export interface DocumentRoute {
  method: HTTPMethods | HTTPMethods[];
  url: string;
  schema: FastifySchema | undefined;
}

/** The marker of a WebSocket route in the document (OpenAPI 3 has no word for one). */
export const WEBSOCKET_EXTENSION = "x-websocket";
