export { BrowserGuardErrorCodes, type BrowserGuardErrorCode } from "./error-codes.js";
export { installBrowserGuard, createGuardPolicy, type BrowserGuardOptions } from "./install.js";
export {
  decideAccess,
  type GuardDecision,
  type GuardPolicy,
  type GuardRequest,
  type TokenAuth
} from "./decide.js";
export {
  isOwnHost,
  isWildcardHost,
  parseHostName,
  parseAllowedHost,
  type HostName,
  type OwnHosts
} from "./host-names.js";
export { classifyOrigin, parseAllowedOrigin, type OriginVerdict } from "./origins.js";
export { FORWARDING_HEADERS, findForwardingHeader } from "./forwarding.js";
export { MIN_TOKEN_LENGTH, createBearerCheck, tokenProblem } from "./bearer-token.js";
export { CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS, corsHeaders, preflightHeaders } from "./cors.js";
