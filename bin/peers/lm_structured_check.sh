#!/usr/bin/env bash
# Structurally pruned checkpoints with uniform blocks are plain Hugging Face checkpoints: the independent
# float64 reference (lm_reference.py, written from transformers' definitions, knowing nothing of jprune's
# extra keys) loads them and computes jprune's logits. Prunes golden models (Llama GQA BF16 shards
# and explicit head_dim with biases: heads; Qwen2 and GPT-2: MLP neurons; GPT-2: a block; Llama GQA and
# Qwen2: a quarter of the residual width, with rescaled RMSNorm gains in F32 and rms_norm_eps), then compares.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/find-jdk
jprune_find_jdk
G=lm/src/test/resources/lm-golden
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ids=3,14,15,9,26,5,35,8,9,7
cases=("llama-gqa-untied-bf16-sharded heads --sparsity 0.5" "llama-headdim-bias-f32 heads --sparsity 0.5"
       "qwen2-bias-tied-bf16 mlp-neurons --sparsity 0.5" "gpt2-tied-f32 mlp-neurons --sparsity 0.25" "gpt2-tied-f32 blocks --blocks-to-remove 0"
       "llama-gqa-untied-bf16-sharded hidden --sparsity 0.25" "qwen2-bias-tied-bf16 hidden --sparsity 0.25")
for c in "${cases[@]}"; do
  read -r model granularity flag value <<<"$c"
  d="$out/$model-$granularity"
  ./jprune lm prune --model "$G/$model/model" --granularity "$granularity" "$flag" "$value" --out "$d" >/dev/null
  if grep -q '"jprune_' "$d/config.json"; then echo "$model $granularity: config.json has jprune_ keys" >&2; exit 1; fi
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp cli/target/jprune.jar bin/peers/LmLogits.java "$d" "$ids" "$d.jprune.txt" 2>/dev/null
  /usr/bin/python3 bin/peers/lm_reference.py forward --model "$d" --ids "$ids" --out "$d.ref.safetensors" >/dev/null
  /usr/bin/python3 - "$d" "$model $granularity" <<'PY'
import json, struct, sys
d, name = sys.argv[1], sys.argv[2]
java = [float(x) for x in open(d + ".jprune.txt").read().split()]
b = open(d + ".ref.safetensors", "rb").read()
n = struct.unpack("<Q", b[:8])[0]
s, e = json.loads(b[8:8 + n])["logits"]["data_offsets"]
ref = struct.unpack(f"<{(e - s) // 4}f", b[8 + n + s:8 + n + e])
err = max(abs(x - y) / max(1, abs(y)) for x, y in zip(java, ref))
print(f"{name}: {len(ref)} logits, max |jprune - reference| / max(1, |reference|) = {err:.2e}")
sys.exit(0 if len(java) == len(ref) and err < 1e-4 else 1)
PY
done
