// Headless Chromium for the page tests: Debian's binary driven by playwright-core, and a watch
// on everything the page reports going wrong.
import { existsSync } from "node:fs";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
];

/** A persistent context in `profileDir` and its first page. */
export async function launchPage(profileDir: string): Promise<{ context: BrowserContext; page: Page }> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 1000 }
  });
  return { context, page: context.pages()[0] ?? (await context.newPage()) };
}

/** What the browser reported: console errors, uncaught errors, failed requests, answers >= 400. */
export function watchPage(page: Page) {
  const seen = {
    console: [] as string[],
    errors: [] as string[],
    failed: [] as string[],
    bad: [] as string[]
  };
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
