// Raw HTTP + SSE parsing for the unit tests, independent of the code under test.
import { request } from "node:http";

export interface ParsedEvent {
  event: string;
  data: any;
}

export interface RawResponse {
  status: number;
  contentType: string | undefined;
  text: string;
  events: ParsedEvent[];
}

export function parseSse(text: string): ParsedEvent[] {
  return text
    .split("\n\n")
    .filter((frame) => frame.trim() !== "")
    .map((frame) => {
      const lines = frame.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "";
      const data = lines.find((l) => l.startsWith("data: "))?.slice(6) ?? "null";
      return { event, data: JSON.parse(data) };
    });
}

export function responsesBody(...userTexts: string[]): object {
  return {
    model: "mock-model",
    stream: true,
    input: userTexts.map((text) => ({
      type: "message",
      role: "user",
      content: [{ type: "input_text", text }]
    })),
    tools: []
  };
}

/** POSTs (or GETs when body is undefined) and reads the whole answer. */
export function send(
  url: string,
  path: string,
  body?: object,
  onFirstChunk?: () => void
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: body === undefined ? "GET" : "POST" }, (res) => {
      let text = "";
      let first = true;
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
        if (first) {
          first = false;
          onFirstChunk?.();
        }
      });
      const done = () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers["content-type"],
          text,
          events: res.headers["content-type"] === "text/event-stream" ? parseSse(text) : []
        });
      res.on("end", done);
      // A stream the server destroys ends with an "aborted" error and "close" instead of "end".
      res.on("error", () => undefined);
      res.on("close", done);
    });
    req.on("error", reject);
    if (body !== undefined) {
      req.setHeader("content-type", "application/json");
      req.write(JSON.stringify(body));
    }
    req.end();
  });
}
