// Opens a page in headless Chromium at phone width (390 px), measures horizontal overflow,
// runs axe-core in it and saves a full-page screenshot.
// Usage: node status_page.mjs URL SCREENSHOT.png  → prints one JSON line:
//   {"scrollWidth", "clientWidth", "overflowing": [elements wider than the viewport],
//    "violations": [{"id", "impact", "help", "nodes": [html]}]}
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const [url, screenshot] = process.argv.slice(2);
if (!url || !screenshot) {
  console.error("usage: node status_page.mjs URL SCREENSHOT.png");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  // Root in a container has no user namespaces for Chromium's sandbox.
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  // The page's CSP (default-src 'none') rightly blocks scripts: bypass it for axe alone.
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    bypassCSP: true,
  });
  const page = await context.newPage();
  const response = await page.goto(url, { waitUntil: "load" });
  if (!response || response.status() !== 200) {
    throw new Error(`${url}: HTTP ${response ? response.status() : "no response"}`);
  }
  const layout = await page.evaluate(() => {
    const root = document.documentElement;
    const overflowing = [];
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.right > root.clientWidth + 0.5 || r.left < -0.5) {
        overflowing.push(`${el.tagName.toLowerCase()} ${Math.round(r.left)}..${Math.round(r.right)}`);
      }
    }
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, overflowing };
  });
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    return await axe.run(document, { resultTypes: ["violations"] });
  });
  await page.screenshot({ path: screenshot, fullPage: true });
  // What an employee sees first on the phone, before scrolling.
  await page.screenshot({ path: screenshot.replace(/\.png$/, "-top.png") });
  const violations = result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => n.html).slice(0, 5),
  }));
  console.log(JSON.stringify({ ...layout, violations }));
} finally {
  await browser.close();
}
