// Reports with several columns in chromium: five visual-token budgets of one model, and
// two models, against the attnviz JSON they were made from. node test_multi.mjs WORK
import fs from 'node:fs';
import path from 'node:path';
import { Checks, launchBrowser, openReport, brightestPatch, screenshot, readJson } from './harness.mjs';
import { chooseLayer, showMapOnly, movePointerAway, overlayPixels, tokenChip, caption } from './page_actions.mjs';

const work = process.argv[2];
const shots = path.join(work, 'screenshots');
const checks = new Checks();
const { browser, close } = await launchBrowser();

const quoted = (s) => '\u201c' + s + '\u201d';
const samePatch = (a, b) => a[0] === b[0] && a[1] === b[1];
const argmax = (values) => values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
// The maximum of a row of a layer's matrix over the image tokens, on the patch grid.
function rowPeak(layer, row) {
  const { offset, count, grid } = layer.image_tokens;
  const at = argmax(layer.matrix[row].slice(offset, offset + count));
  return [Math.floor(at / grid[1]), at % grid[1]];
}

async function checkPage(name, file, result, viewport) {
  const size = fs.statSync(file).size;
  checks.ok(size < 5e6, `${name}: the report of ${result.runs.length} columns is under 5 MB (${size} bytes)`);
  const { page, problems } = await openReport(browser, file, viewport);
  const runs = result.runs;
  const titles = await page.$$eval('.run h2', (hs) => hs.map((h) => h.textContent));
  checks.ok(JSON.stringify(titles) === JSON.stringify(runs.map((r) => (r.answer ? quoted(r.answer) : '(no answer)'))),
    `${name}: one column per run, left to right, titled with its answer (${titles.join(' | ')})`);
  const subtitles = await page.$$eval('.run .sub', (s) => s.map((e) => e.textContent));
  checks.ok(runs.every((r, i) => subtitles[i].startsWith(r.model.name) && subtitles[i].includes('budget ' + r.input.budget)),
    `${name}: each column names its model and budget`);
  await screenshot(page, shots, name + '-default');

  // attnviz's query, in every column: the brightest patch is that run's map peak.
  await showMapOnly(page);
  for (const index of [3, 12]) {
    await chooseLayer(page, 'layer ' + index);
    for (let r = 0; r < runs.length; ++r) {
      const layer = runs[r].layers.find((l) => l.index === index);
      if (!layer.map || layer.map.image_mass < 0.5) continue;
      const peak = brightestPatch(await overlayPixels(page, r), layer.map.grid);
      checks.ok(samePatch(peak, layer.map.peak),
        `${name}, layer ${index}, column ${r}: brightest patch ${peak}, JSON map peak ${layer.map.peak}`);
    }
  }

  // A token picked in one column is shown in every column: the first answer token, or the
  // second when there is one, through the row that produced it.
  const promptLen = runs[0].input.prompt_ids.length;
  const t = promptLen + (runs.every((r) => r.input.tokens.length > promptLen + 1) ? 1 : 0);
  await (await tokenChip(page, 0, t)).hover();
  for (let r = 0; r < runs.length; ++r) {
    const layer = runs[r].layers.find((l) => l.index === 12);
    const row = layer.image_tokens.offset + layer.image_tokens.count + t - 1;
    const own = runs[r].input.tokens[t];
    checks.ok((await caption(page, r)).startsWith(quoted(own) + ', produced by row ' + row),
      `${name}, column ${r}: hovering text token ${t} shows its own token ${quoted(own)}, produced by row ${row}`);
    const peak = brightestPatch(await overlayPixels(page, r), layer.image_tokens.grid);
    checks.ok(samePatch(peak, rowPeak(layer, row)),
      `${name}, layer 12, column ${r}: brightest patch ${peak} is the maximum of row ${row} (${rowPeak(layer, row)})`);
  }
  await page.select('#colormap-select', 'viridis');
  await page.focus('#alpha-slider');
  for (let i = 0; i < 10; ++i) await page.keyboard.press('ArrowLeft');  // back to 0.5
  await (await tokenChip(page, 0, t)).hover();
  await screenshot(page, shots, name + '-token-hover');
  await movePointerAway(page);
  checks.ok(problems.length === 0, `${name}: no console errors or warnings, no requests` + (problems.length ? ': ' + problems.join('; ') : ''));
}

await checkPage('budgets', path.join(work, 'budgets', 'report.html'),
  readJson(path.join(work, 'budgets', 'scene_006.budgets.json')), { width: 1640, height: 1000 });
await checkPage('models', path.join(work, 'models', 'report.html'),
  readJson(path.join(work, 'models', 'scene_001.models.json')), { width: 1400, height: 1000 });
await close();
checks.finish();
