export {
  EventLog,
  DEFAULT_EVENT_LOG_MAX_FILE_BYTES,
  DEFAULT_EVENT_LOG_MAX_TOTAL_BYTES,
  DEFAULT_RECENT_MAX_BYTES,
  type EventInput,
  type EventListener,
  type EventLogOptions,
  type QueryOptions
} from "./event-log.js";
export { compileFilter, matches, type CodexdEvent, type EventFilter } from "./event-log-filter.js";
export { DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, type EventPage } from "./event-log-query.js";
export { nextEvent, type EventPublisher } from "./next-event.js";
export {
  cutText,
  cutLongStrings,
  recentView,
  isStreamingDelta,
  DEFAULT_MAX_TEXT_BYTES,
  type RecentEvent
} from "./event-view.js";
