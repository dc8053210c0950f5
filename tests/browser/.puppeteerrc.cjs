// pa11y drives Chromium through puppeteer: use the system Chromium, never download one.
module.exports = { skipDownload: true };
