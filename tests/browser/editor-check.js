// The browser editor of `assure serve` (SPEC §14.8) in headless Chromium, as an author
// uses it: opens the printed address (token → cookie), edits an action's status and a
// relation and saves, sees the page and the dashboard change; creates an action;
// uploads evidence with a sign-off and sees it locked; has a save refused after the
// file changed on disk; sees errors at the field. axe-core must find no violations on
// any form page, at 1280 px and at 320 px (where nothing may overflow).
//
//   node tests/browser/editor-check.js <address with ?token=…> <content folder>
//
// Exit status: 0 passed, 1 failed, 2 usage, 3 missing Chromium or npm packages.
"use strict";

const fs = require("fs");
const path = require("path");
const { launch, requireOrExplain } = require("./lib");

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

async function main() {
  const [address, content] = process.argv.slice(2);
  if (!address || !content) {
    console.error("usage: node editor-check.js <address with ?token=…> <content folder>");
    process.exit(2);
  }
  requireOrExplain("axe-core");
  const origin = new URL(address).origin;
  const b = await launch({ allow: origin + "/" });
  await b.context.addInitScript({ path: require.resolve("axe-core/axe.min.js") });
  const problems = [];
  const ok = (m) => console.log(`ok   ${m}`);
  const page = await b.context.newPage();
  page.on("pageerror", (e) => problems.push(`${page.url()}: ${e.message}`));

  async function audit(what) {
    for (const width of [1280, 320]) {
      await page.setViewportSize({ width, height: 900 });
      const result = await page.evaluate(
        (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }),
        AXE_TAGS,
      );
      for (const v of result.violations) {
        problems.push(`axe at ${width}px on ${what}: ${v.id} ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join("; ")}`);
      }
      const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (width < 600 && over > 0) problems.push(`${what} is ${over}px wider than a ${width}px screen`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  async function waitForText(url, text, what) {
    for (let i = 0; i < 100; i++) {
      await page.goto(url);
      if ((await page.textContent("body")).includes(text)) return true;
      await page.waitForTimeout(200);
    }
    problems.push(`${what}: ${url} never showed ${JSON.stringify(text)}`);
    return false;
  }

  // The printed address: the token goes into a cookie, the address loses it.
  await page.goto(address);
  if (page.url().includes("token=")) problems.push(`the token stays in the address: ${page.url()}`);

  // Edit an action: status and a relation, by keyboard where it matters.
  const dashboardBefore = await (await page.goto(origin + "/")).text();
  await page.goto(origin + "/actions/act-01.html");
  await page.click("text=Edit this action");
  await page.waitForSelector("form");
  await audit("the edit form of act-01");
  await page.selectOption("#f-status", "complete");
  await page.focus("#f-related-ev-01");
  await page.keyboard.press("Space");
  await page.click("button[value=save]");
  if (await waitForText(origin + "/actions/act-01.html", "Complete", "the saved action")) ok("the action's page shows the new status");
  const text = fs.readFileSync(path.join(content, "actions/act-01.md"), "utf8");
  if (!/^status: complete$/m.test(text) || !/^related: \[ev-01\]$/m.test(text)) problems.push(`act-01.md was not written as edited:\n${text}`);
  let changed = false;
  for (let i = 0; i < 50 && !changed; i++) {
    changed = (await (await page.goto(origin + "/")).text()) !== dashboardBefore;
    if (!changed) await page.waitForTimeout(200);
  }
  if (changed) ok("the dashboard changed with the save");
  else problems.push("the dashboard did not change after the save");

  // Errors at the field, with a summary linking to it.
  await page.goto(origin + "/__assure/edit/actions/act-01");
  await page.fill("#f-due", "2014-13-45");
  await page.click("button[value=save]");
  await page.waitForSelector(".error-summary");
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.className);
  if (focused !== "error-summary") problems.push(`the error summary is not focused (${focused})`);
  if (!(await page.$(".error-summary a[href='#f-due']"))) problems.push("the error summary does not link to the due field");
  await audit("the edit form with an error");

  // A new action, by the rules of `assure new`.
  await page.goto(origin + "/actions/index.html");
  await page.click("text=New action");
  await page.waitForSelector("#f-title");
  await audit("the new action form");
  await page.fill("#f-title", "Audit fifty case files");
  await page.click("button[type=submit]");
  await page.waitForSelector("#f-owner");
  await page.fill("#f-owner", "Head of Quality");
  await page.click("button[value=save]");
  if (await waitForText(origin + "/actions/act-02.html", "Head of Quality", "the new action")) ok("a new action was created and edited");

  // Evidence: upload a document, signed off; it is named, hashed and shown.
  await page.goto(origin + "/__assure/edit/evidence/ev-01");
  await audit("the evidence form");
  await page.setInputFiles("#f-upload", { name: "Board minutes.txt", mimeType: "text/plain", buffer: Buffer.from("Minutes of the board.\n") });
  await page.fill("#f-signed_off-by", "Performance Board");
  await page.fill("#f-signed_off-on", "2026-01-14");
  await page.click("button[value=save]");
  const ev = () => fs.readFileSync(path.join(content, "evidence/ev-01.md"), "utf8");
  if (await waitForText(origin + "/evidence/ev-01.html", "board-minutes.txt", "the uploaded evidence")) {
    const t = ev();
    if (/^file: evidence\/files\/board-minutes\.txt$/m.test(t) && /^sha256: [0-9a-f]{64}$/m.test(t) && /^signed_off: \{by: Performance Board, on: 2026-01-14\}$/m.test(t)) {
      ok("the upload was saved, named in file:, locked and signed off");
    } else {
      problems.push(`ev-01.md after the upload:\n${t}`);
    }
  }

  // A conflicting edit on disk: the save is refused and both versions are shown.
  await page.goto(origin + "/__assure/edit/actions/act-01");
  const file = path.join(content, "actions/act-01.md");
  fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("Principal Social Worker", "Someone Else"));
  await page.fill("#f-owner", "My Edit");
  await page.click("button[value=save]");
  const heading = await page.textContent("h1");
  if (!/Not saved/.test(heading)) problems.push(`a conflicting save was not refused: ${heading}`);
  else if (!(await page.textContent("body")).includes("Someone Else")) problems.push("the refused save does not show the file as it is now");
  else ok("a save after a change on disk is refused, showing both versions");
  await audit("the conflict page");
  if (fs.readFileSync(file, "utf8").includes("My Edit")) problems.push("the conflicting save was written");

  await b.close();
  if (b.requests.length) problems.push(`requests left the server: ${b.requests.join(", ")}`);
  for (const p of problems) console.log(`FAIL ${p}`);
  if (!problems.length) console.log("ok   the editor works in Chromium, with no axe violations");
  process.exit(problems.length ? 1 : 0);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
