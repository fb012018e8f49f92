/**
 * Debian's Chromium driven by playwright-core, never a downloaded browser. Flags as this
 * machine needs them (no sandbox as root, no background networking on a closed network) and a
 * fresh profile folder. Playwright starts Chromium as its own process group and kills the group
 * on close.
 */
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { TOOLS } from "./tools";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchChromium(workDir: string, viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  const profile = mkdtempSync(join(workDir, "chromium-profile-"));
  return chromium.launchPersistentContext(profile, {
    executablePath: TOOLS.chromium,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    locale: "en-US",
    timezoneId: "UTC",
    colorScheme: "light",
    // Closed network: nothing to wait for but our own server.
    offline: false,
  });
}
