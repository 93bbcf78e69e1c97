// Headless Chromium for the page tests: Debian's binary driven by playwright-core, and a watch on
// everything the page reports going wrong. A subpath of its own (`@baa/test-support/browser`), not
// in the main index, so that only the tests that drive a browser load playwright.
import { existsSync } from "node:fs";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** Debian's chromium (`apt-get install -y chromium`; `.ci/run` installs it). */
export const CHROMIUM = "/usr/bin/chromium";

/** What every page test launches Chromium with: no sandbox or GPU, nothing fetched in the background. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
];

/** Throws, saying how to install it, when `CHROMIUM` is missing: for a test that checks before a slow setup. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does)`
    );
}

/**
 * Headless Chromium with a persistent context in `profileDir` (a fresh directory in the test's temp
 * dir: playwright passes it as --user-data-dir), a 1280x1000 viewport, and its first page.
 */
export async function launchPage(profileDir: string): Promise<{ context: BrowserContext; page: Page }> {
  requireChromium();
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: { width: 1280, height: 1000 }
  });
  return { context, page: context.pages()[0] ?? (await context.newPage()) };
}

/** What a page reported going wrong, in order, since `watchPage`. */
export interface PageReports {
  /** The text of every console message of type "error". */
  console: string[];
  /** The message of every uncaught error ("pageerror"). */
  errors: string[];
  /** Every request that failed: `METHOD url errorText`. */
  failed: string[];
  /** Every answer with a status >= 400: `status METHOD pathname`. */
  bad: string[];
}

/** Records console errors, uncaught errors, failed requests and answers >= 400 from now on. */
export function watchPage(page: Page): PageReports {
  const seen: PageReports = { console: [], errors: [], failed: [], bad: [] };
  page.on("console", (message) => {
    if (message.type() === "error") seen.console.push(message.text());
  });
  page.on("pageerror", (error) => seen.errors.push(error.message));
  page.on("requestfailed", (request) =>
    seen.failed.push(`${request.method()} ${request.url()} ${request.failure()?.errorText ?? ""}`)
  );
  page.on("response", (response) => {
    if (response.status() >= 400)
      seen.bad.push(
        `${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`
      );
  });
  return seen;
}
