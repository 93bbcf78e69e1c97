/** The WebSocket close codes the services send; docs/api/errors.md lists what each means. */
export const WsCloseCodes = {
  normal: 1000,
  /** The service is shutting down. */
  goingAway: 1001,
  /** Refused: a 4xx from upstream. */
  policy: 1008,
  internal: 1011,
  /** Upstream unavailable; reconnect later. */
  tryAgainLater: 1013,
  /** The client fell too far behind (too many bytes unsent); reconnect with `after=`. */
  slowConsumer: 4008,
  /** Invalid query; the reason says what. */
  badRequest: 4400,
  /** What the stream is about (a task) does not exist. */
  notFound: 4404
} as const;

/** A close frame's reason holds at most this many bytes of UTF-8. */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * `message` as a close reason: whole if it fits in 123 bytes of UTF-8, else cut at a character
 * boundary (never inside a multi-byte sequence) and ended with "…". `ws` throws on a longer one.
 */
export function closeReason(message: string): string {
  const bytes = Buffer.from(message, "utf8");
  if (bytes.length <= MAX_CLOSE_REASON_BYTES) return message;
  const ellipsis = "…";
  let end = MAX_CLOSE_REASON_BYTES - Buffer.byteLength(ellipsis);
  // Back off continuation bytes (10xxxxxx) to the start of the character they belong to.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString("utf8") + ellipsis;
}

/**
 * The websocket plugin's `preClose`: every open stream is closed with 1001 and "<service> is
 * shutting down", so a client can tell a stop from a failure (the plugin's default sends no code).
 * @example app.register(websocket, { preClose: closeStreamsGoingAway("codexd") })
 */
export function closeStreamsGoingAway(service: string) {
  return function (
    this: { websocketServer?: { clients?: Set<{ close(code: number, reason: string): void }> } },
    done: () => void
  ): void {
    for (const client of this.websocketServer?.clients ?? [])
      client.close(WsCloseCodes.goingAway, closeReason(`${service} is shutting down`));
    done();
  };
}
