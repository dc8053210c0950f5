// `assure serve`'s problem overlay in headless Chromium (SPEC §14.8): on a site that
// builds, open pages show the content's warnings; an edit that breaks a link shows the
// error above them; Hide leaves a small button that brings the list back, and a list
// hidden stays hidden on the next page until it changes. axe-core (WCAG 2.2 AA) finds
// nothing in the overlay at 1280 and 320 px.
//
//   node tests/browser/overlay-check.js <page URL> <content file> <from> <to> <warning>
//
// `warning` is a word the warnings must show at first; replacing `from` with `to` in the
// file must make an error. Exit status: 0 passed, 1 failed, 2 usage, 3 missing Chromium
// or npm packages.
"use strict";

const fs = require("fs");
const { launch, requireOrExplain } = require("./lib");

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

async function main() {
  const [url, file, from, to, warning] = process.argv.slice(2);
  if (!url || !file || from === undefined || to === undefined || !warning) {
    console.error("usage: node overlay-check.js <page URL> <content file> <from> <to> <warning>");
    process.exit(2);
  }
  requireOrExplain("axe-core");
  const b = await launch({ allow: new URL(url).origin + "/" });
  await b.context.addInitScript({ path: require.resolve("axe-core/axe.min.js") });
  const problems = [];
  const ok = (m) => console.log(`ok   ${m}`);
  const page = await b.context.newPage();
  page.on("pageerror", (e) => problems.push(`${page.url()}: ${e.message}`));
  const overlay = () =>
    page.evaluate(() => {
      const p = document.getElementById("assure-serve-problems");
      const shown = document.getElementById("assure-serve-problems-shown");
      return { text: p ? p.textContent : null, button: shown ? shown.textContent : null };
    });

  async function audit(what) {
    for (const width of [1280, 320]) {
      await page.setViewportSize({ width, height: 900 });
      const result = await page.evaluate(
        (tags) =>
          window.axe.run("#assure-serve-problems, #assure-serve-problems-shown", {
            runOnly: { type: "tag", values: tags },
            resultTypes: ["violations"],
          }),
        AXE_TAGS,
      );
      for (const v of result.violations) {
        problems.push(`axe at ${width}px on ${what}: ${v.id} ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join("; ")}`);
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  // 1. The site builds: its warnings are over the page.
  await page.goto(url);
  try {
    await page.waitForFunction(
      (w) => {
        const p = document.getElementById("assure-serve-problems");
        return p && p.textContent.includes(w);
      },
      warning,
      { timeout: 20000 },
    );
    const o = await overlay();
    if (!/\d+ warnings? in the content/.test(o.text)) problems.push(`the overlay does not count its warnings: ${o.text}`);
    if (/error/.test(o.text.split("in the content")[0])) problems.push(`a site that builds shows errors: ${o.text}`);
    ok("the warnings of a site that builds are over the page");
    await audit("the warnings");
  } catch (e) {
    problems.push(`no warning overlay showing ${JSON.stringify(warning)}: ${e.message.split("\n")[0]}`);
  }

  // 2. Hidden: a button brings it back; on the next page the same list stays hidden.
  await page.click("#assure-serve-problems button");
  let o = await overlay();
  if (o.text !== null || !o.button || !/^Show \d+ warnings?$/.test(o.button)) {
    problems.push(`Hide did not leave a "Show … warnings" button: ${JSON.stringify(o)}`);
  } else {
    ok(`hidden, the overlay leaves a button: "${o.button}"`);
  }
  await page.reload();
  await page.waitForTimeout(1500);
  o = await overlay();
  if (o.text !== null || !o.button) problems.push(`the hidden list came back on the next page: ${JSON.stringify(o)}`);
  else ok("a hidden list stays hidden on the next page");
  await page.click("#assure-serve-problems-shown");
  o = await overlay();
  if (!o.text || !o.text.includes(warning)) problems.push(`Show did not bring the list back: ${JSON.stringify(o)}`);
  else ok("the button brings the list back");

  // 3. An error: shown first, with the warnings still listed under it.
  const text = fs.readFileSync(file, "utf8");
  if (!text.includes(from)) problems.push(`${file} does not contain ${JSON.stringify(from)}`);
  fs.writeFileSync(file, text.replace(from, to));
  try {
    await page.waitForFunction(
      () => {
        const p = document.getElementById("assure-serve-problems");
        return p && /\d+ errors? and \d+ warnings? in the content/.test(p.textContent);
      },
      null,
      { timeout: 20000 },
    );
    o = await overlay();
    if (!o.text.includes(warning)) problems.push(`with an error the warnings are no longer listed: ${o.text}`);
    ok("an error is shown above the warnings");
    await audit("errors and warnings");
  } catch (e) {
    problems.push(`the error did not reach the overlay: ${e.message.split("\n")[0]}`);
  }

  await b.close();
  if (b.requests.length) problems.push(`requests left the server: ${b.requests.join(", ")}`);
  for (const p of problems) console.log(`FAIL ${p}`);
  if (!problems.length) console.log("ok   the overlay shows warnings as well as errors");
  process.exit(problems.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
