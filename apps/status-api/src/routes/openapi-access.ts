import type { BearerAccess } from "@baa/http-server";
import { OPEN_PATHS } from "../access.js";

/** What status-api's OpenAPI document says of access (the rule itself is access.ts). */
export const DOCUMENTED_ACCESS: BearerAccess = {
  description:
    "The node's token, the one status-api presents to the conductor: BAA_SHARED_TOKEN, else the " +
    "conductor's <stateDir>/shared-token. Needed from untrusted peers only: loopback peers without " +
    "proxy headers (unless BAA_TRUST_LOOPBACK=false) and peers in BAA_TRUSTED_CIDRS may omit it. " +
    "GET /healthz needs none.",
  isOpen: (_method, path) => OPEN_PATHS.has(path)
};
