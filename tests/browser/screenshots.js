// Design review aid (not run by the tests): full-page screenshots of the main page kinds
// at desktop and phone widths.
//
//   node tests/browser/screenshots.js <site dir> <out dir> [page.html ...]
"use strict";

const fs = require("fs");
const path = require("path");
const { launch, siteUrl } = require("./lib");

const DEFAULT_PAGES = [
  "index.html",
  "recommendations/ofsted-2012-r1.html",
  "matrix.html",
  "timeline.html",
  "actions/index.html",
];

async function main() {
  const [siteDir, outDir, ...pages] = process.argv.slice(2);
  if (!siteDir || !outDir) {
    console.error("usage: node screenshots.js <site dir> <out dir> [page.html ...]");
    process.exit(2);
  }
  fs.mkdirSync(outDir, { recursive: true });
  for (const width of [1280, 390]) {
    const b = await launch({ viewport: { width, height: 900 } });
    const page = await b.context.newPage();
    for (const rel of pages.length ? pages : DEFAULT_PAGES) {
      await page.goto(siteUrl(siteDir, rel));
      const name = `${rel.replace(/[/?=&]/g, "_").replace(/\.html/, "")}-${width}.png`;
      await page.screenshot({ path: path.join(outDir, name), fullPage: true });
      // Tall pages also in slices, small enough to read at full size.
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      const slice = width < 600 ? 1000 : 1400;
      for (let y = 0, n = 1; height > slice * 1.2 && y < height; y += slice, n++) {
        const clip = { x: 0, y, width, height: Math.min(slice, height - y) };
        await page.screenshot({ path: path.join(outDir, name.replace(".png", `-part${n}.png`)), fullPage: true, clip });
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      console.log(`${name}${overflow > 0 ? `  (page overflows by ${overflow}px)` : ""}`);
    }
    await b.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
