// What an inspector sees of a built site, in headless Chromium from file://:
//
//   node tests/browser/inspector-check.js <output>/site <status.json>
//
// <status.json> is `assure status --format json --audience <site audience>`.
// Checks, each reported as `ok` or `FAIL`:
//   - the dashboard's charts are there, each an SVG with an accessible name and
//     description, a sentence of its numbers and a table of them; their numbers, and
//     the dashboard's "N of D recommendations evidenced (P %)", equal `status`'s;
//   - one colour per meaning (SPEC §14.5): each status, state and RAG value has the same
//     colour on its tags as on the charts, blue is only for done, and "in progress" and
//     "partially met" differ;
//   - no page of the site scrolls sideways at 320 px (WCAG 1.4.10, reflow);
//   - search marks the words searched for in its results;
//   - printed (print media, as a PDF read back with pdftotext), the dashboard, a record
//     page, the matrix and the timeline carry the marking exactly once at the top and
//     once at the bottom of every page, the site's name and readiness date at the top,
//     and none of the screen's controls;
//   - the way around (issue "finding the way"): the recommendations list and the matrix
//     in groups by source review, newest first, every row under its own review; their
//     filters by source, status and evidence narrow the rows (the evidence filter to
//     status's unevidenced list) and are hidden, with every row shown, without script;
//     the dashboard's gaps above its charts; the timeline newest first with the
//     readiness date marked between what came after it and what came before; no two
//     pages with one title; and at 320 px no field label (summary list term, stacked
//     cell label, table heading) broken inside a word.
// Exit status: 0 all passed, 1 a check failed, 2 usage, 3 missing Chromium or npm packages.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { execFileSync } = require("child_process");
const { launch, siteUrl, htmlFiles } = require("./lib");

let failures = 0;
function check(cond, msg, detail) {
  if (cond) console.log(`ok   ${msg}`);
  else {
    failures++;
    console.log(`FAIL ${msg}${detail ? `: ${detail}` : ""}`);
  }
  return cond;
}

/** The label a raw value shows as (the site's one vocabulary): "in-progress" → "In progress". */
function label(raw) {
  if (raw === "empty") return "Nothing held";
  const spaced = raw.replace(/[-_]/g, " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

const STATES = ["withdrawn", "superseded", "draft", "empty", "changed", "expired", "stale", "current"];
const RAGS = ["red", "amber", "green", "blue"];

async function charts(ctx, siteDir, status) {
  const page = await ctx.newPage();
  await page.goto(siteUrl(siteDir, "index.html"));
  const found = await page.evaluate(() =>
    Array.from(document.querySelectorAll("div.chart"), (s) => {
      const svg = s.querySelector("svg[role=img]");
      const named = (attr) =>
        (svg?.getAttribute(attr) || "")
          .split(/\s+/)
          .filter(Boolean)
          .map((id) => document.getElementById(id)?.textContent.trim() || "");
      const rows = Array.from(s.querySelectorAll("table tbody tr"), (tr) =>
        Array.from(tr.children, (c) => c.textContent.trim()),
      );
      return {
        id: s.id.replace(/^chart-/, ""),
        names: named("aria-labelledby"),
        summary: s.querySelector(".chart-summary")?.textContent.trim() || "",
        head: Array.from(s.querySelectorAll("table thead th"), (c) => c.textContent.trim()),
        rows,
        visibleSummary: !!s.querySelector(".chart-summary")?.offsetParent,
      };
    }),
  );
  const byId = Object.fromEntries(found.map((c) => [c.id, c]));
  for (const id of ["readiness", "actions-by-rag", "evidence-by-state", "recommendations-by-review", "timeline"]) {
    const c = byId[id];
    if (!check(c, `the dashboard has the ${id} chart`)) continue;
    check(
      c.names.length === 2 && c.names.every((n) => n.length > 0),
      `the ${id} chart's SVG has an accessible name and description`,
      JSON.stringify(c.names),
    );
    check(c.visibleSummary && c.summary.length > 0, `the ${id} chart's numbers are in a visible sentence`);
    check(c.rows.length > 0 && c.head.every((h) => h.length > 0), `the ${id} chart has a table of its numbers with headings`);
  }
  const count = (c, rowLabel) => {
    const row = c && c.rows.find((r) => r[0] === rowLabel);
    return row ? Number(row[1]) : NaN;
  };
  const r = byId.readiness;
  if (r) {
    const sum = r.rows.reduce((n, row) => n + Number(row[1]), 0);
    // Three parts (SPEC §14.3): met and evidenced; evidenced, not yet met; not evidenced.
    const rd = status.readiness;
    check(
      count(r, "Met and evidenced") === rd.met_evidenced &&
        count(r, "Evidenced, not yet met") === rd.evidenced - rd.met_evidenced &&
        count(r, "Not evidenced") === rd.counted - rd.evidenced &&
        sum === rd.counted,
      `the readiness chart shows ${rd.met_evidenced} met and evidenced and ${rd.evidenced} evidenced of ${rd.counted}, as status does`,
      JSON.stringify(r.rows),
    );
  }
  const rag = byId["actions-by-rag"];
  if (rag) {
    const wrong = RAGS.filter((k) => count(rag, label(k)) !== (status.actions.by_rag[k] || 0));
    check(wrong.length === 0, "the RAG chart's numbers are status's", `differ: ${wrong} in ${JSON.stringify(rag.rows)}`);
  }
  const st = byId["evidence-by-state"];
  if (st) {
    const wrong = STATES.filter((k) => count(st, label(k)) !== (status.evidence.by_state[k] || 0));
    check(wrong.length === 0, "the evidence-state chart's numbers are status's", `differ: ${wrong}`);
  }
  const rev = byId["recommendations-by-review"];
  if (rev) {
    const total = rev.rows.reduce((n, row) => n + Number(row[row.length - 1]), 0);
    const want = Object.values(status.recommendations.by_status).reduce((a, b) => a + b, 0);
    check(total === want, `the recommendations-by-review chart counts ${want} recommendations, as status does`, `${total}`);
    for (const [s, n] of Object.entries(status.recommendations.by_status)) {
      const col = rev.head.indexOf(label(s));
      const sum = col < 0 ? NaN : rev.rows.reduce((m, row) => m + Number(row[col]), 0);
      check(sum === n, `the recommendations-by-review chart has ${n} ${s}`, `${sum}`);
    }
  }
  const figure = await page.evaluate(() => document.querySelector(".readiness-figure")?.textContent.replace(/\s+/g, " ").trim());
  const pct = (p) => (p === null ? "n/a" : p.toFixed(1) + " %");
  const rd = status.readiness;
  const sentence =
    `${rd.met_evidenced} of ${rd.counted} recommendations met and evidenced (${pct(rd.met_evidenced_percent)}); ` +
    `${rd.evidenced} of ${rd.counted} have current evidence (${pct(rd.percent)})`;
  check(figure === sentence, "the dashboard says both headline figures with status's figures", figure);
  await page.close();
}

// On a 390 px phone every chart's smallest text is still 9.5 px or more once the drawing
// is scaled to the screen (at 400 units wide the numbers were 8.5 px).
/** The drawing colour of "blue", which means done and nothing else (SPEC §14.5). */
const BLUE = "rgb(15, 74, 136)";
const DONE = ["Met", "Complete", "Blue", "Met and evidenced"];

/**
 * One colour per meaning (SPEC §14.5): on the dashboard and the lists, every status,
 * state and RAG value has one colour, the same on its tags (their coloured edge) as on
 * the charts' bars and legend swatches; blue is only for done; "In progress" and
 * "Partially met" differ.
 */
async function colours(ctx, siteDir) {
  const seen = {};
  // The Indicators and Risks pages (SPEC §14.9) where the content has them.
  const lists = ["index.html", "recommendations/index.html", "actions/index.html", "evidence/index.html", "indicators/index.html", "risks/index.html"];
  for (const file of lists.filter((f) => fs.existsSync(path.join(siteDir, f)))) {
    const page = await ctx.newPage();
    await page.goto(siteUrl(siteDir, file));
    const pairs = await page.evaluate(() => {
      const out = [];
      for (const t of document.querySelectorAll(".tag")) {
        out.push(["tag", t.textContent.trim(), getComputedStyle(t).borderLeftColor]);
      }
      const rgb = (hex) => {
        const n = parseInt(hex.slice(1), 16);
        return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
      };
      for (const chart of document.querySelectorAll("div.chart")) {
        const svg = chart.querySelector("svg");
        if (!svg) continue;
        // Charts of one bar per value draw its label, then its bar.
        const bars = ["chart-actions-by-rag", "chart-evidence-by-state"].includes(chart.id);
        const kids = Array.from(svg.children);
        kids.forEach((el, i) => {
          const next = kids[i + 1];
          if (!next) return;
          // A bar: its label, then its rect. A legend swatch: a 10 by 10 rect, then its label.
          if (bars && el.tagName === "text" && next.tagName === "rect") {
            out.push(["chart", el.textContent.trim(), rgb(next.getAttribute("fill"))]);
          } else if (el.tagName === "rect" && el.getAttribute("width") === "10" && next.tagName === "text") {
            out.push(["chart", next.textContent.trim().replace(/: \d+$/, ""), rgb(el.getAttribute("fill"))]);
          }
        });
      }
      return out;
    });
    for (const [where, label, colour] of pairs) {
      (seen[label] = seen[label] || new Set()).add(`${colour}`);
      (seen[`${label} (${where})`] = seen[`${label} (${where})`] || new Set()).add(colour);
    }
    await page.close();
  }
  const both = Object.keys(seen).filter((k) => seen[`${k} (tag)`] && seen[`${k} (chart)`]);
  check(both.length >= 3, `tags and charts share values to compare (${both.join(", ")})`, both.join(", "));
  const mixed = Object.keys(seen)
    .filter((k) => !k.endsWith(")") && seen[k].size !== 1)
    .map((k) => `${k}: ${[...seen[k]].join(" / ")}`);
  check(mixed.length === 0, "each status, state and RAG value has one colour on tags and charts", mixed.join("; "));
  const blue = Object.keys(seen).filter((k) => !k.endsWith(")") && seen[k].has(BLUE) && !DONE.includes(k));
  check(blue.length === 0, "blue means done and nothing else", blue.join(", "));
  const one = (k) => seen[k] && [...seen[k]][0];
  check(
    !(one("In progress") && one("Partially met")) || one("In progress") !== one("Partially met"),
    "“In progress” and “Partially met” have different colours",
    `${one("In progress")} / ${one("Partially met")}`,
  );
}

async function chartTextOnAPhone(ctx, siteDir) {
  const page = await ctx.newPage();
  await page.setViewportSize({ width: 390, height: 800 });
  // The dashboard's charts, the risk grid and each indicator's chart, where there are any.
  const indicators = fs.existsSync(path.join(siteDir, "indicators"))
    ? fs.readdirSync(path.join(siteDir, "indicators")).map((f) => `indicators/${f}`)
    : [];
  const pages = ["index.html", "risks/index.html", ...indicators].filter((f) => fs.existsSync(path.join(siteDir, f)));
  const sizes = [];
  for (const rel of pages) {
    await page.goto(siteUrl(siteDir, rel));
    const found = await page.evaluate(() =>
      Array.from(document.querySelectorAll("svg.chart-svg"), (svg) => {
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        const texts = Array.from(svg.querySelectorAll("text"), (t) => parseFloat(t.getAttribute("font-size")));
        const smallest = texts.length ? Math.min(...texts) : Infinity;
        return { id: svg.id || svg.getAttribute("aria-labelledby"), px: smallest * scale };
      }),
    );
    sizes.push(...found.map((s) => ({ ...s, id: `${rel} ${s.id}` })));
  }
  const small = sizes.filter((s) => !(s.px >= 9.5)).map((s) => `${s.id}: ${s.px.toFixed(1)} px`);
  check(sizes.length > 0 && small.length === 0, "chart text is 9.5 px or more at 390 px", small.join("; "));
  await page.close();
}

async function reflow(ctx, siteDir) {
  const pages = htmlFiles(siteDir);
  const queue = pages.slice();
  const wide = [];
  const broken = [];
  const labelBreaks = [];
  async function worker() {
    const page = await ctx.newPage();
    await page.setViewportSize({ width: 320, height: 800 });
    for (let rel = queue.shift(); rel !== undefined; rel = queue.shift()) {
      await page.goto(siteUrl(siteDir, rel));
      const over = await page.evaluate(() => {
        const d = document.documentElement;
        const o = d.scrollWidth - d.clientWidth;
        if (o <= 0) return null;
        // The widest element, to say what overflows.
        let worst = null;
        for (const el of document.querySelectorAll("body *")) {
          const r = el.getBoundingClientRect();
          if (r.right > d.clientWidth + 0.5 && (!worst || r.right > worst.right)) {
            worst = { right: r.right, what: el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ")[0] : "") };
          }
        }
        return `${o}px too wide (${worst ? worst.what : "?"})`;
      });
      if (over) wide.push(`${rel}: ${over}`);
      // A heading's ordinary words (up to 16 letters) are never split inside a word
      // ("Recommendatio / ns" at 320 px once), nor a gap card's number ("1 / 5" once).
      const split = await page.evaluate(() => {
        const out = [];
        for (const h of document.querySelectorAll("h1, h2, .gap-number")) {
          const walker = document.createTreeWalker(h, NodeFilter.SHOW_TEXT);
          for (let t = walker.nextNode(); t; t = walker.nextNode()) {
            // Words between spaces and hyphens (a line may break after a hyphen).
            const re = /[^\s\-\u2010-\u2014]+/g;
            for (let m = re.exec(t.data); m; m = re.exec(t.data)) {
              if (m[0].length > 16) continue;
              const r = document.createRange();
              r.setStart(t, m.index);
              r.setEnd(t, m.index + m[0].length);
              const tops = new Set([...r.getClientRects()].map((q) => Math.round(q.top)));
              if (tops.size > 1) out.push(m[0]);
            }
          }
        }
        return out;
      });
      if (split.length) broken.push(`${rel}: ${split.join(", ")}`);
      // Field labels: a term of a summary list, a table heading, and the label a stacked
      // cell shows before its value (drawn by CSS, so measured: its longest word against
      // the width it was given) — "Addresse / s" at 320 px once.
      const labels = await page.evaluate(() => {
        const out = [];
        const wordsOf = (text) => (text.match(/[^\s\-\u2010-\u2014]+/g) || []).filter((w) => w.length <= 16);
        // What shows: not the tables of a chart's numbers folded in a closed <details>.
        const shown = (el) => el.getClientRects().length > 0 && !el.closest("details:not([open])");
        // Row headings in a table body are the author's words (a judgement's area), not
        // field labels: a long one may have to break.
        for (const el of document.querySelectorAll("dt, thead th")) {
          if (!shown(el)) continue;
          const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
          for (let t = walker.nextNode(); t; t = walker.nextNode()) {
            const re = /[^\s\-\u2010-\u2014]+/g;
            for (let m = re.exec(t.data); m; m = re.exec(t.data)) {
              if (m[0].length > 16) continue;
              const r = document.createRange();
              r.setStart(t, m.index);
              r.setEnd(t, m.index + m[0].length);
              const tops = new Set([...r.getClientRects()].map((q) => Math.round(q.top)));
              if (tops.size > 1) out.push(m[0]);
            }
          }
        }
        const canvas = document.createElement("canvas").getContext("2d");
        for (const td of document.querySelectorAll("td[data-label]")) {
          if (!shown(td)) continue;
          const st = getComputedStyle(td, "::before");
          if (st.content === "none" || st.display === "none") continue;
          const width = parseFloat(st.width);
          if (!(width > 0)) continue;
          canvas.font = `${st.fontWeight} ${st.fontSize} ${st.fontFamily}`;
          for (const w of wordsOf(td.getAttribute("data-label"))) {
            if (canvas.measureText(w).width > width + 0.5) out.push(w);
          }
        }
        return [...new Set(out)];
      });
      if (labels.length) labelBreaks.push(`${rel}: ${labels.join(", ")}`);
    }
    await page.close();
  }
  await Promise.all([worker(), worker()]);
  check(wide.length === 0, `none of the ${pages.length} pages scrolls sideways at 320 px`, wide.slice(0, 8).join("; "));
  check(broken.length === 0, `no heading or gap number splits a word at 320 px`, broken.slice(0, 8).join("; "));
  check(labelBreaks.length === 0, `no field label splits a word at 320 px`, labelBreaks.slice(0, 8).join("; "));
}

/** The groups of a grouped table: each group's review ID and its rows' `data-source`. */
async function groups(page, table) {
  return page.evaluate((sel) =>
    Array.from(document.querySelectorAll(`${sel} tbody`), (body) => {
      const head = body.querySelector("tr.group-head");
      return {
        id: head?.querySelector(".id")?.textContent.trim() || "",
        rows: Array.from(body.querySelectorAll("tr:not(.group-head)"), (r) => r.getAttribute("data-source") || ""),
      };
    }), table);
}

async function wayAround(ctx, siteDir, status) {
  const records = JSON.parse(fs.readFileSync(path.join(siteDir, "..", "data", "records.json"), "utf8")).records;
  const byId = Object.fromEntries(records.map((r) => [r.id, r]));
  const recs = records.filter((r) => r.type === "recommendation");
  // Sources in the order an inspector asks about them: the newest review first.
  const day = (d) => (d ? String(d).padEnd(10, "-00").replace(/-00$/, "-01") : "");
  const sourceOf = (r) => (r.source && r.source.id) || "";
  const sources = [...new Set(recs.map(sourceOf).filter((s) => byId[s]))].sort(
    (a, b) => day(byId[b].date).localeCompare(day(byId[a].date)),
  );
  const page = await ctx.newPage();
  for (const [rel, table] of [["recommendations/index.html", "#records-table"], ["matrix.html", "#matrix-table"]]) {
    await page.goto(siteUrl(siteDir, rel));
    const got = await groups(page, table);
    const ids = got.map((g) => g.id).filter(Boolean);
    check(
      JSON.stringify(ids) === JSON.stringify(sources),
      `${rel} groups recommendations by source review, newest first`,
      `${ids.join(", ")} (want ${sources.join(", ")})`,
    );
    const strays = got.filter((g) => g.id && g.rows.some((s) => s !== g.id)).map((g) => g.id);
    const rows = got.reduce((n, g) => n + g.rows.length, 0);
    check(strays.length === 0 && rows === recs.length, `${rel}: every recommendation (${recs.length}) under its own review`, `${rows} rows; strays in ${strays}`);
    // The filters: one source, then not evidenced, then a status.
    const count = () => page.evaluate((sel) => document.querySelectorAll(`${sel} tbody tr:not(.group-head):not([hidden])`).length, table);
    const heads = () => page.evaluate((sel) => Array.from(document.querySelectorAll(`${sel} tr.group-head:not([hidden]) .id`), (e) => e.textContent.trim()), table);
    const filtersShown = await page.evaluate(() => !!document.querySelector(".filters") && !document.querySelector(".filters").hidden);
    check(filtersShown, `${rel} shows its filters when script runs`);
    if (sources.length > 0) {
      const one = sources[sources.length - 1];
      await page.selectOption("#filter-source", one);
      const n = await count();
      const want = recs.filter((r) => sourceOf(r) === one).length;
      const shownHeads = await heads();
      check(n === want && JSON.stringify(shownHeads) === JSON.stringify([one]), `${rel}: the source filter shows the ${want} of ${one} under its heading alone`, `${n} rows; headings ${shownHeads}`);
      await page.selectOption("#filter-source", "");
    }
    // The filter offers only the values some row has: none unevidenced, no such choice.
    const offered = await page.evaluate(() => !!document.querySelector('#filter-evidence option[value="not-evidenced"]'));
    if (offered) await page.selectOption("#filter-evidence", "not-evidenced");
    const unevidenced = offered ? await count() : 0;
    check(unevidenced === status.unevidenced.length, `${rel}: the evidence filter “Not evidenced” shows status's ${status.unevidenced.length} unevidenced`, `${unevidenced}`);
    if (offered) await page.selectOption("#filter-evidence", "");
    const statuses = Object.entries(status.recommendations.by_status).filter(([, n]) => n > 0);
    if (statuses.length > 0) {
      const [st, n] = statuses[0];
      await page.selectOption("#filter-status", st);
      check((await count()) === n, `${rel}: the status filter “${label(st)}” shows status's ${n}`);
      await page.selectOption("#filter-status", "");
    }
    check((await count()) === recs.length, `${rel}: “All” shows every recommendation again`);
    // Without script: no filters to see, and every row there.
    const html = fs.readFileSync(path.join(siteDir, rel), "utf8");
    check(/<div class="filters"[^>]*\bhidden\b/.test(html) && !/<tr[^>]*\bhidden\b/.test(html), `${rel} without script shows every row and no dead filters`);
  }

  // The dashboard: the gaps before the charts.
  await page.goto(siteUrl(siteDir, "index.html"));
  const tops = await page.evaluate(() => ({
    gaps: document.getElementById("gap-unevidenced")?.getBoundingClientRect().top,
    charts: document.querySelector("section.charts")?.getBoundingClientRect().top,
  }));
  check(tops.gaps !== undefined && (tops.charts === undefined || tops.gaps < tops.charts), "the dashboard's gaps come before its charts", JSON.stringify(tops));

  // The timeline: newest first, the readiness date between after and before.
  await page.goto(siteUrl(siteDir, "timeline.html"));
  const items = await page.evaluate(() =>
    Array.from(document.querySelectorAll("ol.timeline > li"), (li) =>
      li.classList.contains("as-of") ? "AS-OF" : (li.querySelector(".event-body a")?.getAttribute("href") || "").replace(/^.*\//, "").replace(/\.html$/, ""),
    ),
  );
  const events = records.filter((r) => r.type === "event");
  const slugOf = (r) => (r.page || "").replace(/^.*\//, "").replace(/\.html$/, "");
  const dateOf = Object.fromEntries(events.map((e) => [slugOf(e), day(e.date)]));
  const dates = items.filter((i) => i !== "AS-OF").map((i) => dateOf[i]);
  const sorted = dates.every((d, n) => n === 0 || dates[n - 1] >= d);
  check(dates.length === events.length && sorted, `the timeline lists its ${events.length} events newest first`, dates.slice(0, 6).join(", "));
  const at = items.indexOf("AS-OF");
  const asOf = status.as_of;
  const above = items.slice(0, at).map((i) => dateOf[i]);
  const below = items.slice(at + 1).map((i) => dateOf[i]);
  check(
    items.filter((i) => i === "AS-OF").length === 1 && above.every((d) => d > asOf) && below.every((d) => d <= asOf),
    "the timeline marks the readiness date once, later events above it and the rest below",
    `at ${at} of ${items.length}`,
  );
  await page.close();

  // Every page has a title of its own.
  const seen = new Map();
  for (const rel of htmlFiles(siteDir)) {
    const t = (fs.readFileSync(path.join(siteDir, rel), "utf8").match(/<title>([^<]*)<\/title>/) || [])[1];
    seen.set(t, (seen.get(t) || []).concat(rel));
  }
  const shared = [...seen.entries()].filter(([, pages]) => pages.length > 1).map(([t, pages]) => `“${t}”: ${pages.join(", ")}`);
  check(shared.length === 0, "no two pages share a title", shared.slice(0, 5).join("; "));
}

async function printing(ctx, siteDir, marking, title) {
  const records = JSON.parse(fs.readFileSync(path.join(siteDir, "..", "data", "records.json"), "utf8")).records;
  const rec = records.find((r) => r.type === "recommendation") || records[0];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "assure-print-"));
  const page = await ctx.newPage();
  for (const rel of ["index.html", rec.page.replace(/^site\//, ""), "matrix.html", "timeline.html"]) {
    await page.goto(siteUrl(siteDir, rel));
    await page.emulateMedia({ media: "print" });
    const pdf = path.join(tmp, "page.pdf");
    await page.pdf({ path: pdf, format: "A4", displayHeaderFooter: false });
    const text = execFileSync("pdftotext", ["-layout", pdf, "-"], { encoding: "utf8" });
    const sheets = text.split("\f").filter((t) => t.trim());
    const bad = [];
    sheets.forEach((sheet, n) => {
      const lines = sheet.split("\n").map((l) => l.trim()).filter(Boolean);
      const marks = lines.filter((l) => l === marking || l.startsWith(marking + " ") || l.endsWith(" " + marking)).length;
      const all = (sheet.match(new RegExp(`(^|[^-A-Z])${marking}($|[^-A-Z])`, "gm")) || []).length;
      if (lines[0] !== marking) bad.push(`page ${n + 1} starts with “${lines[0]}”`);
      if (!lines.slice(-2).some((l) => l === marking || l.startsWith(marking + " ") || l.endsWith(" " + marking)))
        bad.push(`page ${n + 1} ends with “${lines.slice(-2).join(" / ")}”`);
      if (marks !== 2 || all !== 2) bad.push(`page ${n + 1} shows the marking ${all} times`);
    });
    const first = sheets[0] || "";
    const flat = (t) => t.replace(/\s+/g, " ");
    if (!flat(first).includes(flat(title).slice(0, 20))) bad.push("no site name on the first page");
    if (!/Readiness\s+date:\s+\d/.test(first)) bad.push("no readiness date on the first page");
    for (const screenOnly of ["Skip to main content", "Sort by", "Search by ID", "Show only recommendations"]) {
      if (text.includes(screenOnly)) bad.push(`prints the screen's “${screenOnly}”`);
    }
    check(bad.length === 0, `printed, ${rel} (${sheets.length} pages) carries ${marking} once at the top and once at the bottom of each page`, bad.join("; "));
    await page.emulateMedia({ media: "screen" });
  }
  await page.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}

/** Search marks the words searched for in titles and excerpts. */
async function searchMarks(ctx, siteDir) {
  const records = JSON.parse(fs.readFileSync(path.join(siteDir, "..", "data", "records.json"), "utf8")).records;
  const rec = records.find((r) => r.type === "recommendation") || records[0];
  const word = rec.title.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 5).sort((a, b) => b.length - a.length)[0];
  if (!word) return;
  const page = await ctx.newPage();
  await page.goto(siteUrl(siteDir, `search.html?q=${encodeURIComponent(word.toLowerCase())}`));
  await page.waitForSelector("#search-results li");
  const marks = await page.evaluate(() => Array.from(document.querySelectorAll("#search-results mark"), (m) => m.textContent.toLowerCase()));
  check(marks.length > 0 && marks.every((m) => m === word.toLowerCase()), `search marks “${word.toLowerCase()}” in its results`, JSON.stringify(marks.slice(0, 5)));
  await page.close();
}

async function main() {
  const [siteDir, statusFile] = process.argv.slice(2);
  if (!siteDir || !statusFile || !fs.existsSync(path.join(siteDir, "index.html"))) {
    console.error("usage: node inspector-check.js <site dir> <status.json>");
    process.exit(2);
  }
  const status = JSON.parse(fs.readFileSync(statusFile, "utf8"));
  const index = fs.readFileSync(path.join(siteDir, "index.html"), "utf8");
  const marking = (index.match(/<div class="marking marking-top[^"]*"[^>]*>([^<]+)<\/div>/) || [])[1];
  const title = (index.match(/<a class="site-title"[^>]*>([^<]+)<\/a>/) || [])[1] || "";
  const b = await launch();
  try {
    await charts(b.context, siteDir, status);
    await colours(b.context, siteDir);
    await reflow(b.context, siteDir);
    await chartTextOnAPhone(b.context, siteDir);
    await searchMarks(b.context, siteDir);
    await wayAround(b.context, siteDir, status);
    const decoded = title
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, "&");
    await printing(b.context, siteDir, marking, decoded);
  } finally {
    await b.close();
  }
  check(b.requests.length === 0, "no request left file://", b.requests.join(", "));
  console.log(failures === 0 ? "all checks passed" : `${failures} check(s) failed`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
