// The report of one run (tinyvlm-base, every layer, every head) in chromium, against the
// attnviz JSON and overlay PNG it was made from. node test_single.mjs WORK
import fs from 'node:fs';
import path from 'node:path';
import {
  Checks, launchBrowser, openReport, canvasPixels, samePixels, brightestPatch, screenshot, layerKey, readJson,
} from './harness.mjs';
import {
  chooseLayer, showMapOnly, movePointerAway, currentLayer, currentSelection, overlayPixels, matrixPixels, tokenChip,
  caption, pointAt,
} from './page_actions.mjs';

const work = process.argv[2];
const dir = path.join(work, 'single');
const shots = path.join(work, 'screenshots');
const html = path.join(dir, 'report.html');
const result = readJson(path.join(dir, 'scene_000.json'));
const checks = new Checks();

const size = fs.statSync(html).size;
checks.ok(size < 5e6, `the report of ${result.layers.length} layers with every head is under 5 MB (${size} bytes)`);

const layers = result.layers;
const text = result.input.tokens;
const answerText = result.input.prompt_ids.length;  // text index of the (single) answer token
checks.ok(result.answer_ids.length === 1, 'the answer is one token, so its row is the map\'s only query row');
// Layers where the answer's row reads the image: their maps have a clear peak.
const reading = layers.filter((l) => l.map && l.map.image_mass >= 0.5);
checks.ok(reading.length >= 2, `the model reads the image in at least two layers (${reading.map((l) => l.index)})`);

const argmax = (values) => values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
// Row `row` of a layer's matrix over its image tokens, on the patch grid: [row, col] of its maximum.
function rowPeak(layer, row) {
  const { offset, count, grid } = layer.image_tokens;
  const at = argmax(layer.matrix[row].slice(offset, offset + count));
  return [Math.floor(at / grid[1]), at % grid[1]];
}
const samePatch = (a, b) => a[0] === b[0] && a[1] === b[1];

const { browser, close } = await launchBrowser();
const { page, problems } = await openReport(browser, html);

// ---- the state before any interaction ----
const firstReading = layers.find((l) => l.map && l.map.image_mass >= 0.01);
checks.ok(await currentLayer(page) === layerKey(firstReading),
  `opens on the first layer whose answer reads the image (${layerKey(firstReading)})`);
checks.ok((await currentSelection(page)).kind === 'query', 'opens on attnviz\'s query (the answer rows)');
checks.ok((await page.$eval('.run h2', (h) => h.textContent)) === '\u201c' + result.answer + '\u201d',
  'the column is titled with the answer');
await screenshot(page, shots, 'single-default');

// ---- the overlay is the PNG's overlay: same blend, colormap, upsampling ----
const png = fs.readFileSync(path.join(dir, result.files.overlay)).toString('base64');
const panelTitles = result.layout.overlay.panels.map((p) => p.title);
for (const layer of reading) {
  await chooseLayer(page, 'layer ' + layer.index);
  const diff = await page.evaluate(async (png, panel, panels) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + png;
    await img.decode();
    const page = document.querySelector('.run canvas.overlay');
    const w = page.width, h = page.height, gap = (img.width - panels * w) / (panels + 1);
    const read = (source, x, y) => {
      const c = document.createElement('canvas');
      c.width = w; c.height = h;
      const ctx = c.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(source, x, y, w, h, 0, 0, w, h);
      return ctx.getImageData(0, 0, w, h).data;
    };
    const a = read(img, gap + panel * (w + gap), img.height - gap - h), b = read(page, 0, 0);
    let over = 0, most = 0;
    for (let i = 0; i < a.length; i += 4) {
      const d = Math.max(Math.abs(a[i] - b[i]), Math.abs(a[i + 1] - b[i + 1]), Math.abs(a[i + 2] - b[i + 2]));
      if (d > 1) ++over;
      most = Math.max(most, d);
    }
    return { over, most, pixels: a.length / 4, gap };
  }, png, panelTitles.indexOf('layer ' + layer.index), panelTitles.length);
  checks.ok(Number.isInteger(diff.gap) && diff.over === 0,
    `layer ${layer.index}: the default overlay is the overlay PNG's panel within 1 level ` +
    `(${diff.over} of ${diff.pixels} pixels differ more, at most by ${diff.most})`);
}

// ---- hovering the answer token: the brightest patch is the JSON map's peak ----
await showMapOnly(page);
for (const layer of reading) {
  await chooseLayer(page, 'layer ' + layer.index);
  await (await tokenChip(page, 0, answerText)).hover();
  const selection = await currentSelection(page);
  const peak = brightestPatch(await overlayPixels(page), layer.map.grid);
  checks.ok(selection.kind === 'token' && selection.text === answerText && samePatch(peak, layer.map.peak),
    `layer ${layer.index}, hovering “${result.answer}”: brightest patch ${peak}, JSON map peak ${layer.map.peak}`);
  if (layer === reading[0]) await screenshot(page, shots, 'single-answer-map');
}

// ---- a prompt token: the brightest patch is the maximum of its own row ----
const shape = text.indexOf('cross');
const imageEnd = reading[0].image_tokens.offset + reading[0].image_tokens.count;
for (const layer of reading) {
  await chooseLayer(page, 'layer ' + layer.index);
  await (await tokenChip(page, 0, shape)).hover();
  const expected = rowPeak(layer, imageEnd + shape);
  const peak = brightestPatch(await overlayPixels(page), layer.map.grid);
  checks.ok(samePatch(peak, expected), `layer ${layer.index}, hovering “cross”: brightest patch ${peak}, its row's maximum ${expected}`);
}

// ---- heads: each head is its own map; the mean of the heads is the captured mean ----
await chooseLayer(page, 'layer ' + reading[0].index);
await (await tokenChip(page, 0, answerText)).hover();
const captured = await overlayPixels(page);
const headOptions = await page.$$eval('#head-select option', (os) => os.map((o) => o.value));
checks.ok(headOptions.length === 3 + layers[0].heads, `the head list has captured, mean, max and ${layers[0].heads} heads`);
await page.select('#head-select', 'mean');
const meanOfHeads = await overlayPixels(page);
let meanDiff = 0;
for (let i = 0; i < captured.data.length; ++i) meanDiff = Math.max(meanDiff, Math.abs(captured.data[i] - meanOfHeads.data[i]));
checks.ok(meanDiff <= 1, `the mean of the heads draws as the captured (mean-fused) map, within ${meanDiff} level`);
const headMaps = [];
for (let h = 0; h < layers[0].heads; ++h) {
  await page.select('#head-select', String(h));
  headMaps.push(await overlayPixels(page));
}
checks.ok(headMaps.some((m) => !samePixels(m, captured)), 'single heads show maps of their own');
await page.select('#head-select', 'fused');

// ---- switching layers: slider, list, keyboard ----
await movePointerAway(page);
const before = { layer: await currentLayer(page), overlay: await overlayPixels(page), matrix: await matrixPixels(page) };
await page.focus('#layer-slider');
await page.keyboard.press('ArrowRight');
const afterSlider = await currentLayer(page);
const sliderIndex = layers.findIndex((l) => layerKey(l) === before.layer) + 1;
checks.ok(afterSlider === layerKey(layers[sliderIndex]), `the slider steps to the next layer (${before.layer} -> ${afterSlider})`);
checks.ok(!samePixels(before.matrix, await matrixPixels(page)), 'the matrix changes with the layer');
checks.ok(!samePixels(before.overlay, await overlayPixels(page)), 'the overlay changes with the layer');
await movePointerAway(page);
await page.click('header h1');  // the focus leaves the slider: arrows now go to the page
await page.keyboard.press('ArrowDown');
checks.ok(await currentLayer(page) === layerKey(layers[sliderIndex + 1]), 'ArrowDown steps to the next layer');
await page.keyboard.press('ArrowUp');
await page.keyboard.press('ArrowUp');
checks.ok(await currentLayer(page) === before.layer, 'ArrowUp steps back');
checks.ok(samePixels(before.overlay, await overlayPixels(page)), 'coming back draws the same overlay');
await page.keyboard.press('ArrowLeft');
const stepped = await currentSelection(page);
checks.ok(stepped.kind === 'token' && text[stepped.text] === '?', `ArrowLeft from the answer rows picks the token before the answer (“${text[stepped.text]}”)`);
await page.keyboard.press('ArrowRight');
checks.ok((await currentSelection(page)).text === answerText, 'ArrowRight steps to the answer token');
await page.keyboard.press('Escape');
checks.ok((await currentSelection(page)).kind === 'query', 'Escape goes back to attnviz\'s query');
await (await tokenChip(page, 0, shape)).click();
await movePointerAway(page);
const pinned = await currentSelection(page);
checks.ok(pinned.kind === 'token' && pinned.text === shape, 'a clicked token stays selected when the pointer leaves it');
await page.click('#reset');
checks.ok((await currentSelection(page)).kind === 'query', 'the attnviz query button goes back to the query');

// ---- hovering an image patch: which tokens attend to it ----
await page.select('#colormap-select', 'viridis');
await page.focus('#alpha-slider');
for (let i = 0; i < 10; ++i) await page.keyboard.press('ArrowLeft');  // back to 0.5
const patchLayer = reading[0];
const [pr, pc] = patchLayer.map.peak;
const [gh, gw] = patchLayer.map.grid;
await pointAt(page, await page.$('.run canvas.overlay'), (pc + 0.5) / gw, (pr + 0.5) / gh);
const tints = await page.$$eval('.run .tok[data-text]', (chips) => chips.map((c) => Number(c.style.getPropertyValue('--tint') || 0)));
// Each token's own row, except the answer's: the row that produced it (the page's default).
const tokenRow = (t) => imageEnd + t - (t >= answerText ? 1 : 0);
const onPatch = text.map((_, t) => patchLayer.matrix[tokenRow(t)][patchLayer.image_tokens.offset + pr * gw + pc]);
const most = Math.max(...onPatch);
const tinted = argmax(tints);
checks.ok(onPatch[tinted] === most && tints[tinted] > 0,
  `hovering patch (${pr}, ${pc}): the most tinted token “${text[tinted]}” is one attending most to it in the JSON`);
checks.ok((await caption(page)).startsWith(`patch (${pr}, ${pc}) is attended most by`), 'the caption names the patch');
await screenshot(page, shots, 'single-patch-hover');

// ---- the matrix: hover shows query, key and value; log scale redraws ----
await movePointerAway(page);
const matrix = await page.$('.run canvas.matrix');
const { width: mw, height: mh } = await matrix.evaluate((c) => ({ width: c.width, height: c.height }));
const margin = 11;  // viewer.js MATRIX_MARGIN
const tq = patchLayer.shape[1], tk = patchLayer.shape[2];
const scale = (mw - 2 * margin) / tk;
const qRow = imageEnd + answerText - 1, key = patchLayer.image_tokens.offset + pr * gw + pc;
await pointAt(page, matrix, (margin + (key + 0.5) * scale) / mw, (margin + (qRow + 0.5) * scale) / mh);
const tip = await page.$eval('#tooltip', (t) => (t.hidden ? '' : t.textContent));
const expected = patchLayer.matrix[qRow][key];
const shown = Number((tip.match(/value: (\S+)/) || [])[1]);
checks.ok(tip.includes(`query: “${text[answerText - 1]}” (${qRow})`) && tip.includes(`key: image (${pr}, ${pc}) (${key})`),
  `the matrix tooltip names query and key (${JSON.stringify(tip)})`);
checks.ok(Math.abs(shown - expected) <= 5e-5 + 5e-3 * expected, `the tooltip's value ${shown} is the JSON's ${expected}`);
checks.ok(mh === 2 * margin + tq * scale, 'the matrix has a row per query');
const linear = await matrixPixels(page);
await page.click('#log-toggle');
await pointAt(page, matrix, (margin + (key + 0.5) * scale) / mw, (margin + (qRow + 0.5) * scale) / mh);
checks.ok(!samePixels(linear, await matrixPixels(page)), 'the log scale redraws the matrix');
await screenshot(page, shots, 'single-matrix-log');

checks.ok(problems.length === 0, 'no console errors or warnings, no requests' + (problems.length ? ': ' + problems.join('; ') : ''));
await close();
checks.finish();
