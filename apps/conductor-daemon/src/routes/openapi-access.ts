import type { BearerAccess } from "@baa/http-server";
import { OPEN_PATHS, SIGNED_ROUTES } from "../auth.js";

/**
 * What the conductor's OpenAPI document says of access (the rule itself is auth.ts): the bearer
 * token on every operation but the probes and the signed GitHub webhook.
 */
export const DOCUMENTED_ACCESS: BearerAccess = {
  description:
    "The node's shared token: BAA_SHARED_TOKEN, else the one the conductor generated in " +
    "<stateDir>/shared-token. Needed from untrusted peers only: loopback peers without proxy headers " +
    "(unless BAA_TRUST_LOOPBACK=false) and peers in BAA_TRUSTED_CIDRS may omit it. Probes need none; " +
    "POST /v1/hooks/github is checked by its X-Hub-Signature-256 instead.",
  isOpen: (method, path) => OPEN_PATHS.has(path) || SIGNED_ROUTES.has(`${method} ${path}`)
};
