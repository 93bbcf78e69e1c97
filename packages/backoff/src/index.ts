export { backoffDelayMs, type BackoffPolicy } from "./backoff.js";
