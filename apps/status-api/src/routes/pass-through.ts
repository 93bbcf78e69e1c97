import type { FastifyReply } from "fastify";
import type { ForwardedCall, ForwardedReply } from "../sources/conductor-actions.js";

/** Sends one call to the conductor; what the forwarding routes need from the app. */
export type ConductorForwarder = (call: ForwardedCall) => Promise<ForwardedReply>;

/** Answers with the conductor's status and JSON text as they came (its error envelope included). */
export function passThrough(reply: FastifyReply, forwarded: ForwardedReply): FastifyReply {
  void reply.status(forwarded.status);
  if (forwarded.text === "") return reply.send();
  return reply.type("application/json; charset=utf-8").send(forwarded.text);
}
