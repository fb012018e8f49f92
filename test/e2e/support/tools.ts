/**
 * The outside programs the suite drives, all from Debian packages (.ci/apt-packages lists them;
 * .ci/run installs them). Python is Debian's own /usr/bin/python3, where python3-feedparser
 * lives, not whichever python3 comes first on PATH.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const TOOLS = {
  newsboat: "/usr/bin/newsboat",
  xmllint: "/usr/bin/xmllint",
  sqlite3: "/usr/bin/sqlite3",
  chromium: "/usr/bin/chromium",
  python3: "/usr/bin/python3",
} as const;

interface Requirement {
  what: string;
  debianPackage: string;
  present: () => boolean;
}

const REQUIREMENTS: Requirement[] = [
  { what: "newsboat", debianPackage: "newsboat", present: () => existsSync(TOOLS.newsboat) },
  { what: "xmllint", debianPackage: "libxml2-utils", present: () => existsSync(TOOLS.xmllint) },
  { what: "sqlite3", debianPackage: "sqlite3", present: () => existsSync(TOOLS.sqlite3) },
  { what: "chromium", debianPackage: "chromium", present: () => existsSync(TOOLS.chromium) },
  {
    what: "python3 feedparser",
    debianPackage: "python3-feedparser",
    present: () => existsSync(TOOLS.python3) && spawnSync(TOOLS.python3, ["-c", "import feedparser"]).status === 0,
  },
];

/** The Debian packages whose programs are missing here, e.g. ["newsboat", "chromium"]. */
export function missingPackages(): string[] {
  return REQUIREMENTS.filter((r) => !r.present()).map((r) => r.debianPackage);
}
