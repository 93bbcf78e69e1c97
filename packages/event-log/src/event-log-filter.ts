/** One recorded event. `seq` grows by one per event and is never reused, also across restarts. */
export interface CodexdEvent {
  seq: number;
  type: string;
  at: string;
  sessionId: string | null;
  threadId: string | null;
  turnId: string | null;
  /** Set on the conductor's task-run events (the unified log index); absent on codexd's. */
  taskId?: string;
  runId?: string;
  data: unknown;
}

/**
 * Which events to keep. `type` matches exactly or as a dotted prefix (`app-server.turn` keeps
 * `app-server.turn.completed`); `since` is inclusive and `until` exclusive, both ISO times.
 */
export interface EventFilter {
  after?: number;
  sessionId?: string;
  turnId?: string;
  taskId?: string;
  runId?: string;
  type?: string;
  since?: string;
  until?: string;
  limit?: number;
}

/** True when `event` passes every field set in `filter` (`limit` is not a match criterion). */
export function matches(event: CodexdEvent, filter: EventFilter): boolean {
  return compileFilter(filter)(event);
}

/**
 * Turns a filter into a predicate once, so a scan over the whole log parses the time bounds
 * once instead of per event. Throws a RangeError for a time bound that is not a date.
 */
export function compileFilter(filter: EventFilter): (event: CodexdEvent) => boolean {
  const since = filter.since === undefined ? undefined : timeOf(filter.since, "since");
  const until = filter.until === undefined ? undefined : timeOf(filter.until, "until");
  const { after, sessionId, turnId, taskId, runId, type } = filter;
  const typePrefix = type === undefined ? undefined : `${type}.`;
  return (event) => {
    if (after !== undefined && event.seq <= after) return false;
    if (sessionId !== undefined && event.sessionId !== sessionId) return false;
    if (turnId !== undefined && event.turnId !== turnId) return false;
    if (taskId !== undefined && event.taskId !== taskId) return false;
    if (runId !== undefined && event.runId !== runId) return false;
    if (type !== undefined && event.type !== type && !event.type.startsWith(typePrefix as string))
      return false;
    if (since !== undefined || until !== undefined) {
      const at = Date.parse(event.at);
      if (since !== undefined && !(at >= since)) return false;
      if (until !== undefined && !(at < until)) return false;
    }
    return true;
  };
}

function timeOf(value: string, name: string): number {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new RangeError(`${name} is not an ISO time: ${value}`);
  return time;
}
