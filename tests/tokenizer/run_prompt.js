// `attnviz run --prompt` on a model that carries Llama-2's tokenizer.json: the ids it fed
// (the result JSON's input.prompt_ids) must be Hugging Face's, and its answer the text
// Hugging Face decodes from its answer ids.
//   node run_prompt.js NPM_DIR ATTNVIZ MODEL IMAGE WORK
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const [npmDir, attnviz, model, image, work] = process.argv.slice(2).map((a) => path.resolve(a));
const { Tokenizer } = require(path.join(npmDir, 'node_modules', '@anush008', 'tokenizers'));
const tokenizer = Tokenizer.fromFile(
  path.join(npmDir, 'node_modules', '@lenml', 'tokenizer-llama2', 'models', 'tokenizer.json'));

const prompts = [
  'What is in the picture?',
  '  leading spaces, and trailing ones  ',
  'Numbers 12345 and symbols #%&* stay apart',
  'Unicode: café, naïve, 東京, مرحبا, नमस्ते 🙂👩‍👩‍👧',
  'Two lines\nand a\ttab',
];
let failures = 0;
const check = (ok, what) => {
  console.log((ok ? 'ok    ' : 'FAIL  ') + what);
  if (!ok) failures += 1;
};

(async () => {
  for (const [i, prompt] of prompts.entries()) {
    const out = path.join(work, 'run' + i);
    fs.rmSync(out, { recursive: true, force: true });
    const stdout = execFileSync(attnviz, ['run', model, image, '--prompt', prompt, '--layers', 'all', '--out', out],
      { encoding: 'utf8' });
    const result = JSON.parse(fs.readFileSync(path.join(out, path.basename(image, '.png') + '.json'), 'utf8'));
    const hf = await tokenizer.encode(prompt);
    const hfIds = Array.from(hf.getIds());
    check(JSON.stringify(result.input.prompt_ids) === JSON.stringify(hfIds),
      `prompt ${i}: fed Hugging Face's ${hfIds.length} ids`);
    const answer = await tokenizer.decode(result.answer_ids, true);
    check(result.answer_ids.length > 0 && result.answer === answer,
      `prompt ${i}: the answer is Hugging Face's decode of its ${result.answer_ids.length} ids (${JSON.stringify(answer)})`);
    check(stdout.includes(answer), `prompt ${i}: the answer is printed as text`);
    check(result.input.tokens.length === hfIds.length + result.answer_ids.length,
      `prompt ${i}: a label per token fed`);
  }
  if (failures) {
    console.log(`${failures} checks failed`);
    process.exit(1);
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
