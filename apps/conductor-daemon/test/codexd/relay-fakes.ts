import { EventEmitter } from "node:events";
import WebSocket from "ws";
import type { UpstreamConnector, UpstreamHandlers } from "../../src/codexd/relay-upstream.js";

/** One upstream stream opened through `fakeConnector`: the test plays codexd's side. */
export interface FakeStream {
  search: string;
  closed: boolean;
  open(): void;
  event(seq: number): void;
  frame(text: string): void;
  end(code: number, reason: string): void;
}

/** A connector whose streams the test drives by hand. */
export function fakeConnector(): { connect: UpstreamConnector; streams: FakeStream[]; open(): FakeStream[] } {
  const streams: FakeStream[] = [];
  const connect: UpstreamConnector = (search: string, handlers: UpstreamHandlers) => {
    const stream: FakeStream = {
      search,
      closed: false,
      open: () => handlers.open(),
      event: (seq) => handlers.message(Buffer.from(JSON.stringify({ seq, type: "test.event" })), false),
      frame: (text) => handlers.message(Buffer.from(text), false),
      end: (code, reason) => handlers.end(code, reason)
    };
    streams.push(stream);
    return {
      close: () => {
        stream.closed = true;
      }
    };
  };
  return { connect, streams, open: () => streams.filter((stream) => !stream.closed) };
}

/** A stand-in client socket: records what it is sent and how it is closed. */
export function fakeClient(options: { bytesPerSend?: number } = {}) {
  const sent: string[] = [];
  const closes: Array<{ code: number; reason: string }> = [];
  const client = Object.assign(new EventEmitter(), {
    readyState: WebSocket.OPEN as number,
    bufferedAmount: 0,
    send(data: Buffer) {
      sent.push(data.toString());
      client.bufferedAmount += options.bytesPerSend ?? 0;
    },
    close(code: number, reason: string) {
      closes.push({ code, reason });
      client.readyState = WebSocket.CLOSED;
    },
    terminate() {
      client.readyState = WebSocket.CLOSED;
    }
  });
  const seqs = () => sent.map((text) => (JSON.parse(text) as { seq: number }).seq);
  return { client, socket: client as unknown as WebSocket, sent, closes, seqs };
}
