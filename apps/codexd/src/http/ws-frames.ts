import { FrameBatch as StepFrames, type ServerFrame, serverFrame } from "@baa/http-server";

export { rawSocketOf } from "@baa/http-server";

/** One event's WebSocket text frame, made once for every client. */
export interface EventFrame extends ServerFrame {
  seq: number;
}

/** An event's frame: its JSON encoded straight into the frame. */
export function textFrame(seq: number, json: string): EventFrame {
  return { seq, ...serverFrame(json) };
}

/** Frames of one synchronous step for one filter, with the seq range they cover. */
export class FrameBatch extends StepFrames<EventFrame> {
  get firstSeq(): number {
    return this.frames[0]?.seq ?? 0;
  }

  get lastSeq(): number {
    return this.frames.at(-1)?.seq ?? 0;
  }
}
