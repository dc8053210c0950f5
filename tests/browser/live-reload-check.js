// `assure serve`'s live reload in headless Chromium, under the pages'
// Content-Security-Policy: opens a served page, edits a content file, and waits for
// the page to reload by itself and show the edit; nothing may trip the policy.
//
//   node tests/browser/live-reload-check.js <page URL> <content file> <from> <to>
//
// Replaces the first `from` in the file with `to`; `to` must then appear in the page.
// Exit status: 0 passed, 1 failed, 2 usage, 3 missing Chromium or npm packages.
"use strict";

const fs = require("fs");
const { launch } = require("./lib");

async function main() {
  const [url, file, from, to] = process.argv.slice(2);
  if (!url || !file || from === undefined || to === undefined) {
    console.error("usage: node live-reload-check.js <page URL> <content file> <from> <to>");
    process.exit(2);
  }
  const b = await launch({ allow: new URL(url).origin + "/" });
  const problems = [];
  const blocked = [];
  await b.context.exposeBinding("__assureCspViolation", ({ page }, what) => blocked.push(`${page.url()}: ${what}`));
  await b.context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__assureCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`),
    );
  });
  const page = await b.context.newPage();
  page.on("pageerror", (e) => problems.push(`${page.url()}: ${e.message}`));
  await page.goto(url);
  const before = await page.evaluate(() => ({
    policy: !!document.querySelector('meta[http-equiv="Content-Security-Policy"]'),
    live: Array.from(document.scripts).some((s) => /\/__assure\/live\.js$/.test(s.src)),
  }));
  if (!before.policy) problems.push("the page has no Content-Security-Policy");
  if (!before.live) problems.push("the page has no live-reload script");
  // Let the script open its event stream before the edit.
  await page.waitForTimeout(1000);
  const text = fs.readFileSync(file, "utf8");
  if (!text.includes(from)) problems.push(`${file} does not contain ${JSON.stringify(from)}`);
  fs.writeFileSync(file, text.replace(from, to));
  try {
    await page.waitForFunction((t) => document.body && document.body.textContent.includes(t), to, { timeout: 20000 });
    console.log("ok   the page reloaded by itself and shows the edit");
  } catch (e) {
    problems.push(`the page did not reload to show ${JSON.stringify(to)}: ${e.message.split("\n")[0]}`);
  }
  await b.close();
  if (blocked.length) problems.push(`the Content-Security-Policy blocked: ${blocked.join("; ")}`);
  if (b.requests.length) problems.push(`requests left the server: ${b.requests.join(", ")}`);
  for (const p of problems) console.log(`FAIL ${p}`);
  if (!problems.length) console.log("ok   live reload works under the Content-Security-Policy");
  process.exit(problems.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
