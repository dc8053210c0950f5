// Opens every page of a site built from hostile content (tests/fixtures/site) in
// headless Chromium, and runs searches that show hostile titles, checking that nothing
// from the content runs: no dialog, no `window.__xss` (what the fixture's payloads set),
// no event-handler attribute, no script the theme did not ship, no javascript: link;
// and that the pages' Content-Security-Policy blocks such things if they ever got in.
//
//   node tests/browser/xss-check.js <output>/site
"use strict";

const fs = require("fs");
const path = require("path");
const { launch, siteUrl, htmlFiles } = require("./lib");

const THEME_SCRIPTS = ["static/site.js", "static/search.js", "search-index.js"];

async function main() {
  const siteDir = process.argv[2];
  if (!siteDir || !fs.existsSync(path.join(siteDir, "index.html"))) {
    console.error("usage: node xss-check.js <site dir holding index.html>");
    process.exit(2);
  }
  const pages = htmlFiles(siteDir);
  pages.push("search.html?q=script", "search.html?q=%3Cimg%20src%3Dx%20onerror%3Dwindow.__xss%3D1%3E", "search.html?q=%3C%2Fscript%3E");
  const b = await launch();
  const problems = [];
  const page = await b.context.newPage();
  page.on("dialog", (d) => {
    problems.push(`${page.url()}: a ${d.type()} dialog opened: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on("pageerror", (e) => problems.push(`${page.url()}: ${e.message}`));
  const root = path.resolve(siteDir);
  for (const rel of pages) {
    await page.goto(siteUrl(siteDir, rel));
    if (rel.startsWith("search.html?")) await page.waitForFunction(() => /match/.test(document.getElementById("search-status").textContent));
    const found = await page.evaluate(
      ({ scripts, root }) => {
        const out = [];
        if (window.__xss !== undefined) out.push("window.__xss was set");
        for (const el of document.querySelectorAll("*")) {
          for (const attr of el.attributes) {
            if (/^on/i.test(attr.name)) out.push(`<${el.localName} ${attr.name}="${attr.value}">`);
            if (/^(href|src|action|formaction)$/i.test(attr.name) && /^\s*javascript:/i.test(attr.value)) {
              out.push(`<${el.localName} ${attr.name}="${attr.value}">`);
            }
          }
        }
        for (const s of document.scripts) {
          const src = s.src ? decodeURIComponent(new URL(s.src).pathname) : "";
          if (!s.src || !scripts.some((x) => src === `${root}/${x}`)) out.push(`script ${src || s.textContent.slice(0, 60)}`);
        }
        for (const el of document.querySelectorAll("iframe, object, embed, svg:not(.chart-svg[role=img]), base, img[src*=':']")) {
          out.push(`<${el.localName}>`);
        }
        return out;
      },
      { scripts: THEME_SCRIPTS, root },
    );
    for (const f of found) problems.push(`${rel}: ${f}`);
  }
  // Defence in depth: each page's Content-Security-Policy stops what an injection
  // would try, should one ever get through (inline script, event handlers, javascript:
  // links, images from elsewhere).
  await page.goto(siteUrl(siteDir, "index.html"));
  const bites = await page.evaluate(async () => {
    const blocked = [];
    document.addEventListener("securitypolicyviolation", (e) => blocked.push(e.effectiveDirective));
    const s = document.createElement("script");
    s.textContent = "window.__xss = 'inline script'";
    document.body.appendChild(s);
    const d = document.createElement("div");
    d.setAttribute("onclick", "window.__xss = 'event handler'");
    document.body.appendChild(d);
    d.click();
    const a = document.createElement("a");
    a.href = "javascript:window.__xss='javascript: link'";
    document.body.appendChild(a);
    a.click();
    const img = document.createElement("img");
    img.src = "https://example.invalid/remote.png";
    document.body.appendChild(img);
    await new Promise((r) => setTimeout(r, 300));
    return { xss: window.__xss, blocked };
  });
  if (bites.xss !== undefined) problems.push(`the Content-Security-Policy let ${bites.xss} run`);
  for (const directive of ["script-src-elem", "script-src-attr", "img-src"]) {
    if (!bites.blocked.includes(directive)) problems.push(`the Content-Security-Policy did not block by ${directive}: ${bites.blocked}`);
  }
  // The probe's own image (Chromium may report the request it then blocks).
  const probe = b.requests.indexOf("https://example.invalid/remote.png");
  if (probe !== -1) b.requests.splice(probe, 1);
  // The hostile titles really were on show (so the check above saw them).
  await page.goto(siteUrl(siteDir, "search.html?q=onerror"));
  await page.waitForFunction(() => /match/.test(document.getElementById("search-status").textContent));
  const shown = await page.locator("#search-results").textContent();
  if (!shown.includes("<img src=x onerror=window.__xss=1>")) problems.push("search results do not show the hostile title as text");
  await b.close();
  if (b.requests.length) problems.push(`requests left file://: ${b.requests.join(", ")}`);
  for (const p of problems) console.log(`FAIL ${p}`);
  console.log(problems.length ? `${problems.length} problem(s) on ${pages.length} pages` : `ok   no injected script on ${pages.length} pages`);
  process.exit(problems.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
