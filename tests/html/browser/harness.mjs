// Shared by the browser tests: chromium through puppeteer-core (installed at test time by
// run_browser_test.sh under ATTNVIZ_NPM_PREFIX), a report opened from disk with every
// request and console message recorded, and readers for the page's canvases.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export const SKIP = 77;

export function skip(reason) {
  console.log('SKIP: ' + reason);
  process.exit(SKIP);
}

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser() {
  let puppeteer;
  try {
    puppeteer = createRequire(path.join(process.env.ATTNVIZ_NPM_PREFIX || '.', 'package.json'))('puppeteer-core');
  } catch (err) {
    skip('puppeteer-core is not installed (' + err.message.split('\n')[0] + ')');
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attnviz-chromium-'));
  try {
    const browser = await puppeteer.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_FLAGS,
      userDataDir,
    });
    const close = async () => {
      await browser.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    };
    return { browser, close };
  } catch (err) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    skip('chromium cannot start (' + err.message.split('\n')[0] + ')');
  }
}

// Opens `file` and waits until the report has drawn. `problems` collects every request
// other than the page itself and data: URLs (all are blocked), console errors and
// warnings, and uncaught exceptions.
export async function openReport(browser, file, viewport = { width: 1500, height: 1100 }) {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const url = pathToFileURL(file).href;
  const problems = [];
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    if (req.url() === url || req.url().startsWith('data:')) return req.continue();
    problems.push('request: ' + req.url());
    return req.abort();
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warn') problems.push('console ' + msg.type() + ': ' + msg.text());
  });
  page.on('pageerror', (err) => problems.push('page error: ' + err.message));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"], .error', { timeout: 30000 });
  return { page, problems };
}

export class Checks {
  constructor() { this.failures = []; }
  ok(condition, what) {
    console.log((condition ? 'ok    ' : 'FAIL  ') + what);
    if (!condition) this.failures.push(what);
  }
  finish() {
    console.log(this.failures.length ? this.failures.length + ' check(s) failed' : 'all checks passed');
    process.exit(this.failures.length ? 1 : 0);
  }
}

// A canvas's pixels: { width, height, data } with RGBA bytes.
export async function canvasPixels(handle) {
  const { width, height, base64 } = await handle.evaluate((c) => {
    // Read through a copy made for reading, so Chrome's hint about repeated readbacks
    // (a console warning) is not provoked by the test on the page's own canvases.
    const copy = document.createElement('canvas');
    copy.width = c.width;
    copy.height = c.height;
    const ctx = copy.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(c, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let s = '';
    for (let i = 0; i < d.length; i += 8192) s += String.fromCharCode.apply(null, d.subarray(i, i + 8192));
    return { width: c.width, height: c.height, base64: btoa(s) };
  });
  return { width, height, data: Buffer.from(base64, 'base64') };
}

export function samePixels(a, b) {
  return a.width === b.width && a.height === b.height && a.data.equals(b.data);
}

// The patch of a [gh, gw] grid stretched over the canvas where the brightest pixels
// (the largest R+G+B) are centred.
export function brightestPatch(pixels, grid) {
  const { width, height, data } = pixels;
  let best = -1, sx = 0, sy = 0, n = 0;
  for (let y = 0; y < height; ++y)
    for (let x = 0; x < width; ++x) {
      const i = 4 * (y * width + x), v = data[i] + data[i + 1] + data[i + 2];
      if (v > best) { best = v; sx = sy = n = 0; }
      if (v === best) { sx += x; sy += y; ++n; }
    }
  const cx = sx / n + 0.5, cy = sy / n + 0.5;
  return [Math.floor((cy / height) * grid[0]), Math.floor((cx / width) * grid[1])];
}

// The viewport only: a full-page screenshot resizes the viewport, which ends any hover.
export async function screenshot(page, dir, name) {
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name + '.png') });
}

// Layer key as the page names it (body[data-layer]).
export const layerKey = (layer) => layer.stack + '#' + layer.index;
export const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
