// pa11y (HTML_CodeSniffer, WCAG 2 AA) on one page of every kind of a built site, in
// the system Chromium from file://:
//
//   node tests/browser/pa11y-check.js <output>/site
//
// One page of each kind: the dashboard, each list, a record of each type, the matrix,
// the timeline, search (with results) and the accessibility statement. Any error fails;
// warnings and notices are HTML_CodeSniffer's questions for a person and are not counted.
// Exit status: 0 all passed, 1 a check failed, 2 usage, 3 missing Chromium or npm packages.
"use strict";

const fs = require("fs");
const path = require("path");
const { siteUrl, requireOrExplain } = require("./lib");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/** One page of every kind, as site-check.js audits them. */
function pagesToAudit(siteDir) {
  const records = JSON.parse(fs.readFileSync(path.join(siteDir, "..", "data", "records.json"), "utf8")).records;
  const pages = ["index.html"];
  for (const folder of fs.readdirSync(siteDir).sort()) {
    if (fs.existsSync(path.join(siteDir, folder, "index.html"))) pages.push(`${folder}/index.html`);
  }
  const types = new Set();
  for (const rec of records) {
    if (!types.has(rec.type)) {
      types.add(rec.type);
      pages.push(rec.page.replace(/^site\//, ""));
    }
  }
  const rec = records.find((r) => r.type === "recommendation") || records[0];
  pages.push("matrix.html", "timeline.html", `search.html?q=${encodeURIComponent(rec.id)}`, "accessibility.html");
  return pages;
}

async function main() {
  const siteDir = process.argv[2];
  if (!siteDir || !fs.existsSync(path.join(siteDir, "index.html"))) {
    console.error("usage: node pa11y-check.js <site dir holding index.html>");
    process.exit(2);
  }
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`Chromium is not installed at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
    process.exit(3);
  }
  const pa11y = requireOrExplain("pa11y");
  const puppeteer = requireOrExplain("puppeteer");
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  let failures = 0;
  const pages = pagesToAudit(siteDir);
  try {
    for (const rel of pages) {
      const result = await pa11y(siteUrl(siteDir, rel), {
        browser,
        standard: "WCAG2AA",
        runners: ["htmlcs"],
        includeWarnings: false,
        includeNotices: false,
        timeout: 60000,
        // Search results are drawn by script after load.
        wait: rel.startsWith("search.html") ? 300 : 0,
      });
      const errors = result.issues.filter((i) => i.type === "error");
      if (errors.length) {
        failures++;
        const what = errors
          .slice(0, 5)
          .map((e) => `${e.code} at ${e.selector}: ${e.message}`)
          .join("; ");
        console.log(`FAIL pa11y on ${rel}: ${errors.length} error(s): ${what}`);
      } else {
        console.log(`ok   pa11y (HTML_CodeSniffer, WCAG2AA) finds no errors on ${rel}`);
      }
    }
  } finally {
    await browser.close();
  }
  console.log(failures === 0 ? `all ${pages.length} pages passed` : `${failures} page(s) failed`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
