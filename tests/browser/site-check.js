// End-to-end check of a built evidence site in headless Chromium, opened from file://
// as an inspector would open it from a USB stick.
//
//   node tests/browser/site-check.js <output>/site
//
// Checks, each reported on its own line as `ok` or `FAIL`:
//   - navigation by clicking: dashboard → recommendations → a recommendation → an
//     action answering it → evidence supporting that action → its attachment;
//   - every recommendation page links the actions answering it and the evidence behind
//     them (directly or through an action), so any evidence is two clicks away;
//   - search from the box in the header (at the root and in a sub-folder) finds a
//     record by its ID and by a word of its title;
//   - a list filter hides the rows that do not match, and "All" shows them again;
//   - zero axe-core violations (WCAG 2.0/2.1/2.2 A and AA) on one page of every kind,
//     at 1280, 390 and 320 px, and nothing wider than the screen;
//   - no JavaScript error, no request whose URL is not file://, and nothing the pages'
//     Content-Security-Policy blocks (the site works under its own policy).
// Exit status: 0 all passed, 1 a check failed, 2 usage, 3 missing Chromium or npm packages.
"use strict";

const fs = require("fs");
const path = require("path");
const { launch, siteUrl, requireOrExplain } = require("./lib");

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];
/** Attachments Chromium shows in the tab rather than downloads. */
const SHOWN_INLINE = /\.(txt|md|html?|png|jpe?g|gif|svg|pdf)$/i;

let failures = 0;
const started = Date.now();
function ok(msg) {
  console.log(`ok   ${msg}` + (process.env.TIMING ? ` [${Date.now() - started} ms]` : ""));
}
function fail(msg) {
  failures++;
  console.log(`FAIL ${msg}`);
}
function check(cond, msg, detail) {
  if (cond) ok(msg);
  else fail(detail ? `${msg}: ${detail}` : msg);
  return cond;
}

/** The records the site shows, from `data/records.json` beside `site/`. */
function loadRecords(siteDir) {
  const file = path.join(siteDir, "..", "data", "records.json");
  const data = JSON.parse(fs.readFileSync(file, "utf8"));
  return data.records;
}

/** Page path inside `site/` of a record (`records.json` gives `site/…`). */
function pageOf(rec) {
  return rec.page.replace(/^site\//, "");
}

const ids = (list) => (list || []).filter((x) => x && x.id).map((x) => x.id);

/**
 * A recommendation → action → evidence → attachment chain the site must let a reader
 * click through. Prefers an attachment the browser displays.
 */
function findChain(records, siteDir) {
  const chains = [];
  for (const rec of records.filter((r) => r.type === "recommendation")) {
    for (const act of records.filter((r) => r.type === "action" && ids(r.addresses).includes(rec.id))) {
      for (const ev of records.filter((r) => r.type === "evidence" && ids(r.supports).includes(act.id))) {
        if (ev.file && fs.existsSync(path.join(siteDir, "files", ev.file))) chains.push({ rec, act, ev });
      }
    }
  }
  chains.sort((a, b) => Number(SHOWN_INLINE.test(b.ev.file)) - Number(SHOWN_INLINE.test(a.ev.file)));
  return chains[0];
}

/**
 * Clicks the first link on the page whose target is `rel` (a path inside the site) and
 * waits for the new page. Links are matched by the URL they resolve to, so `../x.html`
 * and percent-encoding do not matter.
 */
async function clickTo(page, siteDir, rel, what) {
  const target = decodeURIComponent(new URL(siteUrl(siteDir, rel)).pathname);
  const found = await page.evaluate((target) => {
    for (const a of document.querySelectorAll("a[href]")) {
      const u = new URL(a.href);
      if (u.protocol === "file:" && decodeURIComponent(u.pathname) === target && a.offsetParent !== null) {
        a.setAttribute("data-test-click", "");
        return true;
      }
    }
    return false;
  }, target);
  if (!found) {
    fail(`${what}: no visible link to ${rel} on ${page.url()}`);
    return false;
  }
  const link = page.locator("[data-test-click]").first();
  if (SHOWN_INLINE.test(rel) || rel.endsWith(".html")) {
    await Promise.all([page.waitForURL((u) => decodeURIComponent(u.pathname) === target), link.click()]);
    const error = await page.evaluate(() => document.documentElement.outerHTML.includes("ERR_FILE_NOT_FOUND"));
    return check(!error, `${what}: clicked through to ${rel}`, "the browser shows a file-not-found page");
  }
  // Other attachments (spreadsheets, archives) download; the download must be that file.
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  return check(
    decodeURIComponent(new URL(download.url()).pathname) === target,
    `${what}: clicked through to ${rel} (downloaded)`,
    download.url(),
  );
}

async function navigation(ctx, siteDir, records) {
  const chain = findChain(records, siteDir);
  if (!check(chain, "the site has a recommendation → action → evidence → attachment chain")) return;
  const page = await ctx.newPage();
  await page.goto(siteUrl(siteDir, "index.html"));
  const steps = [
    ["recommendations/index.html", "dashboard → recommendations"],
    [pageOf(chain.rec), `recommendations → ${chain.rec.id}`],
    [pageOf(chain.act), `${chain.rec.id} → action ${chain.act.id}`],
    [pageOf(chain.ev), `${chain.act.id} → evidence ${chain.ev.id}`],
    [`files/${chain.ev.file}`, `${chain.ev.id} → attachment`],
  ];
  for (const [rel, what] of steps) {
    if (!(await clickTo(page, siteDir, rel, what))) break;
  }
  await page.close();
}

/** Every recommendation page links its actions and all the evidence behind it. */
async function twoClicks(ctx, siteDir, records) {
  const page = await ctx.newPage();
  let checked = 0;
  for (const rec of records.filter((r) => r.type === "recommendation")) {
    const actions = records.filter((r) => r.type === "action" && ids(r.addresses).includes(rec.id));
    const actionIds = actions.map((a) => a.id);
    const evidence = records.filter(
      (r) => r.type === "evidence" && ids(r.supports).some((s) => s === rec.id || actionIds.includes(s)),
    );
    const want = [...actions, ...evidence].map(pageOf);
    await page.goto(siteUrl(siteDir, pageOf(rec)));
    const have = await page.evaluate(() =>
      Array.from(document.querySelectorAll("main a[href]"), (a) => decodeURIComponent(new URL(a.href).pathname)),
    );
    const missing = want.filter((rel) => !have.includes(decodeURIComponent(new URL(siteUrl(siteDir, rel)).pathname)));
    if (missing.length) fail(`${rec.id} does not link ${missing.join(", ")}`);
    checked++;
  }
  check(checked > 0, `${checked} recommendation pages link every action and evidence record behind them`);
  await page.close();
}

/** Searches from the header box of `fromRel` and returns the result links (site paths). */
async function search(page, siteDir, fromRel, query) {
  await page.goto(siteUrl(siteDir, fromRel));
  await page.fill("#site-search", query);
  await Promise.all([page.waitForURL(/search\.html\?q=/), page.press("#site-search", "Enter")]);
  await page.waitForFunction(() => /match/.test(document.getElementById("search-status").textContent));
  const root = decodeURIComponent(new URL(siteUrl(siteDir, "index.html")).pathname).replace(/index\.html$/, "");
  return page.evaluate(
    (root) =>
      Array.from(document.querySelectorAll("#search-results a[href]"), (a) =>
        decodeURIComponent(new URL(a.href).pathname).slice(root.length),
      ),
    root,
  );
}

async function searching(ctx, siteDir, records) {
  const page = await ctx.newPage();
  const rec = records.find((r) => r.type === "recommendation") || records[0];
  const target = pageOf(rec);
  // From the dashboard (root) and from a record page in a sub-folder.
  for (const from of ["index.html", target]) {
    const byId = await search(page, siteDir, from, rec.id);
    check(byId[0] === target, `search from ${from} finds ${rec.id} by its ID, first`, `results: ${byId.slice(0, 3)}`);
  }
  // The longest word of the title, lower-cased, so the match is not on the ID.
  const word = rec.title
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 4 && !rec.id.toLowerCase().includes(w.toLowerCase()))
    .sort((a, b) => b.length - a.length)[0];
  const byWord = await search(page, siteDir, "index.html", word.toLowerCase());
  check(byWord.includes(target), `search finds ${rec.id} by the word “${word.toLowerCase()}” of its title`);
  const none = await search(page, siteDir, "index.html", "zzzqqqxxx-no-such-thing");
  check(none.length === 0, "search for nonsense finds nothing");
  await page.close();
}

async function filtering(ctx, siteDir) {
  const page = await ctx.newPage();
  // The list page whose filters offer the most choice (counted in the HTML source).
  let best = null;
  for (const folder of fs.readdirSync(siteDir).sort()) {
    const rel = `${folder}/index.html`;
    if (!fs.existsSync(path.join(siteDir, rel))) continue;
    const html = fs.readFileSync(path.join(siteDir, rel), "utf8");
    const form = html.match(/<div class="filters"[\s\S]*?<\/div>\s*<table/);
    const n = form ? (form[0].match(/<option /g) || []).length : 0;
    if (n > 0 && (!best || n > best.n)) best = { rel, n };
  }
  if (!check(best, "some list page has filters")) return page.close();
  await page.goto(siteUrl(siteDir, best.rel));
  const rows = page.locator("#records-table tbody tr:not(.group-head)");
  const total = await rows.count();
  // A filter value that some rows do not have.
  const choice = await page.evaluate(() => {
    for (const select of document.querySelectorAll("[data-filters] select")) {
      for (const option of select.options) {
        if (!option.value) continue;
        const key = "data-" + select.dataset.key;
        const rows = document.querySelectorAll("#records-table tbody tr:not(.group-head)");
        const matching = Array.from(rows).filter((r) => (r.getAttribute(key) || "").split("|").includes(option.value));
        if (matching.length > 0 && matching.length < rows.length) {
          return { id: select.id, key, value: option.value, matching: matching.length };
        }
      }
    }
    return null;
  });
  if (!check(choice, `${best.rel} has a filter value that narrows the list`)) return page.close();
  await page.selectOption(`#${choice.id}`, choice.value);
  const visible = await page.locator("#records-table tbody tr:not(.group-head):visible").count();
  const wrong = await page.evaluate(
    ({ key, value }) =>
      Array.from(document.querySelectorAll("#records-table tbody tr:not(.group-head)"))
        .filter((r) => !r.hidden)
        .filter((r) => !(r.getAttribute(key) || "").split("|").includes(value)).length,
    choice,
  );
  check(
    visible === choice.matching && wrong === 0,
    `filter ${choice.key}=${choice.value} on ${best.rel} shows ${choice.matching} of ${total} rows`,
    `${visible} visible, ${wrong} not matching`,
  );
  const status = await page.locator(".filter-count").textContent();
  check(status.includes(`${choice.matching} of ${total}`), "the filter says how many rows it shows", status);
  await page.selectOption(`#${choice.id}`, "");
  check((await page.locator("#records-table tbody tr:not(.group-head):visible").count()) === total, "“All” shows every row again");
  await page.close();
}

/** One page of every kind: dashboard, each list, a record of each type, and the rest. */
function pagesToAudit(siteDir, records) {
  const pages = ["index.html"];
  for (const folder of fs.readdirSync(siteDir).sort()) {
    if (fs.existsSync(path.join(siteDir, folder, "index.html"))) pages.push(`${folder}/index.html`);
  }
  const types = new Set();
  for (const rec of records) {
    if (!types.has(rec.type)) {
      types.add(rec.type);
      pages.push(pageOf(rec));
    }
  }
  const rec = records.find((r) => r.type === "recommendation") || records[0];
  pages.push("matrix.html", "timeline.html", `search.html?q=${encodeURIComponent(rec.id)}`, "accessibility.html");
  return pages;
}

/** axe-core on one page; returns the violations, described. */
async function audit(page, siteDir, rel, width) {
  await page.goto(siteUrl(siteDir, rel));
  if (rel.startsWith("search.html")) await page.waitForSelector("#search-results li");
  const problems = [];
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }),
    AXE_TAGS,
  );
  for (const v of result.violations) {
    const where = v.nodes
      .slice(0, 3)
      .map((n) => `${n.target.join(" ")} (${n.failureSummary.replace(/\s+/g, " ").trim()})`)
      .join("; ");
    problems.push(`axe at ${width}px on ${rel}: ${v.id} [${v.impact}] ${v.help} — ${v.nodes.length} node(s): ${where}`);
  }
  // Nothing may be wider than the screen, on a phone (WCAG 1.4.10, reflow) or on a
  // desktop: wide tables scroll inside their own box, never the page sideways.
  {
    const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (over > 0) problems.push(`${rel} is ${over}px wider than a ${width}px screen`);
  }
  return problems;
}

/** Audits every page kind at one width, two pages at a time (one per core). */
async function accessibility(ctx, siteDir, records, width) {
  const pages = pagesToAudit(siteDir, records);
  const queue = pages.slice();
  let dirty = 0;
  async function worker() {
    const page = await ctx.newPage();
    await page.setViewportSize({ width, height: 900 });
    for (let rel = queue.shift(); rel !== undefined; rel = queue.shift()) {
      const problems = await audit(page, siteDir, rel, width);
      if (problems.length) dirty++;
      problems.forEach((p) => fail(p));
    }
    await page.close();
  }
  await Promise.all([worker(), worker()]);
  check(
    dirty === 0,
    `axe-core (${AXE_TAGS.join(", ")}) finds no violations, and nothing is wider than the screen, at ${width}px on ${pages.length} pages`,
    `${dirty} pages with problems`,
  );
}

async function main() {
  const siteDir = process.argv[2];
  if (!siteDir || !fs.existsSync(path.join(siteDir, "index.html"))) {
    console.error("usage: node site-check.js <site dir holding index.html>");
    process.exit(2);
  }
  requireOrExplain("axe-core");
  const records = loadRecords(siteDir);
  const b = await launch();
  // axe-core goes into every page before its own scripts run: one injection per
  // navigation, cheaper than adding a script tag after each load.
  await b.context.addInitScript({ path: require.resolve("axe-core/axe.min.js") });
  const errors = [];
  b.context.on("page", (p) => p.on("pageerror", (e) => errors.push(`${p.url()}: ${e.message}`)));
  const blocked = [];
  await b.context.exposeBinding("__assureCspViolation", ({ page }, what) => blocked.push(`${page.url()}: ${what}`));
  await b.context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__assureCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`),
    );
  });
  try {
    await navigation(b.context, siteDir, records);
    await twoClicks(b.context, siteDir, records);
    await searching(b.context, siteDir, records);
    await filtering(b.context, siteDir);
    await accessibility(b.context, siteDir, records, 1280);
    await accessibility(b.context, siteDir, records, 390);
    await accessibility(b.context, siteDir, records, 320);
  } finally {
    await b.close();
  }
  check(errors.length === 0, "no JavaScript errors", errors.join("; "));
  check(b.requests.length === 0, "no request left file://", b.requests.join(", "));
  check(blocked.length === 0, "the Content-Security-Policy blocks nothing the site does", blocked.join("; "));
  console.log(failures === 0 ? "all checks passed" : `${failures} check(s) failed`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
