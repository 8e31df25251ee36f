// The attnviz HTML report's viewer: plain JavaScript and canvas, no libraries. The data
// (docs/html.md) is in the page: a JSON document and one deflated, base64 binary blob.
(function () {
  'use strict';

  const SPAN_COLOURS = { image: [255, 140, 0], prompt: [40, 170, 80], answer: [150, 60, 200] };
  const FRAME_COLOURS = ['#dc2828', '#1e5ac8', '#3c963c', '#963c96'];  // the PNGs' row frames
  const MIN_PANEL = 256;      // small images are enlarged (nearest) to at least this, as in the PNGs
  const MATRIX_SIDE = 320;    // matrix cells are drawn at a whole scale up to this size (the grid PNG's cell)
  const MATRIX_SIDE_COMPACT = 240;  // with three or more columns
  const MATRIX_MARGIN = 11;   // room for the span bars (top, left) and the markers (right, bottom)
  const LOG_DECADES = 4;      // the grid PNG's --log range
  const NO_IMAGE_MASS = 1e-6; // below this a map says "no attention on image", as the PNGs do
  const FIRST_LAYER_MASS = 0.01;  // the page opens on the first layer whose query gives the image this much

  const data = JSON.parse(document.getElementById('attnviz-data').textContent);
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  // ---- decoding -------------------------------------------------------------------

  async function inflateBlob() {
    if (typeof DecompressionStream === 'undefined')
      throw new Error('this browser cannot inflate the data (no DecompressionStream): use Chrome or Edge 80+, Firefox 113+ or Safari 16.4+');
    const text = $('attnviz-blob').textContent.trim();
    const raw = atob(text);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; ++i) bytes[i] = raw.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
    const out = new Uint8Array(await new Response(stream).arrayBuffer());
    if (out.length !== data.blob_bytes) throw new Error('the data blob has ' + out.length + ' bytes, expected ' + data.blob_bytes);
    return out;
  }

  let blob = null;
  // Code c > 0 of a record is max * 10^(((c - 1) / (2^bits - 2) - 1) * decades); 0 is 0.
  const codeTables = new Map();
  function codeScale(bits, decades) {
    const key = bits + '/' + decades;
    let table = codeTables.get(key);
    if (!table) {
      const steps = (1 << bits) - 2;
      table = new Float64Array(1 << bits);
      for (let c = 1; c < table.length; ++c) table[c] = Math.pow(10, ((c - 1) / steps - 1) * decades);
      codeTables.set(key, table);
    }
    return table;
  }

  const decoded = new Map();  // blob offset -> Float32Array
  function values(rec) {
    let out = decoded.get(rec.offset);
    if (out) return out;
    const wide = rec.bits === 16, n = wide ? rec.length / 2 : rec.length;
    const hi = wide ? blob.subarray(rec.offset, rec.offset + n) : null;
    const lo = blob.subarray(rec.offset + (wide ? n : 0), rec.offset + (wide ? 2 * n : n));
    const scale = codeScale(rec.bits, rec.decades);
    let slice = 1;
    for (let d = rec.shape.length - rec.slice_dims; d < rec.shape.length; ++d) slice *= rec.shape[d];
    out = new Float32Array(n);
    for (let i = 0; i < n; ++i) {
      const code = wide ? (hi[i] << 8) | lo[i] : lo[i];
      out[i] = code ? rec.max[(i / slice) | 0] * scale[code] : 0;
    }
    decoded.set(rec.offset, out);
    return out;
  }

  // Whether a layer can show the head choice; if not, it shows the captured fusion.
  const hasHead = (layer, head) =>
    head === 'fused' || (!!layer.matrix_heads && (typeof head !== 'number' || head < layer.heads));

  // [heads, ...] -> [...]: the head choice ('fused' uses the fused record itself).
  const combined = new Map();
  function withHeads(fusedRec, headsRec, head) {
    if (head === 'fused' || !headsRec || (typeof head === 'number' && head >= headsRec.shape[0])) return values(fusedRec);
    const key = headsRec.offset + ':' + head;
    let out = combined.get(key);
    if (out) return out;
    const all = values(headsRec), heads = headsRec.shape[0], n = all.length / heads;
    if (typeof head === 'number') {
      out = all.subarray(head * n, (head + 1) * n);
    } else {
      out = new Float32Array(n);
      for (let h = 0; h < heads; ++h) {
        const part = all.subarray(h * n, (h + 1) * n);
        for (let i = 0; i < n; ++i) out[i] = head === 'max' ? Math.max(out[i], part[i]) : out[i] + part[i] / heads;
      }
    }
    combined.set(key, out);
    return out;
  }

  // ---- the model of the page --------------------------------------------------------

  const runs = data.runs;
  const stacks = new Set();
  runs.forEach((r) => r.layers.forEach((l) => stacks.add(l.stack)));
  // Layers of every run, by stack and index, in the order they first appear.
  const layerKeys = [];
  runs.forEach((r) => r.layers.forEach((l) => {
    const key = l.stack + '#' + l.index;
    if (!layerKeys.includes(key)) layerKeys.push(key);
  }));
  const layerLabel = (key) => {
    const [stack, index] = key.split('#');
    return (stacks.size > 1 ? stack : 'layer') + ' ' + index;
  };
  const layerOf = (run, key) => run.layers.find((l) => l.stack + '#' + l.index === key) || null;
  const maxHeads = Math.max(0, ...runs.flatMap((r) => r.layers.filter((l) => l.matrix_heads).map((l) => l.heads)));

  const state = {
    layer: 0,
    head: 'fused',
    colormap: data.settings.colormap,
    alpha: data.settings.alpha,
    log: data.settings.log_scale,
    producing: true,
    pinned: { kind: 'query' },  // { kind: 'query' } or { kind: 'token', text: i }
    hover: null,                // the same, while the pointer is over a token
    patch: null,                // { run, row, col } while the pointer is over an image
  };
  const selection = () => state.hover || state.pinned;
  const currentKey = () => layerKeys[state.layer];

  // Text token i of a run sits at this key position of a layer (or null).
  function textPosition(layer, i) {
    return i < layer.spans.text.length ? layer.spans.text[i] : null;
  }
  function textIndex(layer, position) {
    const i = layer.spans.text.indexOf(position);
    return i < 0 ? null : i;
  }
  // A stack without the text (a vision tower): attnviz's text queries fall back to a CLS or last row there.
  const hasText = (layer) => layer.spans.text.length > 0;
  const isAnswer = (layer, position) => {
    const i = textIndex(layer, position);
    return i !== null && i >= layer.spans.prompt_count;
  };
  const shift = (layer) => layer.tk - layer.tq;  // query row r is key position r + shift

  // What a key position is, for people.
  function positionName(run, layer, position) {
    const img = layer.spans.image;
    if (img && position >= img.offset && position < img.offset + img.count) {
      const p = position - img.offset;
      return 'image (' + Math.floor(p / img.grid[1]) + ', ' + (p % img.grid[1]) + ')';
    }
    const t = textIndex(layer, position);
    return t === null ? 'token ' + position : '\u201c' + run.tokens[t] + '\u201d';
  }

  // The query rows a selection shows in a layer, and what to call them.
  function selectedRows(layer, sel) {
    if (sel.kind === 'query') return { rows: layer.query_rows, producing: false };
    const position = textPosition(layer, sel.text);
    if (position === null) return null;
    const producing = state.producing && isAnswer(layer, position);
    const row = position - shift(layer) - (producing ? 1 : 0);
    return row >= 0 && row < layer.tq ? { rows: [row], producing } : null;
  }

  // The rows' mean attention over the image grid (raw probabilities), or null.
  function imageMap(layer, rows) {
    const ir = layer.image_rows;
    if (!ir || !rows) return null;
    const grid = ir.values.pool.grid, cells = grid[0] * grid[1];
    const block = withHeads(ir.values, ir.heads, state.head);
    const map = new Float32Array(cells);
    let used = 0;
    for (const r of rows) {
      const i = ir.rows.indexOf(r);
      if (i < 0) continue;
      ++used;
      for (let c = 0; c < cells; ++c) map[c] += block[i * cells + c];
    }
    if (!used) return null;
    let mass = 0, peak = 0, at = 0;
    for (let c = 0; c < cells; ++c) {
      map[c] /= used;
      mass += map[c];
      if (map[c] > peak) { peak = map[c]; at = c; }
    }
    return { grid, values: map, mass, peak, peakRow: Math.floor(at / grid[1]), peakCol: at % grid[1] };
  }

  // ---- colours --------------------------------------------------------------------

  const lutCache = new Map();
  function lut(name) {
    let t = lutCache.get(name);
    if (t) return t;
    const hex = ATTNVIZ_COLORMAPS[name];
    t = new Uint8Array(768);
    for (let i = 0; i < 768; ++i) t[i] = parseInt(hex.substr(2 * i, 2), 16);
    lutCache.set(name, t);
    return t;
  }

  // As OpenCV's cv::resize INTER_LINEAR: pixel centres, edges clamped.
  function linearTaps(src, dst) {
    const lo = new Int32Array(dst), hi = new Int32Array(dst), w = new Float32Array(dst);
    for (let d = 0; d < dst; ++d) {
      let f = (d + 0.5) * (src / dst) - 0.5, s = Math.floor(f);
      f -= s;
      if (s < 0) { s = 0; f = 0; }
      if (s >= src - 1) { s = src - 1; f = 0; }
      lo[d] = s; hi[d] = Math.min(s + 1, src - 1); w[d] = f;
    }
    return { lo, hi, w };
  }

  // ---- the image ------------------------------------------------------------------

  let imagePixels = null;  // RGBA at display size (nearest-enlarged), as the PNG panels show it
  let displayW = 0, displayH = 0;
  function decodeImage() {
    const im = data.image, w = im.width, h = im.height;
    const sub = blob.subarray(im.offset, im.offset + im.length);
    const rgb = new Uint8Array(sub.length);
    for (let y = 0; y < h; ++y)
      for (let x = 0; x < 3 * w; ++x) {
        const i = 3 * w * y + x;
        rgb[i] = (sub[i] + (x >= 3 ? rgb[i - 3] : 0)) & 255;
      }
    const side = Math.max(w, h), k = side >= MIN_PANEL ? 1 : Math.ceil(MIN_PANEL / side);
    displayW = w * k; displayH = h * k;
    imagePixels = new Uint8ClampedArray(displayW * displayH * 4);
    for (let y = 0; y < displayH; ++y)
      for (let x = 0; x < displayW; ++x) {
        const s = 3 * (Math.floor(y / k) * w + Math.floor(x / k)), d = 4 * (y * displayW + x);
        imagePixels[d] = rgb[s]; imagePixels[d + 1] = rgb[s + 1]; imagePixels[d + 2] = rgb[s + 2]; imagePixels[d + 3] = 255;
      }
  }

  // out = (1 - alpha) * image + alpha * colormap(map / max(map)), the map bilinear-upsampled
  // to the panel: the PNG overlay's blend_map.
  function drawOverlay(canvas, map) {
    const ctx = canvas.getContext('2d');
    const out = ctx.createImageData(displayW, displayH);
    const px = out.data;
    if (!map) {
      px.set(imagePixels);
      ctx.putImageData(out, 0, 0);
      return;
    }
    const [gh, gw] = map.grid, unit = new Float32Array(map.values.length);
    for (let i = 0; i < unit.length; ++i) unit[i] = map.peak > 0 ? map.values[i] / map.peak : 0;
    const xs = linearTaps(gw, displayW), ys = linearTaps(gh, displayH);
    const table = lut(state.colormap), a = state.alpha, b = 1 - a;
    for (let y = 0; y < displayH; ++y) {
      const r0 = ys.lo[y] * gw, r1 = ys.hi[y] * gw, fy = ys.w[y];
      for (let x = 0; x < displayW; ++x) {
        const top = unit[r0 + xs.lo[x]] * (1 - xs.w[x]) + unit[r0 + xs.hi[x]] * xs.w[x];
        const bottom = unit[r1 + xs.lo[x]] * (1 - xs.w[x]) + unit[r1 + xs.hi[x]] * xs.w[x];
        const v = Math.min(255, Math.max(0, Math.round((top * (1 - fy) + bottom * fy) * 255)));
        const d = 4 * (y * displayW + x);
        px[d] = Math.round(b * imagePixels[d] + a * table[3 * v]);
        px[d + 1] = Math.round(b * imagePixels[d + 1] + a * table[3 * v + 1]);
        px[d + 2] = Math.round(b * imagePixels[d + 2] + a * table[3 * v + 2]);
        px[d + 3] = 255;
      }
    }
    ctx.putImageData(out, 0, 0);
  }

  // ---- the token x token matrix -----------------------------------------------------

  function matrixGeometry(layer) {
    const [, rows, cols] = layer.matrix.shape;
    const side = runs.length >= 3 ? MATRIX_SIDE_COMPACT : MATRIX_SIDE;
    const scale = Math.max(1, Math.floor(side / Math.max(rows, cols)));
    return { rows, cols, scale, factor: layer.matrix.pool.factor, x0: MATRIX_MARGIN, y0: MATRIX_MARGIN };
  }

  function unitValue(v, peak) {
    if (peak <= 0) return 0;
    if (!state.log) return Math.min(1, Math.max(0, v / peak));
    if (v <= 0) return 0;
    return Math.min(1, Math.max(0, (Math.log10(v) - Math.log10(peak)) / LOG_DECADES + 1));
  }

  function drawMatrix(canvas, layer, rowsShown, keyColumn) {
    const g = matrixGeometry(layer);
    const m = withHeads(layer.matrix, layer.matrix_heads, state.head);
    canvas.width = g.x0 + g.cols * g.scale + MATRIX_MARGIN;
    canvas.height = g.y0 + g.rows * g.scale + MATRIX_MARGIN;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    let peak = 0;
    for (let i = 0; i < m.length; ++i) if (m[i] > peak) peak = m[i];
    const cells = ctx.createImageData(g.cols, g.rows), px = cells.data, table = lut(state.colormap);
    const f = g.factor, off = shift(layer);
    for (let i = 0; i < g.rows; ++i)
      for (let j = 0; j < g.cols; ++j) {
        const v = m[i * g.cols + j], d = 4 * (i * g.cols + j);
        // Masked by causality: the whole bin above the diagonal, and exactly zero.
        const lastQuery = Math.min(layer.tq, (i + 1) * f) - 1 + off;
        if (layer.causal && v === 0 && j * f > lastQuery) {
          px[d] = px[d + 1] = px[d + 2] = 255;
        } else {
          const c = Math.round(unitValue(v, peak) * 255);
          px[d] = table[3 * c]; px[d + 1] = table[3 * c + 1]; px[d + 2] = table[3 * c + 2];
        }
        px[d + 3] = 255;
      }
    const cellCanvas = document.createElement('canvas');
    cellCanvas.width = g.cols; cellCanvas.height = g.rows;
    cellCanvas.getContext('2d').putImageData(cells, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(cellCanvas, g.x0, g.y0, g.cols * g.scale, g.rows * g.scale);

    // Span bars: keys along the top, queries (aligned to the end of the keys) on the left.
    const bar = (begin, end, rgb) => {
      if (end <= begin) return;
      ctx.fillStyle = 'rgb(' + rgb.join(',') + ')';
      ctx.fillRect(g.x0 + (begin / f) * g.scale, 1, ((end - begin) / f) * g.scale, MATRIX_MARGIN - 4);
      const b = Math.max(0, begin - off), e = Math.min(layer.tq, end - off);
      if (e > b) ctx.fillRect(1, g.y0 + (b / f) * g.scale, MATRIX_MARGIN - 4, ((e - b) / f) * g.scale);
    };
    const s = layer.spans;
    if (s.image) bar(s.image.offset, s.image.offset + s.image.count, SPAN_COLOURS.image);
    // Text before and after an image: a bar per key of the text, prompt then answer.
    s.text.forEach((key, i) => bar(key, key + 1, i < s.prompt_count ? SPAN_COLOURS.prompt : SPAN_COLOURS.answer));

    // The selected query rows: marks on the right; the key of the patch under the pointer: below.
    ctx.fillStyle = '#e0204a';
    const right = g.x0 + g.cols * g.scale + 2, bottom = g.y0 + g.rows * g.scale + 2;
    for (const r of rowsShown || [])
      ctx.fillRect(right, g.y0 + Math.floor(r / f) * g.scale, MATRIX_MARGIN - 4, Math.max(g.scale, 2));
    if (keyColumn !== null && keyColumn !== undefined)
      ctx.fillRect(g.x0 + Math.floor(keyColumn / f) * g.scale, bottom, Math.max(g.scale, 2), MATRIX_MARGIN - 4);
    return peak;
  }

  // ---- building the page --------------------------------------------------------------

  const fmt = (v) => (v === 0 ? '0' : Math.abs(v) >= 0.01 ? v.toFixed(4) : v.toExponential(2));
  const pct = (v) => (100 * v).toFixed(v >= 0.1 ? 1 : 2) + '%';
  const tooltip = $('tooltip');
  function showTooltip(event, text) {
    tooltip.textContent = text;
    tooltip.hidden = false;
    const x = Math.min(event.clientX + 14, window.innerWidth - tooltip.offsetWidth - 4);
    tooltip.style.left = x + 'px';
    tooltip.style.top = event.clientY + 16 + 'px';
  }
  const hideTooltip = () => { tooltip.hidden = true; };

  const panels = runs.map((run, r) => {
    const box = el('section', 'run');
    box.style.setProperty('--frame', FRAME_COLOURS[r % FRAME_COLOURS.length]);
    box.dataset.run = r;
    box.append(el('h2', 'run-title', run.title));
    const sub = [run.model];
    if (run.budget) sub.push('budget ' + run.budget);
    box.append(el('div', 'sub', sub.join(' \u00b7 ')));
    const overlayBox = el('div', 'overlay-box');
    const overlay = el('canvas', 'overlay');
    overlay.width = displayW; overlay.height = displayH;
    const mark = el('div', 'patch-mark');
    mark.hidden = true;
    const note = el('div', 'note');
    note.hidden = true;
    overlayBox.append(overlay, mark, note);
    const caption = el('div', 'caption');
    const strip = el('div', 'strip');
    const matrixBox = el('div', 'matrix-box');
    const matrix = el('canvas', 'matrix');
    matrixBox.append(matrix);
    const matrixCaption = el('div', 'matrix-caption');
    const left = el('div', 'look'), right = el('div', 'tokens');
    left.append(overlayBox, caption, strip);
    right.append(matrixBox, matrixCaption);
    const body = el('div', 'body');
    body.append(left, right);
    box.append(body);
    $('runs').append(box);
    if (runs.length === 1) box.classList.add('wide');
    if (runs.length >= 3) box.classList.add('compact');
    const panel = { run, r, box, overlay, mark, note, caption, strip, matrix, matrixCaption, stripKey: null };
    overlay.addEventListener('mousemove', (e) => patchHover(panel, e));
    overlay.addEventListener('mouseleave', () => { state.patch = null; render(); });
    matrix.addEventListener('mousemove', (e) => matrixHover(panel, e));
    matrix.addEventListener('mouseleave', hideTooltip);
    return panel;
  });

  function tokenChip(cls, text, title) {
    const chip = el('span', 'tok ' + cls, text);
    if (title) chip.title = title;
    return chip;
  }

  // The strip depends on the layer's spans only; rebuilt when they change.
  function buildStrip(panel, layer) {
    const key = layer ? JSON.stringify(layer.spans) : 'none';
    if (panel.stripKey === key) return;
    panel.stripKey = key;
    panel.strip.replaceChildren();
    if (!layer) return;
    const run = panel.run;
    const query = tokenChip('query', '\u27f2 ' + (hasText(layer) && run.query ? run.query : 'query'),
      'attnviz\u2019s query (--query ' + run.query + '): the rows its overlay PNG averages');
    query.dataset.query = '1';
    panel.strip.append(query);
    const img = layer.spans.image;
    if (img) panel.strip.append(tokenChip('image', '\u25a6 image ' + img.grid[0] + '\u00d7' + img.grid[1],
      img.count + ' image tokens at ' + img.offset + '\u2013' + (img.offset + img.count - 1)));
    for (let t = 0; t < run.tokens.length; ++t) {
      const position = textPosition(layer, t);
      if (position === null) continue;
      const chip = tokenChip(isAnswer(layer, position) ? 'answer' : 'prompt', run.tokens[t] === '' ? '\u2205' : run.tokens[t]);
      chip.dataset.text = t;
      chip.title = 'token ' + position;
      panel.strip.append(chip);
    }
  }

  function chipSelection(target) {
    const chip = target.closest && target.closest('.tok');
    if (!chip) return null;
    if (chip.dataset.query) return { kind: 'query' };
    if (chip.dataset.text !== undefined) return { kind: 'token', text: Number(chip.dataset.text) };
    return null;
  }
  $('runs').addEventListener('mouseover', (e) => {
    const sel = chipSelection(e.target);
    if (sel) { state.hover = sel; render(); }
  });
  $('runs').addEventListener('mouseout', (e) => {
    if (chipSelection(e.target) && !(e.relatedTarget && chipSelection(e.relatedTarget))) { state.hover = null; render(); }
  });
  $('runs').addEventListener('click', (e) => {
    const sel = chipSelection(e.target);
    if (sel) { state.pinned = sel; render(); }
  });

  function patchHover(panel, e) {
    const layer = layerOf(panel.run, currentKey());
    if (!layer || !layer.image_rows) return;
    const [gh, gw] = layer.image_rows.values.pool.grid;
    const rect = panel.overlay.getBoundingClientRect();
    const col = Math.min(gw - 1, Math.max(0, Math.floor(((e.clientX - rect.left) / rect.width) * gw)));
    const row = Math.min(gh - 1, Math.max(0, Math.floor(((e.clientY - rect.top) / rect.height) * gh)));
    if (state.patch && state.patch.run === panel.r && state.patch.row === row && state.patch.col === col) return;
    state.patch = { run: panel.r, row, col };
    render();
  }

  function matrixHover(panel, e) {
    const layer = layerOf(panel.run, currentKey());
    if (!layer) return;
    const g = matrixGeometry(layer);
    const rect = panel.matrix.getBoundingClientRect();
    const x = ((e.clientX - rect.left) / rect.width) * panel.matrix.width - g.x0;
    const y = ((e.clientY - rect.top) / rect.height) * panel.matrix.height - g.y0;
    const i = Math.floor(y / g.scale), j = Math.floor(x / g.scale);
    if (i < 0 || j < 0 || i >= g.rows || j >= g.cols) { hideTooltip(); return; }
    const m = withHeads(layer.matrix, layer.matrix_heads, state.head);
    const f = g.factor, off = shift(layer);
    const names = (first, last, base) => (last > first
      ? 'tokens ' + (first + base) + '\u2013' + (last + base) + ' (mean)'
      : positionName(panel.run, layer, first + base) + ' (' + (first + base) + ')');
    const q0 = i * f, q1 = Math.min(layer.tq, (i + 1) * f) - 1;
    const k0 = j * f, k1 = Math.min(layer.tk, (j + 1) * f) - 1;
    showTooltip(e, 'query: ' + names(q0, q1, off) + '\nkey: ' + names(k0, k1, 0) + '\nvalue: ' + fmt(m[i * g.cols + j]));
  }

  // ---- controls -----------------------------------------------------------------------

  const slider = $('layer-slider'), layerSelect = $('layer-select');
  slider.max = layerKeys.length - 1;
  layerKeys.forEach((key, i) => {
    layerSelect.append(new Option(layerLabel(key), i));
    const b = el('button');
    b.type = 'button';
    b.dataset.layer = i;
    b.append(el('span', '', layerLabel(key)), el('span', 'mass'));
    b.title = 'share of the selection\u2019s attention on the image, one bar per column';
    b.addEventListener('click', () => setLayer(i));
    $('layer-list').append(b);
  });
  slider.addEventListener('input', () => setLayer(Number(slider.value)));
  layerSelect.addEventListener('change', () => setLayer(Number(layerSelect.value)));

  const headSelect = $('head-select');
  const fusions = [...new Set(runs.flatMap((r) => r.layers.map((l) => l.fusion)))];
  headSelect.append(new Option('captured (' + fusions.join(', ') + ')', 'fused'));
  if (maxHeads > 0) {
    headSelect.append(new Option('mean of heads', 'mean'), new Option('max of heads', 'max'));
    for (let h = 0; h < maxHeads; ++h) headSelect.append(new Option('head ' + h, String(h)));
  } else if (data.heads_omitted) {
    const omitted = new Option('single heads: left out', 'omitted');
    omitted.disabled = true;
    omitted.title = data.heads_omitted;
    headSelect.append(omitted);
  }
  headSelect.addEventListener('change', () => {
    const v = headSelect.value;
    state.head = v === 'fused' || v === 'mean' || v === 'max' ? v : Number(v);
    render();
  });

  const colormapSelect = $('colormap-select');
  Object.keys(ATTNVIZ_COLORMAPS).forEach((name) => colormapSelect.append(new Option(name, name)));
  colormapSelect.value = state.colormap;
  colormapSelect.addEventListener('change', () => { state.colormap = colormapSelect.value; render(); });

  const alphaSlider = $('alpha-slider');
  alphaSlider.value = state.alpha;
  alphaSlider.addEventListener('input', () => { state.alpha = Number(alphaSlider.value); render(); });
  $('log-toggle').checked = state.log;
  $('log-toggle').addEventListener('change', (e) => { state.log = e.target.checked; render(); });
  $('producing-toggle').addEventListener('change', (e) => { state.producing = e.target.checked; render(); });
  $('reset').addEventListener('click', () => { state.pinned = { kind: 'query' }; render(); });

  function setLayer(i) {
    state.layer = Math.min(layerKeys.length - 1, Math.max(0, i));
    render();
  }

  // How many text tokens the arrow keys step through: the most of any column with text here.
  function textCount() {
    let n = 0;
    for (const run of runs) {
      const layer = layerOf(run, currentKey());
      if (layer && hasText(layer)) n = Math.max(n, run.tokens.length);
    }
    return n;
  }
  function stepToken(delta) {
    const n = textCount();
    if (!n) return;
    let t;
    if (state.pinned.kind === 'token') {
      t = state.pinned.text + delta;
    } else {
      // From attnviz's query: its first row's token (the last prompt token for "answer").
      const layer = layerOf(runs[0], currentKey());
      const row = layer && layer.query_rows.length ? layer.query_rows[0] : n - 1;
      const own = layer ? textIndex(layer, row + shift(layer)) : null;
      t = (own === null ? n - 1 : own) + (delta > 0 ? 1 : 0);
    }
    state.pinned = { kind: 'token', text: Math.min(n - 1, Math.max(0, t)) };
    state.hover = null;
    render();
  }
  document.addEventListener('keydown', (e) => {
    const tag = e.target && e.target.tagName;
    if (tag === 'SELECT' || (tag === 'INPUT' && e.target.type !== 'checkbox')) return;
    if (e.key === 'ArrowUp') setLayer(state.layer - 1);
    else if (e.key === 'ArrowDown') setLayer(state.layer + 1);
    else if (e.key === 'ArrowLeft') stepToken(-1);
    else if (e.key === 'ArrowRight') stepToken(1);
    else if (e.key === 'Escape') { state.pinned = { kind: 'query' }; state.hover = null; render(); }
    else return;
    e.preventDefault();
  });

  // ---- rendering ----------------------------------------------------------------------

  function describeSelection(panel, layer, sel, picked) {
    if (sel.kind === 'query') {
      const rows = layer.query_rows;
      return 'attnviz\u2019s query' + (hasText(layer) ? ' (' + panel.run.query + ')' : '') + ': ' +
        (rows.length > 1 ? 'rows ' : 'row ') + (rows.length > 6 ? rows[0] + '\u2013' + rows[rows.length - 1] : rows.join(', '));
    }
    const token = '\u201c' + panel.run.tokens[sel.text] + '\u201d';
    if (!picked) return token + ' is not in this layer\u2019s sequence';
    const row = picked.rows[0], name = positionName(panel.run, layer, row + shift(layer));
    return picked.producing ? token + ', produced by row ' + row + ' (' + name + ')' : token + ' (row ' + row + ')';
  }

  function renderPanel(panel) {
    const layer = layerOf(panel.run, currentKey());
    buildStrip(panel, layer);
    panel.mark.hidden = true;
    panel.note.hidden = true;
    if (!layer) {
      drawOverlay(panel.overlay, null);
      panel.caption.textContent = layerLabel(currentKey()) + ': not captured in this run';
      const ctx = panel.matrix.getContext('2d');
      ctx.clearRect(0, 0, panel.matrix.width, panel.matrix.height);
      panel.matrixCaption.textContent = '';
      return;
    }
    const sel = selection();
    const picked = selectedRows(layer, sel);
    const map = imageMap(layer, picked && picked.rows);
    drawOverlay(panel.overlay, map);
    const what = describeSelection(panel, layer, sel, picked);
    const parts = [what, layerLabel(currentKey())];
    if (!hasHead(layer, state.head)) parts.push('no such head here: the captured ' + layer.fusion);
    if (!layer.spans.image) parts.push('no image tokens in this layer');
    else if (map) parts.push('on image ' + pct(map.mass), 'peak (' + map.peakRow + ', ' + map.peakCol + ')');
    panel.caption.textContent = parts.join(' \u00b7 ');
    if (map && map.mass < NO_IMAGE_MASS) { panel.note.textContent = 'no attention on image'; panel.note.hidden = false; }

    // Which tokens attend to the patch under the pointer.
    const chips = panel.strip.querySelectorAll('.tok[data-text]');
    let keyColumn = null;
    if (state.patch && state.patch.run === panel.r && layer.image_rows) {
      const { row, col } = state.patch, grid = layer.image_rows.values.pool.grid, g = layer.image_rows.values.pool.factor;
      const cell = row * grid[1] + col;
      const scores = [];
      chips.forEach((chip) => {
        const p = selectedRows(layer, { kind: 'token', text: Number(chip.dataset.text) });
        const m = p && imageMap(layer, p.rows);
        scores.push(m ? m.values[cell] : 0);
      });
      const top = Math.max(...scores, 0);
      chips.forEach((chip, i) => chip.style.setProperty('--tint', top > 0 ? (0.75 * scores[i] / top).toFixed(3) : 0));
      const ranked = scores.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, 4).filter((x) => x[0] > 0);
      panel.caption.textContent = 'patch (' + row + ', ' + col + ') is attended most by ' +
        (ranked.map(([v, i]) => chips[i].textContent + ' ' + fmt(v)).join(', ') || 'no text token') +
        ' \u00b7 ' + layerLabel(currentKey());
      const sx = panel.overlay.clientWidth / grid[1], sy = panel.overlay.clientHeight / grid[0];
      Object.assign(panel.mark.style, { left: col * sx + 'px', top: row * sy + 'px', width: sx + 'px', height: sy + 'px' });
      panel.mark.hidden = false;
      if (g === 1) keyColumn = layer.spans.image.offset + cell;
    } else {
      chips.forEach((chip) => chip.style.removeProperty('--tint'));
    }
    panel.strip.querySelectorAll('.tok').forEach((chip) => {
      const mine = (s) => (s.kind === 'query' ? chip.dataset.query === '1' : Number(chip.dataset.text) === s.text && chip.dataset.text !== undefined);
      chip.classList.toggle('current', mine(sel));
      chip.classList.toggle('pinned', mine(state.pinned));
    });

    const peak = drawMatrix(panel.matrix, layer, picked && picked.rows, keyColumn);
    const pool = layer.matrix.pool.factor > 1 ? ' \u00b7 mean-pooled ' + layer.matrix.pool.factor + '\u00d7' + layer.matrix.pool.factor : '';
    panel.matrixCaption.textContent = layer.tq + '\u00d7' + layer.tk + ' tokens' + pool + ' \u00b7 ' +
      (state.log ? 'log, max\u00b71e-4 to max ' : '0 to max ') + fmt(peak) + ' \u00b7 rows: queries, columns: keys';
  }

  function renderLayerList() {
    const sel = selection();
    $('layer-list').querySelectorAll('button').forEach((b, i) => {
      b.classList.toggle('current', i === state.layer);
      const bars = b.querySelector('.mass');
      bars.replaceChildren();
      for (const run of runs) {
        const layer = layerOf(run, layerKeys[i]);
        const picked = layer && selectedRows(layer, sel);
        const map = layer && imageMap(layer, picked && picked.rows);
        const bar = el('i');
        bar.style.width = (map ? Math.round(60 * Math.min(1, map.mass)) : 0) + 'px';
        bars.append(bar);
      }
    });
  }

  function drawColorbar() {
    const c = $('colorbar'), ctx = c.getContext('2d'), img = ctx.createImageData(c.width, c.height);
    const table = lut(state.colormap);
    for (let x = 0; x < c.width; ++x) {
      const v = Math.round((x / (c.width - 1)) * 255);
      for (let y = 0; y < c.height; ++y) {
        const d = 4 * (y * c.width + x);
        img.data[d] = table[3 * v]; img.data[d + 1] = table[3 * v + 1]; img.data[d + 2] = table[3 * v + 2]; img.data[d + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
  }

  function render() {
    slider.value = state.layer;
    layerSelect.value = state.layer;
    $('alpha-value').textContent = state.alpha.toFixed(2);
    drawColorbar();
    panels.forEach(renderPanel);
    renderLayerList();
    document.body.dataset.layer = currentKey();
    document.body.dataset.selection = JSON.stringify(selection());
  }

  async function main() {
    $('prompt').textContent = data.prompt ? 'prompt: ' + data.prompt : '';
    blob = await inflateBlob();
    decodeImage();
    panels.forEach((p) => { p.overlay.width = displayW; p.overlay.height = displayH; });
    // The first layer where attnviz's query reads the image (with --layers all, layer 0
    // rarely does), so that the page opens on a meaningful picture.
    state.layer = Math.max(0, layerKeys.findIndex((key) => runs.some((run) => {
      const layer = layerOf(run, key), map = layer && imageMap(layer, layer.query_rows);
      return map && map.mass >= FIRST_LAYER_MASS;
    })));
    render();
    document.body.dataset.ready = '1';
  }

  main().catch((err) => {
    const p = el('p', 'error', 'This report could not be shown: ' + err.message);
    document.body.prepend(p);
    console.error(err);
  });
})();
