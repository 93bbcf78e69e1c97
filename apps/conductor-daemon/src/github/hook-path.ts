/** Where GitHub delivers webhook events; the access control exempts exactly this route (see auth.ts). */
export const GITHUB_HOOK_PATH = "/v1/hooks/github";
