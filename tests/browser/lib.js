// Shared helpers for the browser checks: launching the system Chromium (never a
// downloaded one), watching for network requests, and turning site paths into file URLs.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { pathToFileURL } = require("url");

/** Where Chromium lives; `CHROMIUM` overrides it. */
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

function requireOrExplain(name) {
  try {
    return require(name);
  } catch (e) {
    console.error(
      `cannot load the npm package \`${name}\`: run \`npm ci\` in tests/browser first (${e.message.split("\n")[0]})`,
    );
    process.exit(3);
  }
}

/**
 * Launches headless Chromium with a fresh profile and no background traffic.
 * Returns `{ browser, context, requests, close }`; `requests` collects every request
 * URL that is not `file://` (the site must make none) nor under `allow`.
 */
async function launch({ viewport = { width: 1280, height: 900 }, allow = null } = {}) {
  const { chromium } = requireOrExplain("playwright-core");
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`Chromium is not installed at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
    process.exit(3);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "assure-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // Pages opened from file:// may read other file:// URLs only with this; the site
      // itself never needs it, so it stays off.
    ],
  });
  const requests = [];
  // Every request of every page, including ones the page makes after load.
  context.on("request", (req) => {
    const url = req.url();
    if (allow && url.startsWith(allow)) return;
    if (!url.startsWith("file://") && !url.startsWith("data:") && url !== "about:blank") {
      requests.push(url);
    }
  });
  // Belt and braces: nothing but file:// is ever allowed to reach the network.
  // (`allow`: one more origin, such as `assure serve` on the loopback address.)
  await context.route(/^(?!file:|data:)/, (route) =>
    allow && route.request().url().startsWith(allow) ? route.continue() : route.abort(),
  );
  return {
    context,
    requests,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** `file://` URL of a path inside the site folder (may carry `?query`). */
function siteUrl(siteDir, rel) {
  const [file, query] = rel.split("?");
  const url = pathToFileURL(path.join(path.resolve(siteDir), file)).href;
  return query === undefined ? url : `${url}?${query}`;
}

/** Every `.html` file under `dir`, as paths relative to it, sorted. */
function htmlFiles(dir) {
  const out = [];
  (function walk(sub) {
    for (const name of fs.readdirSync(path.join(dir, sub)).sort()) {
      const rel = sub ? `${sub}/${name}` : name;
      const stat = fs.statSync(path.join(dir, rel));
      if (stat.isDirectory()) walk(rel);
      else if (name.endsWith(".html")) out.push(rel);
    }
  })("");
  return out;
}

module.exports = { launch, siteUrl, htmlFiles, requireOrExplain };
