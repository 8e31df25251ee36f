// Remakes the screenshots in docs/ from the pages the tests make (docs/html.md):
//   tests/html/browser/run_browser_test.sh tests/html/browser/docs_screenshots.mjs build/tests/html/work
// then copy WORK/docs/*.png to docs/. Not a test.
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, openReport } from './harness.mjs';
import { chooseLayer, tokenChip, movePointerAway } from './page_actions.mjs';

const work = process.argv[2];
const out = path.join(work, 'docs');
fs.mkdirSync(out, { recursive: true });
const { browser, close } = await launchBrowser();

// Everything above the footer, as wide as the content.
async function shoot(page, name) {
  const clip = await page.evaluate(() => {
    const runs = [...document.querySelectorAll('.run')].map((r) => r.getBoundingClientRect());
    const right = Math.max(document.querySelector('#controls').getBoundingClientRect().right, ...runs.map((r) => r.right));
    const bottom = Math.max(...runs.map((r) => r.bottom));
    return { x: 0, y: 0, width: Math.ceil(right + 12), height: Math.ceil(bottom + 10) };
  });
  await page.screenshot({ path: path.join(out, name), clip });
}

{
  const { page } = await openReport(browser, path.join(work, 'single', 'report.html'), { width: 1100, height: 640 });
  await chooseLayer(page, 'layer 12');
  await page.click('#log-toggle');
  await (await tokenChip(page, 0, 7)).hover();  // the answer, "blue"
  await shoot(page, 'html-report.png');
}
{
  const { page } = await openReport(browser, path.join(work, 'budgets', 'report.html'), { width: 1720, height: 900 });
  await movePointerAway(page);
  await shoot(page, 'html-report-budgets.png');
}
await close();
