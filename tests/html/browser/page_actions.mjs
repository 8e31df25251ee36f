// What a person does on the report, through the real controls, and what the page shows.
import { canvasPixels } from './harness.mjs';

// Picks a layer in the layer list by its label ("layer 12").
export async function chooseLayer(page, label) {
  const value = await page.$eval('#layer-select', (s, label) => {
    const option = [...s.options].find((o) => o.text === label);
    return option ? option.value : null;
  }, label);
  if (value === null) throw new Error('no layer "' + label + '" in the layer list');
  await page.select('#layer-select', value);
}

// Overlay alpha 1 and the gray colormap: the canvas then shows the map itself, brightest
// where the attention is highest.
export async function showMapOnly(page) {
  await page.focus('#alpha-slider');
  await page.keyboard.press('End');
  await page.select('#colormap-select', 'gray');
  await movePointerAway(page);
}

// Moves the pointer onto the header, where nothing reacts to it.
export async function movePointerAway(page) {
  await page.hover('header h1');
}

export const currentLayer = (page) => page.$eval('body', (b) => b.dataset.layer);
export const currentSelection = (page) => page.$eval('body', (b) => JSON.parse(b.dataset.selection));

// Column `run`'s canvases.
export async function overlayPixels(page, run = 0) {
  return canvasPixels((await page.$$('.run canvas.overlay'))[run]);
}
export async function matrixPixels(page, run = 0) {
  return canvasPixels((await page.$$('.run canvas.matrix'))[run]);
}

// The chip of text token `text` in column `run`.
export async function tokenChip(page, run, text) {
  const chip = await page.$(`.run[data-run="${run}"] .tok[data-text="${text}"]`);
  if (!chip) throw new Error('no chip for text token ' + text + ' in column ' + run);
  return chip;
}

export const caption = (page, run = 0) => page.$eval(`.run[data-run="${run}"] .caption`, (c) => c.textContent);

// Puts the pointer at (fx, fy) of an element, fractions of its box.
export async function pointAt(page, handle, fx, fy) {
  const box = await handle.boundingBox();
  await page.mouse.move(box.x + fx * box.width, box.y + fy * box.height);
}
