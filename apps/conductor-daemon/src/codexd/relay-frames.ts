import { FrameBatch, type ServerFrame, serverFrame } from "@baa/http-server";
import type WebSocket from "ws";

export { rawSocketOf } from "@baa/http-server";

/** One upstream message as a ready WebSocket frame for the relay's clients, made once for all. */
export interface RelayFrame extends ServerFrame {
  /** The event's seq, or undefined for a frame that is not an event. */
  seq: number | undefined;
  binary: boolean;
}

/** An upstream message's frame, made once: text or binary as the message was. */
export function relayFrame(seq: number | undefined, payload: Buffer, binary: boolean): RelayFrame {
  return { seq, ...serverFrame(payload, binary), binary };
}

/** The payload of a frame, for a socket that must frame it itself. */
export function payloadOf(frame: RelayFrame): Buffer {
  return frame.frame.subarray(frame.headerBytes);
}

/** The frames of one synchronous step of an upstream. */
export class RelayBatch extends FrameBatch<RelayFrame> {}

/** A message's bytes as one buffer. */
export function bytesOf(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
