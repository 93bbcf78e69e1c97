import { redactCredentials } from "./redact.js";

/** Where a remote's repository lives on a forge. */
export interface RemoteRepository {
  /** The URL as configured, credentials removed. */
  url: string;
  /** Host name without port or user. */
  host: string;
  /** Everything before the last path segment (`group/subgroup` on forges that nest). */
  owner: string;
  name: string;
}

const NETWORK_URL =
  /^(?:https?|ssh|git|git\+ssh|ssh\+git):\/\/(?:[^/@]*@)?(\[[^\]]+\]|[^/:]+)(?::\d*)?\/(.+)$/i;
// scp-like `[user@]host:path`: no scheme, a colon before any slash (git's own rule); a
// one-letter host is a Windows drive (`C:/repos/r`), not a machine.
const SCP_URL = /^(?:[^/@:]+@)?(\[[^\]]+\]|[^/:]{2,}):(?!\/\/)(.+)$/;

/**
 * https (with or without credentials or port), `ssh://` and scp-form URLs → host, owner and
 * name; null for local paths, `file://` and anything without an owner and a name.
 */
export function parseRemoteUrl(configured: string): RemoteRepository | null {
  const url = configured.trim();
  const match = NETWORK_URL.exec(url) ?? (url.includes("://") ? null : SCP_URL.exec(url));
  if (match === null) return null;
  const host = (match[1] ?? "").replace(/^\[|\]$/g, "").toLowerCase();
  const segments = (match[2] ?? "")
    .replace(/[?#].*$/, "")
    .replace(/\/+$/, "")
    .replace(/\.git$/, "")
    .split("/")
    .filter((part) => part !== "");
  const name = segments.pop();
  if (host === "" || name === undefined || segments.length === 0) return null;
  return { url: redactCredentials(url), host, owner: segments.join("/"), name };
}
