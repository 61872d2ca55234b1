// Encode throughput of the peers on the Brown corpus (tags removed, one encode call per file), for
// `bin/peers/run tokenizer-speed`, which alternates it with jprune's TokenizerSpeed: the
// JavaScript package (@huggingface/tokenizers) and, where installed, Hugging Face's Rust library
// 0.13.3 (its native Node module; one encode call runs on one thread), each with the gpt2-bpe and
// llama3 tokenizers of tokenizers/ (llama3 not for Rust 0.13, which lacks ignore_merges). A first
// pass warms the caches; the median of the next passes is printed.
const fs = require('fs');
const path = require('path');

const PASSES = 3;
const here = __dirname;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function time(label, mb, fn) {
  await fn();
  const secs = [];
  let n = 0;
  for (let i = 0; i < PASSES; i++) {
    const t0 = process.hrtime.bigint();
    n = await fn();
    secs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const m = median(secs);
  console.log(`${label}: ${mb.toFixed(2)} MB -> ${n} tokens, warm median ${m.toFixed(2)} s (${(mb / m).toFixed(1)} MB/s)`);
}

async function main() {
  const { Tokenizer } = await import(path.join(here, 'node_modules', '@huggingface', 'tokenizers', 'dist', 'tokenizers.mjs'));
  const brownDir = require('./brown_dir.js').brownDir();
  if (!brownDir) throw new Error('no Brown corpus ($JPRUNE_BROWN, bin/setup\'s cache or bin/peers/node_modules)');
  const names = fs.readdirSync(brownDir).filter((n) => /^c[a-r]\d\d$/.test(n)).sort();
  const texts = names.map((n) => fs.readFileSync(path.join(brownDir, n), 'utf8').replace(/(\S+)\/[^\s/]+/g, '$1'));
  const mb = texts.reduce((s, t) => s + Buffer.byteLength(t, 'utf8'), 0) / 1e6;
  const native = path.join(here, 'node_modules', 'tokenizers-linux-x64-gnu', 'tokenizers.linux-x64-gnu.node');
  for (const name of ['gpt2-bpe', 'llama3']) {
    const json = JSON.parse(fs.readFileSync(path.join(here, 'tokenizers', name, 'tokenizer.json'), 'utf8'));
    const js = new Tokenizer(json, {});
    await time(`javascript ${name}`, mb, () => texts.reduce((n, t) => n + js.encode(t, { add_special_tokens: false }).ids.length, 0));
    if (name !== 'llama3' && fs.existsSync(native)) {
      const rs = require(native);
      json.model.merges = json.model.merges.map((m) => m.join(' '));
      delete json.model.ignore_merges;
      const tok = rs.Tokenizer.fromString(JSON.stringify(json));
      await time(`rust 0.13.3 ${name}`, mb, async () => {
        let n = 0;
        for (const t of texts) n += (await tok.encode(t, null, { addSpecialTokens: false })).getIds().length;
        return n;
      });
    }
  }
}
main().catch((e) => { console.error(`tokenizer_speed.js: ${e.message}`); process.exit(1); });
