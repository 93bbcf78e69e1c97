// `scheme://user:secret@host` → `scheme://host`: tokens live in https remote URLs more often than not.
const CREDENTIALS_IN_URL = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@\s]+@/g;

/** Text with the credentials of every URL in it removed. */
export function redactCredentials(text: string): string {
  return text.replace(CREDENTIALS_IN_URL, "$1");
}
