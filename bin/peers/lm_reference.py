#!/usr/bin/python3
"""Independent reference for jprune's decoder-only language models (issue 9, item 8).

Written from the architectures' definitions (GPT-2; Llama and the checkpoints sharing its layout,
Qwen2 included), not from jprune's Java, with PyTorch (Debian's python3-torch) used only as an array
library: every layer below is spelled out by hand and computed in float64 from the stored weights
(F16/BF16 weights are widened exactly, so the reference sees precisely what a loader reads).
docs/lm-architectures.md states each convention and where in transformers it comes from.

usage:
  lm_reference.py make-checkpoint --arch gpt2|llama|qwen2 [shape options] --dtype F32|F16|BF16
                                  [--untied] [--shards N] [--prefix-style hf|hub] --seed S --out DIR
  lm_reference.py forward --model DIR --ids 1,2,3 --out FILE.safetensors [--dtype F32|F64]
  lm_reference.py golden --out lm/src/test/resources/lm-golden
  lm_reference.py selftest

The safetensors format is read and written by hand (no safetensors or transformers package):
8-byte little-endian header length N, N bytes of JSON, then the raw little-endian data. Files are
written the way the Rust safetensors crate (behind save_pretrained) writes them, so the same seed
gives the same bytes.
"""
import argparse
import json
import math
import os
import shutil
import struct
import sys
import tempfile

import numpy as np
import torch

TRANSFORMERS_VERSION = "4.46.3"  # the version save_pretrained would stamp; informational only

# safetensors dtype name -> (torch dtype, bytes per element, rank in the crate's Dtype enum).
# The crate orders tensors in a file by that rank, descending, then by name.
DTYPES = {
    "BOOL": (torch.bool, 1, 0),
    "U8": (torch.uint8, 1, 1),
    "I8": (torch.int8, 1, 2),
    "I16": (torch.int16, 2, 3),
    "F16": (torch.float16, 2, 5),
    "BF16": (torch.bfloat16, 2, 6),
    "I32": (torch.int32, 4, 7),
    "F32": (torch.float32, 4, 9),
    "F64": (torch.float64, 8, 11),
    "I64": (torch.int64, 8, 12),
}
TORCH_DTYPE_NAME = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}


def fail(msg):
    print(f"lm_reference.py: {msg}", file=sys.stderr)
    sys.exit(2)


# ----------------------------------------------------------------------------------------------
# safetensors, by hand
# ----------------------------------------------------------------------------------------------

def tensor_bytes(t, dtype):
    """Raw little-endian bytes of t stored as dtype (F16/BF16 as their true bit patterns)."""
    tdt = DTYPES[dtype][0]
    t = t.detach().to(tdt).contiguous()
    if dtype in ("F16", "BF16"):
        # Round-to-nearest-even happened in .to(); reinterpret the 16-bit patterns without change.
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    if dtype == "BOOL":
        return t.numpy().astype(np.uint8).tobytes()
    np_t = t.numpy()
    return np_t.astype(np_t.dtype.newbyteorder("<")).tobytes()


def write_atomic(path, data):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def safetensors_bytes(tensors, metadata=None):
    """tensors: list of (name, torch tensor, dtype name). Layout as the Rust crate writes it:
    data ordered by dtype rank descending then name, header JSON compact with __metadata__ first,
    each entry {dtype, shape, data_offsets}, header padded with spaces to a multiple of 8."""
    items = sorted(tensors, key=lambda x: (-DTYPES[x[2]][2], x[0]))
    header_parts = []
    if metadata is not None:
        header_parts.append(json.dumps("__metadata__") + ":" + json.dumps(metadata, separators=(",", ":")))
    blobs = []
    offset = 0
    for name, t, dt in items:
        b = tensor_bytes(t, dt)
        info = '{"dtype":%s,"shape":%s,"data_offsets":[%d,%d]}' % (
            json.dumps(dt), json.dumps(list(t.shape), separators=(",", ":")), offset, offset + len(b))
        header_parts.append(json.dumps(name) + ":" + info)
        blobs.append(b)
        offset += len(b)
    header = ("{" + ",".join(header_parts) + "}").encode("utf-8")
    header += b" " * ((-len(header)) % 8)
    return struct.pack("<Q", len(header)) + header + b"".join(blobs), offset


def read_safetensors(path):
    """Returns ({name: (dtype, shape, float64 tensor)}, metadata). Checks the header strictly."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        fail(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        fail(f"{path}: header length {n} exceeds the file")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    metadata = header.pop("__metadata__")
    out = {}
    spans = []
    for name, info in header.items():
        dt = info["dtype"]
        if dt not in DTYPES:
            fail(f"{path}: tensor {name} has dtype {dt}; this reader knows {sorted(DTYPES)}")
        shape = info["shape"]
        a, b = info["data_offsets"]
        count = math.prod(shape)
        if b - a != count * DTYPES[dt][1] or b > len(data):
            fail(f"{path}: tensor {name} offsets {a}..{b} do not fit shape {shape} {dt}")
        spans.append((a, b))
        buf = data[a:b]
        if dt == "BF16":
            bits = np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32).astype(np.float64)
        elif dt == "F16":
            arr = np.frombuffer(buf, dtype="<f2").astype(np.float64)
        elif dt == "BOOL":
            arr = np.frombuffer(buf, dtype=np.uint8).astype(np.float64)
        else:
            npdt = {"F32": "<f4", "F64": "<f8", "I64": "<i8", "I32": "<i4", "I16": "<i2",
                    "I8": "i1", "U8": "u1"}[dt]
            arr = np.frombuffer(buf, dtype=npdt).astype(np.float64)
        out[name] = (dt, shape, torch.from_numpy(arr.copy()).reshape(shape))
    spans.sort()
    pos = 0
    for a, b in spans:
        if a != pos:
            fail(f"{path}: data is not contiguous at offset {pos}")
        pos = b
    if pos != len(data):
        fail(f"{path}: {len(data) - pos} trailing bytes after the last tensor")
    return out, metadata


# ----------------------------------------------------------------------------------------------
# random checkpoints in the Hugging Face layout
# ----------------------------------------------------------------------------------------------

class Rng:
    """One generator, drawn in a fixed order, so the same seed gives the same weights."""

    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def normal(self, shape, std, mean=0.0):
        return torch.randn(shape, generator=self.g, dtype=torch.float64) * std + mean

    def ints(self, n, high):
        return torch.randint(0, high, (n,), generator=self.g).tolist()


def gpt2_config(a):
    cfg = {
        "activation_function": "gelu_new",
        "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.1,
        "bos_token_id": a.vocab - 1,
        "embd_pdrop": 0.1,
        "eos_token_id": a.vocab - 1,
        "initializer_range": 0.02,
        "layer_norm_epsilon": a.eps if a.eps is not None else 1e-5,
        "model_type": "gpt2",
        "n_embd": a.hidden,
        "n_head": a.heads,
        "n_inner": a.intermediate,
        "n_layer": a.layers,
        "n_positions": a.max_pos,
        "reorder_and_upcast_attn": False,
        "resid_pdrop": 0.1,
        "scale_attn_by_inverse_layer_idx": False,
        "scale_attn_weights": True,
        "summary_activation": None,
        "summary_first_dropout": 0.1,
        "summary_proj_to_labels": True,
        "summary_type": "cls_index",
        "summary_use_proj": True,
        "torch_dtype": TORCH_DTYPE_NAME[a.dtype],
        "transformers_version": TRANSFORMERS_VERSION,
        "use_cache": True,
        "vocab_size": a.vocab,
    }
    if a.untied:
        cfg["tie_word_embeddings"] = False
    if a.prefix_style == "hub":
        # The shape of the original hub config.json: n_ctx beside n_positions, no n_inner (so 4 * n_embd),
        # no torch_dtype, no transformers_version, task_specific_params.
        for k in ("n_inner", "torch_dtype", "transformers_version", "reorder_and_upcast_attn",
                  "scale_attn_by_inverse_layer_idx", "scale_attn_weights", "use_cache"):
            cfg.pop(k)
        cfg["n_ctx"] = a.max_pos
        cfg["task_specific_params"] = {"text-generation": {"do_sample": True, "max_length": 50}}
    return dict(sorted(cfg.items()))


def llama_config(a):
    head_dim = a.head_dim if a.head_dim else a.hidden // a.heads
    cfg = {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": bool(a.attention_bias),
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "head_dim": head_dim,
        "hidden_act": "silu",
        "hidden_size": a.hidden,
        "initializer_range": 0.02,
        "intermediate_size": a.intermediate,
        "max_position_embeddings": a.max_pos,
        "mlp_bias": bool(a.mlp_bias),
        "model_type": "llama",
        "num_attention_heads": a.heads,
        "num_hidden_layers": a.layers,
        "num_key_value_heads": a.kv_heads if a.kv_heads else a.heads,
        "pretraining_tp": 1,
        "rms_norm_eps": a.eps if a.eps is not None else 1e-5,
        "rope_scaling": rope_scaling_arg(a),
        "rope_theta": a.rope_theta,
        "tie_word_embeddings": not a.untied,
        "torch_dtype": TORCH_DTYPE_NAME[a.dtype],
        "transformers_version": TRANSFORMERS_VERSION,
        "use_cache": True,
        "vocab_size": a.vocab,
    }
    return dict(sorted(cfg.items()))


def qwen2_config(a):
    cfg = {
        "architectures": ["Qwen2ForCausalLM"],
        "attention_dropout": 0.0,
        "bos_token_id": a.vocab - 1,
        "eos_token_id": a.vocab - 1,
        "hidden_act": "silu",
        "hidden_size": a.hidden,
        "initializer_range": 0.02,
        "intermediate_size": a.intermediate,
        "max_position_embeddings": a.max_pos,
        "max_window_layers": a.layers,
        "model_type": "qwen2",
        "num_attention_heads": a.heads,
        "num_hidden_layers": a.layers,
        "num_key_value_heads": a.kv_heads if a.kv_heads else a.heads,
        "rms_norm_eps": a.eps if a.eps is not None else 1e-6,
        "rope_scaling": rope_scaling_arg(a),
        "rope_theta": a.rope_theta,
        "sliding_window": a.max_pos,
        "tie_word_embeddings": not a.untied,
        "torch_dtype": TORCH_DTYPE_NAME[a.dtype],
        "transformers_version": TRANSFORMERS_VERSION,
        "use_cache": True,
        "use_sliding_window": False,
        "vocab_size": a.vocab,
    }
    return dict(sorted(cfg.items()))


def rope_scaling_arg(a):
    if not a.llama3_rope:
        return None
    factor, low, high, orig = a.llama3_rope
    return {"factor": factor, "high_freq_factor": high, "low_freq_factor": low,
            "original_max_position_embeddings": int(orig), "rope_type": "llama3"}


def gpt2_weights(a, rng):
    """(name, tensor) in module order, names as GPT2LMHeadModel.save_pretrained writes them."""
    d, inner = a.hidden, a.intermediate or 4 * a.hidden
    p = "transformer." if a.prefix_style == "hf" else ""
    w = [(p + "wte.weight", rng.normal((a.vocab, d), 0.2)),
         (p + "wpe.weight", rng.normal((a.max_pos, d), 0.1))]
    for i in range(a.layers):
        h = f"{p}h.{i}."
        w += [(h + "ln_1.weight", rng.normal((d,), 0.1, 1.0)),
              (h + "ln_1.bias", rng.normal((d,), 0.05)),
              # Conv1D stores (in, out): y = x @ W + b.
              (h + "attn.c_attn.weight", rng.normal((d, 3 * d), 0.8 / math.sqrt(d))),
              (h + "attn.c_attn.bias", rng.normal((3 * d,), 0.05)),
              (h + "attn.c_proj.weight", rng.normal((d, d), 0.8 / math.sqrt(d))),
              (h + "attn.c_proj.bias", rng.normal((d,), 0.05)),
              (h + "ln_2.weight", rng.normal((d,), 0.1, 1.0)),
              (h + "ln_2.bias", rng.normal((d,), 0.05)),
              (h + "mlp.c_fc.weight", rng.normal((d, inner), 1.0 / math.sqrt(d))),
              (h + "mlp.c_fc.bias", rng.normal((inner,), 0.05)),
              (h + "mlp.c_proj.weight", rng.normal((inner, d), 0.8 / math.sqrt(inner))),
              (h + "mlp.c_proj.bias", rng.normal((d,), 0.05))]
        if a.prefix_style == "hub":
            # Legacy buffers of old GPT2Attention: the causal mask and the masking constant. Loaders ignore them.
            n = a.max_pos
            w += [(h + "attn.bias", torch.tril(torch.ones(n, n, dtype=torch.float64)).view(1, 1, n, n)),
                  (h + "attn.masked_bias", torch.tensor(-1e4, dtype=torch.float64))]
    w += [(p + "ln_f.weight", rng.normal((d,), 0.1, 1.0)), (p + "ln_f.bias", rng.normal((d,), 0.05))]
    if a.untied:
        w.append(("lm_head.weight", rng.normal((a.vocab, d), 0.2)))
    return w


def llama_weights(a, rng, qwen2=False):
    d, inter = a.hidden, a.intermediate
    hd = a.head_dim if a.head_dim else d // a.heads
    kvh = a.kv_heads if a.kv_heads else a.heads
    qkv_bias = qwen2 or a.attention_bias
    o_bias = (not qwen2) and a.attention_bias
    w = [("model.embed_tokens.weight", rng.normal((a.vocab, d), 0.2))]
    for i in range(a.layers):
        p = f"model.layers.{i}."
        # nn.Linear stores (out, in): y = x @ W^T + b.
        w.append((p + "self_attn.q_proj.weight", rng.normal((a.heads * hd, d), 1.0 / math.sqrt(d))))
        if qkv_bias:
            w.append((p + "self_attn.q_proj.bias", rng.normal((a.heads * hd,), 0.1)))
        w.append((p + "self_attn.k_proj.weight", rng.normal((kvh * hd, d), 1.0 / math.sqrt(d))))
        if qkv_bias:
            w.append((p + "self_attn.k_proj.bias", rng.normal((kvh * hd,), 0.1)))
        w.append((p + "self_attn.v_proj.weight", rng.normal((kvh * hd, d), 1.0 / math.sqrt(d))))
        if qkv_bias:
            w.append((p + "self_attn.v_proj.bias", rng.normal((kvh * hd,), 0.1)))
        w.append((p + "self_attn.o_proj.weight", rng.normal((d, a.heads * hd), 0.8 / math.sqrt(a.heads * hd))))
        if o_bias:
            w.append((p + "self_attn.o_proj.bias", rng.normal((d,), 0.05)))
        for name, shape, std in (("gate_proj", (inter, d), 1.0 / math.sqrt(d)),
                                 ("up_proj", (inter, d), 1.0 / math.sqrt(d)),
                                 ("down_proj", (d, inter), 1.0 / math.sqrt(inter))):
            w.append((p + f"mlp.{name}.weight", rng.normal(shape, std)))
            if a.mlp_bias and not qwen2:
                w.append((p + f"mlp.{name}.bias", rng.normal((shape[0],), 0.05)))
        w += [(p + "input_layernorm.weight", rng.normal((d,), 0.1, 1.0)),
              (p + "post_attention_layernorm.weight", rng.normal((d,), 0.1, 1.0))]
    w.append(("model.norm.weight", rng.normal((d,), 0.1, 1.0)))
    if a.untied:
        w.append(("lm_head.weight", rng.normal((a.vocab, d), 0.2)))
    return w


def check_shape_args(a):
    for k in ("vocab", "hidden", "heads", "layers", "max_pos"):
        if getattr(a, k) <= 0:
            fail(f"--{k.replace('_', '-')} must be positive, got {getattr(a, k)}")
    if a.arch == "gpt2":
        if a.hidden % a.heads:
            fail(f"gpt2 needs --hidden divisible by --heads (got {a.hidden} and {a.heads})")
        if a.kv_heads or a.head_dim or a.llama3_rope or a.attention_bias or a.mlp_bias:
            fail("--kv-heads, --head-dim, --llama3-rope, --attention-bias, --mlp-bias are llama/qwen2 options")
    else:
        if not a.intermediate:
            fail(f"{a.arch} needs --intermediate")
        if a.prefix_style != "hf":
            fail("--prefix-style hub exists only for gpt2")
        kvh = a.kv_heads or a.heads
        if a.heads % kvh:
            fail(f"--heads {a.heads} must be a multiple of --kv-heads {kvh}")
        hd = a.head_dim or a.hidden // a.heads
        if hd % 2:
            fail(f"head_dim {hd} must be even for rotary embeddings")
        if not a.head_dim and a.hidden % a.heads:
            fail(f"--hidden {a.hidden} not divisible by --heads {a.heads}: give --head-dim")
        if a.arch == "qwen2" and (a.attention_bias or a.mlp_bias):
            fail("qwen2 has fixed biases (q/k/v yes, o_proj and MLP no); --attention-bias/--mlp-bias are llama options")


def make_checkpoint(a):
    check_shape_args(a)
    rng = Rng(a.seed)
    if a.arch == "gpt2":
        cfg, weights = gpt2_config(a), gpt2_weights(a, rng)
    elif a.arch == "llama":
        cfg, weights = llama_config(a), llama_weights(a, rng)
    else:
        cfg, weights = qwen2_config(a), llama_weights(a, rng, qwen2=True)
    # Buffers keep their own dtype in a real checkpoint: the legacy mask stays F32 whatever the weights are.
    entries = [(n, t, "F32" if n.endswith((".attn.bias", ".attn.masked_bias")) else a.dtype) for n, t in weights]
    os.makedirs(a.out, exist_ok=True)
    for f in os.listdir(a.out):
        if f.endswith(".safetensors") or f in ("model.safetensors.index.json", "config.json"):
            os.remove(os.path.join(a.out, f))
    write_atomic(os.path.join(a.out, "config.json"), (json.dumps(cfg, indent=2) + "\n").encode())
    meta = {"format": "pt"}
    if a.shards <= 1:
        data, _ = safetensors_bytes(entries, meta)
        write_atomic(os.path.join(a.out, "model.safetensors"), data)
        return
    # Shards in module order, as save_pretrained's size-based split keeps consecutive parameters together.
    per = -(-len(entries) // a.shards)
    groups = [entries[i * per:(i + 1) * per] for i in range(a.shards)]
    if any(not g for g in groups):
        fail(f"--shards {a.shards} leaves an empty shard for {len(entries)} tensors")
    weight_map, total = {}, 0
    for k, g in enumerate(groups):
        fname = f"model-{k + 1:05d}-of-{a.shards:05d}.safetensors"
        data, size = safetensors_bytes(g, meta)
        total += size
        write_atomic(os.path.join(a.out, fname), data)
        for n, _, _ in g:
            weight_map[n] = fname
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    write_atomic(os.path.join(a.out, "model.safetensors.index.json"), (json.dumps(index, indent=2) + "\n").encode())


# ----------------------------------------------------------------------------------------------
# loading
# ----------------------------------------------------------------------------------------------

def load_model(model_dir):
    cfg_path = os.path.join(model_dir, "config.json")
    if not os.path.isfile(cfg_path):
        fail(f"{model_dir}: no config.json")
    with open(cfg_path) as f:
        cfg = json.load(f)
    index = os.path.join(model_dir, "model.safetensors.index.json")
    single = os.path.join(model_dir, "model.safetensors")
    tensors = {}
    if os.path.isfile(index):
        with open(index) as f:
            wm = json.load(f)["weight_map"]
        for fname in sorted(set(wm.values())):
            part, _ = read_safetensors(os.path.join(model_dir, fname))
            for n in part:
                if wm.get(n) != fname:
                    fail(f"{fname}: tensor {n} is not mapped to this shard by the index")
            tensors.update(part)
        missing = set(wm) - set(tensors)
        if missing:
            fail(f"{model_dir}: index names tensors no shard holds: {sorted(missing)[:5]}")
    elif os.path.isfile(single):
        tensors, _ = read_safetensors(single)
    else:
        fail(f"{model_dir}: neither model.safetensors nor model.safetensors.index.json")
    return cfg, {n: t for n, (_, _, t) in tensors.items()}


class Weights:
    """Name lookup that records what was used, so unexpected tensors are reported."""

    def __init__(self, tensors, prefixes, ignore_suffixes=()):
        self.t, self.prefixes, self.used = tensors, prefixes, set()
        self.ignored = {n for n in tensors if n.endswith(tuple(ignore_suffixes))}

    def get(self, name, shape, optional=False):
        for p in self.prefixes:
            if p + name in self.t:
                self.used.add(p + name)
                t = self.t[p + name]
                if list(t.shape) != list(shape):
                    fail(f"tensor {p + name} has shape {list(t.shape)}, expected {list(shape)}")
                return t
        if optional:
            return None
        fail(f"missing tensor {name} (tried prefixes {self.prefixes})")

    def check_all_used(self):
        extra = set(self.t) - self.used - self.ignored
        if extra:
            fail(f"unexpected tensors in checkpoint: {sorted(extra)[:8]}")


# ----------------------------------------------------------------------------------------------
# the forward, float64, from the definitions
# ----------------------------------------------------------------------------------------------

def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)  # biased variance
    return (x - mu) / torch.sqrt(var + eps) * g + b


def rms_norm(x, g, eps):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * g


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def gelu_erf(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def silu(x):
    return x / (1.0 + torch.exp(-x))


ACTS = {"gelu_new": gelu_tanh, "gelu_pytorch_tanh": gelu_tanh, "gelu_fast": None, "gelu": gelu_erf,
        "relu": lambda x: torch.clamp(x, min=0), "silu": silu, "swish": silu}


def activation(name):
    f = ACTS.get(name)
    if f is None:
        fail(f"activation {name!r} is not supported; supported: gelu_new, gelu_pytorch_tanh, gelu, relu, silu")
    return f


def attention(q, k, v, scale, past_len=0):
    """q: [H, Tq, hd], k/v: [H, Tk, hd] with Tk = past_len + Tq; query i sits at position past_len + i
    and sees keys 0..past_len + i. Returns [Tq, H * hd] (heads concatenated in order)."""
    s = torch.matmul(q, k.transpose(1, 2)) * scale
    tq, tk = q.shape[1], k.shape[1]
    allowed = torch.arange(tk)[None, :] <= (torch.arange(tq)[:, None] + past_len)
    s = s.masked_fill(~allowed, float("-inf"))
    s = s - s.max(-1, keepdim=True).values
    p = torch.exp(s)
    p = p / p.sum(-1, keepdim=True)
    o = torch.matmul(p, v)  # [H, Tq, hd]
    return o.transpose(0, 1).reshape(tq, -1)


class Gpt2:
    def __init__(self, cfg, tensors):
        self.vocab = cfg["vocab_size"]
        self.d = cfg.get("n_embd", cfg.get("hidden_size"))
        self.h = cfg.get("n_head", cfg.get("num_attention_heads"))
        self.n_layer = cfg.get("n_layer", cfg.get("num_hidden_layers"))
        self.n_pos = cfg.get("n_positions", cfg.get("max_position_embeddings"))
        if None in (self.d, self.h, self.n_layer, self.n_pos):
            fail("gpt2 config needs n_embd, n_head, n_layer, n_positions")
        self.inner = cfg.get("n_inner") or 4 * self.d
        self.eps = cfg.get("layer_norm_epsilon", 1e-5)
        self.act = activation(cfg.get("activation_function", "gelu_new"))
        self.scale_attn = cfg.get("scale_attn_weights", True)
        self.inv_layer = cfg.get("scale_attn_by_inverse_layer_idx", False)
        tied = cfg.get("tie_word_embeddings", True)
        d, inner, V = self.d, self.inner, self.vocab
        w = Weights(tensors, ["transformer.", ""], (".attn.bias", ".attn.masked_bias"))
        self.wte = w.get("wte.weight", (V, d))
        self.wpe = w.get("wpe.weight", (self.n_pos, d))
        self.layers = []
        for i in range(self.n_layer):
            p = f"h.{i}."
            self.layers.append({k: w.get(p + k, s) for k, s in (
                ("ln_1.weight", (d,)), ("ln_1.bias", (d,)),
                ("attn.c_attn.weight", (d, 3 * d)), ("attn.c_attn.bias", (3 * d,)),
                ("attn.c_proj.weight", (d, d)), ("attn.c_proj.bias", (d,)),
                ("ln_2.weight", (d,)), ("ln_2.bias", (d,)),
                ("mlp.c_fc.weight", (d, inner)), ("mlp.c_fc.bias", (inner,)),
                ("mlp.c_proj.weight", (inner, d)), ("mlp.c_proj.bias", (d,)))})
        self.ln_f = (w.get("ln_f.weight", (d,)), w.get("ln_f.bias", (d,)))
        if tied:
            # Tied: the head is wte; a stored lm_head.weight (some exports keep it) is ignored.
            w.ignored |= {n for n in tensors if n == "lm_head.weight"}
            self.head = self.wte
        else:
            self.head = Weights(tensors, [""]).get("lm_head.weight", (V, d))
            w.used.add("lm_head.weight")
        w.check_all_used()

    def forward(self, ids, cache=None):
        """Logits [T, vocab] for ids placed after the cache's tokens (cache: list of (k, v) per layer)."""
        past = 0 if cache is None or not cache[0] else cache[0][0].shape[1]
        T, d, H = len(ids), self.d, self.h
        hd = d // H
        if past + T > self.n_pos:
            fail(f"sequence of {past + T} tokens exceeds n_positions {self.n_pos}")
        x = self.wte[ids] + self.wpe[past:past + T]
        for i, L in enumerate(self.layers):
            a = layer_norm(x, L["ln_1.weight"], L["ln_1.bias"], self.eps)
            qkv = a @ L["attn.c_attn.weight"] + L["attn.c_attn.bias"]
            q, k, v = (qkv[:, j * d:(j + 1) * d].reshape(T, H, hd).transpose(0, 1) for j in range(3))
            if cache is not None:
                if cache[i]:
                    k = torch.cat([cache[i][0], k], 1)
                    v = torch.cat([cache[i][1], v], 1)
                cache[i] = (k, v)
            scale = (1.0 / math.sqrt(hd) if self.scale_attn else 1.0) / ((i + 1) if self.inv_layer else 1)
            o = attention(q, k, v, scale, past)
            x = x + o @ L["attn.c_proj.weight"] + L["attn.c_proj.bias"]
            m = layer_norm(x, L["ln_2.weight"], L["ln_2.bias"], self.eps)
            x = x + self.act(m @ L["mlp.c_fc.weight"] + L["mlp.c_fc.bias"]) @ L["mlp.c_proj.weight"] + L["mlp.c_proj.bias"]
        x = layer_norm(x, self.ln_f[0], self.ln_f[1], self.eps)
        return x @ self.head.T

    def new_cache(self):
        return [None] * self.n_layer


def rope_inv_freq(cfg, head_dim):
    """inv_freq[i] = theta^(-2i/head_dim), i < head_dim/2, then the rope_scaling adjustment."""
    rs = cfg.get("rope_scaling")
    theta = cfg.get("rope_theta", 10000.0)
    if cfg.get("rope_parameters") is not None:  # transformers v5 spelling: theta and scaling in one dict
        rs = dict(cfg["rope_parameters"])
        theta = rs.pop("rope_theta", theta)
    rtype = None if rs is None else rs.get("rope_type", rs.get("type", "default"))
    if cfg.get("partial_rotary_factor", 1.0) != 1.0 or (rs or {}).get("partial_rotary_factor", 1.0) != 1.0:
        fail("partial_rotary_factor != 1 is not supported")
    i = torch.arange(0, head_dim, 2, dtype=torch.float64)
    inv = 1.0 / (float(theta) ** (i / head_dim))
    if rtype in (None, "default"):
        return inv
    if rtype == "linear":
        return inv / float(rs["factor"])
    if rtype == "llama3":
        for key in ("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"):
            if key not in rs:
                fail(f"rope_scaling llama3 needs {key}")
        factor, lo, hi = float(rs["factor"]), float(rs["low_freq_factor"]), float(rs["high_freq_factor"])
        old = float(rs["original_max_position_embeddings"])
        out = inv.clone()
        for j in range(len(inv)):
            wavelen = 2.0 * math.pi / inv[j].item()
            if wavelen < old / hi:  # high frequency: unchanged
                continue
            if wavelen > old / lo:  # low frequency: slowed down by factor
                out[j] = inv[j] / factor
            else:  # in between: blend the two by how many turns fit in the old context
                smooth = (old / wavelen - lo) / (hi - lo)
                out[j] = (1.0 - smooth) * inv[j] / factor + smooth * inv[j]
        return out
    fail(f"rope_scaling type {rtype!r} is not supported (supported: default, linear, llama3)")


def kv_head_of_query_head(H, KV):
    """Query head h reads KV head h // (H / KV): consecutive query heads share one KV head."""
    return torch.arange(H) // (H // KV)


def apply_rope(x, pos, inv_freq):
    """x: [H, T, hd]; rotate-half convention: element i pairs with i + hd/2 (not adjacent pairs)."""
    ang = pos[:, None].to(inv_freq.dtype) * inv_freq[None, :]  # [T, hd/2]
    cos, sin = torch.cos(ang), torch.sin(ang)
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1)


class Llama:
    def __init__(self, cfg, tensors):
        mt = cfg["model_type"]
        self.qwen2 = mt == "qwen2"
        req = ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads")
        for k in req:
            if k not in cfg:
                fail(f"{mt} config needs {k}")
        V, d, inter = cfg["vocab_size"], cfg["hidden_size"], cfg["intermediate_size"]
        self.vocab, self.d = V, d
        self.H = cfg["num_attention_heads"]
        if self.qwen2 and cfg.get("num_key_value_heads") is None:
            # Qwen2Config's default is 32 (Qwen2-7B's value), not num_attention_heads: refuse to guess.
            fail("qwen2 config needs num_key_value_heads")
        self.KV = cfg.get("num_key_value_heads") or self.H
        if self.H % self.KV:
            fail(f"num_attention_heads {self.H} is not a multiple of num_key_value_heads {self.KV}")
        self.hd = cfg.get("head_dim") or d // self.H
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        if cfg.get("hidden_act", "silu") not in ("silu", "swish"):
            fail(f"hidden_act {cfg.get('hidden_act')!r} is not supported (silu)")
        if self.qwen2 and cfg.get("use_sliding_window", False):
            self.window = cfg.get("sliding_window")
            self.window_from = cfg.get("max_window_layers", 0)
        else:
            self.window = None
        self.inv_freq = rope_inv_freq(cfg, self.hd)
        qkv_bias = True if self.qwen2 else cfg.get("attention_bias", False)
        o_bias = False if self.qwen2 else cfg.get("attention_bias", False)
        mlp_bias = False if self.qwen2 else cfg.get("mlp_bias", False)
        tied = cfg.get("tie_word_embeddings", False)
        H, KV, hd = self.H, self.KV, self.hd
        w = Weights(tensors, [""])
        self.embed = w.get("model.embed_tokens.weight", (V, d))
        self.layers = []
        for i in range(cfg["num_hidden_layers"]):
            p = f"model.layers.{i}."
            L = {}
            for name, out_f, in_f, bias in (("self_attn.q_proj", H * hd, d, qkv_bias),
                                            ("self_attn.k_proj", KV * hd, d, qkv_bias),
                                            ("self_attn.v_proj", KV * hd, d, qkv_bias),
                                            ("self_attn.o_proj", d, H * hd, o_bias),
                                            ("mlp.gate_proj", inter, d, mlp_bias),
                                            ("mlp.up_proj", inter, d, mlp_bias),
                                            ("mlp.down_proj", d, inter, mlp_bias)):
                L[name] = (w.get(p + name + ".weight", (out_f, in_f)),
                           w.get(p + name + ".bias", (out_f,)) if bias else None)
            L["in_norm"] = w.get(p + "input_layernorm.weight", (d,))
            L["post_norm"] = w.get(p + "post_attention_layernorm.weight", (d,))
            self.layers.append(L)
        self.norm = w.get("model.norm.weight", (d,))
        if tied:
            w.ignored |= {"lm_head.weight"}
            self.head = self.embed
        else:
            self.head = w.get("lm_head.weight", (V, d))
        w.check_all_used()

    @staticmethod
    def linear(x, wb):
        y = x @ wb[0].T
        return y if wb[1] is None else y + wb[1]

    def forward(self, ids, cache=None):
        past = 0 if cache is None or not cache[0] else cache[0][0].shape[1]
        T, H, KV, hd = len(ids), self.H, self.KV, self.hd
        pos = torch.arange(past, past + T)
        x = self.embed[ids]
        for i, L in enumerate(self.layers):
            a = rms_norm(x, L["in_norm"], self.eps)
            q = self.linear(a, L["self_attn.q_proj"]).reshape(T, H, hd).transpose(0, 1)
            k = self.linear(a, L["self_attn.k_proj"]).reshape(T, KV, hd).transpose(0, 1)
            v = self.linear(a, L["self_attn.v_proj"]).reshape(T, KV, hd).transpose(0, 1)
            q, k = apply_rope(q, pos, self.inv_freq), apply_rope(k, pos, self.inv_freq)
            if cache is not None:  # the cache holds keys after rotation
                if cache[i]:
                    k = torch.cat([cache[i][0], k], 1)
                    v = torch.cat([cache[i][1], v], 1)
                cache[i] = (k, v)
            if self.window is not None and i >= self.window_from and past + T > self.window:
                fail(f"sliding-window attention over {past + T} > {self.window} tokens is not implemented")
            kv_of = kv_head_of_query_head(H, KV)
            kx, vx = k[kv_of], v[kv_of]
            o = attention(q, kx, vx, 1.0 / math.sqrt(hd), past)
            x = x + self.linear(o, L["self_attn.o_proj"])
            m = rms_norm(x, L["post_norm"], self.eps)
            x = x + self.linear(silu(self.linear(m, L["mlp.gate_proj"])) * self.linear(m, L["mlp.up_proj"]),
                                L["mlp.down_proj"])
        x = rms_norm(x, self.norm, self.eps)
        return x @ self.head.T

    def new_cache(self):
        return [None] * len(self.layers)


def build(model_dir):
    cfg, tensors = load_model(model_dir)
    mt = cfg.get("model_type")
    if mt == "gpt2":
        return Gpt2(cfg, tensors)
    if mt in ("llama", "qwen2"):
        return Llama(cfg, tensors)
    fail(f"{model_dir}: model_type {mt!r} is not supported (gpt2, llama, qwen2)")


def check_ids(model, ids):
    for t in ids:
        if not 0 <= t < model.vocab:
            fail(f"token id {t} outside vocabulary [0, {model.vocab})")


def forward_cmd(a):
    model = build(a.model)
    ids = parse_ids(a.ids)
    check_ids(model, ids)
    with torch.no_grad():
        logits = model.forward(ids)
    data, _ = safetensors_bytes([("logits", logits, a.dtype)], {"format": "pt"})
    write_atomic(a.out, data)


def parse_ids(s):
    try:
        ids = [int(x) for x in s.split(",") if x.strip()]
    except ValueError:
        fail(f"--ids must be comma-separated integers, got {s!r}")
    if not ids:
        fail("--ids is empty")
    return ids


# ----------------------------------------------------------------------------------------------
# golden cases
# ----------------------------------------------------------------------------------------------

# name -> (make-checkpoint arguments, sequence length, seed of the token ids)
CASES = {
    "gpt2-tied-f32": ("--arch gpt2 --vocab 97 --hidden 48 --heads 3 --layers 2 --max-pos 64 --dtype F32 --seed 11", 17),
    "gpt2-hub-legacy-f32": ("--arch gpt2 --prefix-style hub --vocab 61 --hidden 24 --heads 2 --layers 2 --max-pos 32 "
                            "--dtype F32 --seed 12", 13),
    "gpt2-f16": ("--arch gpt2 --vocab 101 --hidden 32 --heads 4 --layers 2 --intermediate 80 --max-pos 32 "
                 "--eps 1e-6 --dtype F16 --seed 13", 15),
    "llama-gqa-untied-bf16-sharded": ("--arch llama --vocab 113 --hidden 64 --heads 4 --kv-heads 2 --layers 2 "
                                      "--intermediate 88 --max-pos 128 --untied --dtype BF16 --shards 2 --seed 14", 19),
    "llama3-rope-tied-f32": ("--arch llama --vocab 89 --hidden 32 --heads 2 --kv-heads 1 --layers 2 --intermediate 64 "
                             "--max-pos 256 --rope-theta 500000 --llama3-rope 8,1,4,64 --dtype F32 --seed 15", 72),
    "llama-headdim-bias-f32": ("--arch llama --vocab 97 --hidden 48 --heads 4 --kv-heads 2 --head-dim 16 --layers 2 "
                               "--intermediate 72 --max-pos 64 --untied --attention-bias --mlp-bias --dtype F32 --seed 16", 14),
    "qwen2-bias-tied-bf16": ("--arch qwen2 --vocab 103 --hidden 48 --heads 6 --kv-heads 2 --layers 2 --intermediate 80 "
                             "--max-pos 128 --rope-theta 1000000 --dtype BF16 --seed 17", 16),
}


def golden_cmd(a):
    root = a.out
    os.makedirs(root, exist_ok=True)
    lines = []
    for name, (argstr, T) in CASES.items():
        case = os.path.join(root, name)
        mdir = os.path.join(case, "model")
        ca = parser().parse_args(["make-checkpoint"] + argstr.split() + ["--out", mdir])
        make_checkpoint(ca)
        model = build(mdir)
        ids = Rng(1000 + ca.seed).ints(T, model.vocab)
        with torch.no_grad():
            logits = model.forward(ids)
        write_atomic(os.path.join(case, "ids.json"), (json.dumps(ids) + "\n").encode())
        data, _ = safetensors_bytes([("logits", logits, "F32")], {"format": "pt"})
        write_atomic(os.path.join(case, "logits.safetensors"), data)
        how = (f"made by `bin/peers/lm_golden.sh` = `/usr/bin/python3 bin/peers/lm_reference.py make-checkpoint {argstr} "
               f"--out {name}/model` then `forward --model {name}/model --ids <ids.json> --out {name}/logits.safetensors` "
               f"(float64 forward, stored as F32 [{T}, {model.vocab}])")
        write_atomic(os.path.join(case, "README.md"), (f"# {name}\n\n{how}\n").encode())
        lines.append(f"| `{name}` | `{argstr}` | {T} |")
    readme = ["# Golden logits for the language-model forward (issue 9, item 8)", "",
              "Regenerate with `bin/peers/lm_golden.sh` (same seeds give the same bytes). Each case holds",
              "`model/` (a Hugging Face checkpoint directory), `ids.json` (a JSON array of token ids) and",
              "`logits.safetensors` (tensor `logits`, F32 [T, vocab], computed in float64 by",
              "`bin/peers/lm_reference.py forward` from the stored weights). Conventions: `docs/lm-architectures.md`.", "",
              "| case | make-checkpoint arguments | T |", "|---|---|---|"] + lines
    write_atomic(os.path.join(root, "README.md"), ("\n".join(readme) + "\n").encode())


# ----------------------------------------------------------------------------------------------
# self-test
# ----------------------------------------------------------------------------------------------

def selftest_cmd(a):
    torch.manual_seed(0)
    failures = []
    passed = 0

    def check(name, ok, detail=""):
        nonlocal passed
        if ok:
            passed += 1
            print(f"ok   {name}")
        else:
            failures.append(name)
            print(f"FAIL {name} {detail}")

    def close(x, y, tol=1e-12):
        return torch.max(torch.abs(x - y)).item() <= tol * max(1.0, torch.max(torch.abs(y)).item())

    tmp = tempfile.mkdtemp(prefix="lmref-")
    made = {}

    def mk(tag, argstr):
        out = os.path.join(tmp, tag)
        make_checkpoint(parser().parse_args(["make-checkpoint"] + argstr.split() + ["--out", out]))
        made[tag] = out
        return out

    # 1. The format: a round trip keeps every value; F16/BF16 are torch's round-to-nearest-even bit patterns.
    x = torch.randn(5, 7, dtype=torch.float64) * 3
    for dt in ("F32", "F16", "BF16", "F64"):
        p = os.path.join(tmp, f"rt-{dt}.safetensors")
        data, _ = safetensors_bytes([("b", x, dt), ("a", x[0], dt)], {"format": "pt"})
        write_atomic(p, data)
        back, meta = read_safetensors(p)
        want = x.to(DTYPES[dt][0]).to(torch.float64)
        (n,) = struct.unpack("<Q", data[:8])
        check(f"safetensors round trip {dt}", torch.equal(back["b"][2], want) and torch.equal(back["a"][2], want[0])
              and meta == {"format": "pt"} and n % 8 == 0)
    check("bf16 bits: 1.0 -> 0x3F80, -2.5 -> 0xC020",
          tensor_bytes(torch.tensor([1.0, -2.5]), "BF16") == bytes([0x80, 0x3F, 0x20, 0xC0]))

    # 2. Elementwise pieces against torch's own implementations.
    z = torch.linspace(-6, 6, 241, dtype=torch.float64)
    check("gelu_new equals torch gelu(approximate='tanh')",
          close(gelu_tanh(z), torch.nn.functional.gelu(z, approximate="tanh")))
    check("gelu (erf) equals torch gelu", close(gelu_erf(z), torch.nn.functional.gelu(z)))
    check("silu equals torch silu", close(silu(z), torch.nn.functional.silu(z)))
    xs = torch.randn(4, 9, dtype=torch.float64)
    g, b = torch.randn(9, dtype=torch.float64), torch.randn(9, dtype=torch.float64)
    check("layer_norm equals torch layer_norm (biased variance, eps inside the root)",
          close(layer_norm(xs, g, b, 1e-5), torch.nn.functional.layer_norm(xs, (9,), g, b, 1e-5)))
    check("rms_norm: unit root-mean-square before the gain",
          close(rms_norm(xs, torch.ones(9, dtype=torch.float64), 0.0).pow(2).mean(-1), torch.ones(4, dtype=torch.float64)))

    # 3. RoPE: rotate-half equals complex multiplication of (x[i], x[i + hd/2]) by e^{i pos inv_freq[i]},
    # and q.k after rotation depends only on the distance between positions.
    hd = 8
    inv = rope_inv_freq({"rope_theta": 10000.0}, hd)
    check("inv_freq = theta^(-2i/d)", close(inv, torch.tensor([10000.0 ** (-2 * i / hd) for i in range(hd // 2)],
                                                               dtype=torch.float64)))
    qv = torch.randn(1, 5, hd, dtype=torch.float64)
    pos = torch.tensor([0, 1, 2, 7, 30])
    rot = apply_rope(qv, pos, inv)
    c = torch.complex(qv[..., :hd // 2], qv[..., hd // 2:]) * torch.exp(1j * pos[:, None].double() * inv[None, :])
    check("rotate-half = complex rotation of pairs (i, i+d/2)", close(rot, torch.cat([c.real, c.imag], -1)))
    k1 = torch.randn(1, 1, hd, dtype=torch.float64)
    d1 = (apply_rope(qv[:, :1], torch.tensor([5]), inv) * apply_rope(k1, torch.tensor([3]), inv)).sum()
    d2 = (apply_rope(qv[:, :1], torch.tensor([12]), inv) * apply_rope(k1, torch.tensor([10]), inv)).sum()
    check("rope: q.k depends only on the position difference", abs(d1 - d2).item() < 1e-12)

    # 4. llama3 scaling: high frequencies kept, low ones divided by factor, the middle in between and monotone.
    cfg3 = {"rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                     "high_freq_factor": 4.0, "original_max_position_embeddings": 64}}
    base = rope_inv_freq({"rope_theta": 500000.0}, 16)
    scaled = rope_inv_freq(cfg3, 16)
    wl = 2 * math.pi / base
    hi_mask, lo_mask = wl < 64 / 4.0, wl > 64 / 1.0
    mid = ~hi_mask & ~lo_mask
    check("llama3: high-frequency band unchanged", torch.equal(scaled[hi_mask], base[hi_mask]) and hi_mask.any().item())
    check("llama3: low-frequency band divided by factor", close(scaled[lo_mask], base[lo_mask] / 8.0) and lo_mask.any().item())
    check("llama3: middle band strictly between", mid.any().item() and bool(
        ((scaled[mid] < base[mid]) & (scaled[mid] > base[mid] / 8.0)).all()))
    check("llama3: frequencies stay decreasing", bool((scaled[1:] < scaled[:-1]).all()))

    # 4b. Attention block against torch.nn.MultiheadAttention (independent code: packed in-projection,
    # causal float mask), with GPT-2's Conv1D weights transposed into nn.Linear's (out, in).
    d, H, T = 24, 3, 9
    W, bW = torch.randn(d, 3 * d, dtype=torch.float64) / 5, torch.randn(3 * d, dtype=torch.float64) / 10
    P, bP = torch.randn(d, d, dtype=torch.float64) / 5, torch.randn(d, dtype=torch.float64) / 10
    xa = torch.randn(T, d, dtype=torch.float64)
    qkv = xa @ W + bW
    q, k, v = (qkv[:, j * d:(j + 1) * d].reshape(T, H, d // H).transpose(0, 1) for j in range(3))
    mine = attention(q, k, v, 1.0 / math.sqrt(d // H)) @ P + bP
    mha = torch.nn.MultiheadAttention(d, H, bias=True, batch_first=True).double()
    with torch.no_grad():
        mha.in_proj_weight.copy_(W.T)
        mha.in_proj_bias.copy_(bW)
        mha.out_proj.weight.copy_(P.T)
        mha.out_proj.bias.copy_(bP)
        mask = torch.triu(torch.full((T, T), float("-inf"), dtype=torch.float64), 1)
        ref, _ = mha(xa[None], xa[None], xa[None], attn_mask=mask, need_weights=False)
    check("causal attention equals torch.nn.MultiheadAttention", close(mine, ref[0], 1e-12))

    # 5. Whole models: causality, cache = full forward, determinism, layout equivalences.
    specs = {
        "gpt2": "--arch gpt2 --vocab 37 --hidden 24 --heads 3 --layers 2 --max-pos 32 --dtype F32 --seed 1",
        "gpt2hub": "--arch gpt2 --prefix-style hub --vocab 37 --hidden 24 --heads 3 --layers 2 --max-pos 32 --dtype F32 --seed 1",
        "gpt2untied": "--arch gpt2 --vocab 37 --hidden 24 --heads 3 --layers 2 --max-pos 32 --dtype F16 --untied --seed 2",
        "llama": "--arch llama --vocab 41 --hidden 32 --heads 4 --kv-heads 2 --layers 2 --intermediate 40 --max-pos 64 "
                 "--dtype BF16 --untied --seed 3",
        "llama2shards": "--arch llama --vocab 41 --hidden 32 --heads 4 --kv-heads 2 --layers 2 --intermediate 40 "
                        "--max-pos 64 --dtype BF16 --untied --shards 3 --seed 3",
        "llama3": "--arch llama --vocab 41 --hidden 32 --heads 2 --kv-heads 1 --head-dim 16 --layers 2 --intermediate 40 "
                  "--max-pos 128 --rope-theta 500000 --llama3-rope 8,1,4,64 --dtype F32 --attention-bias --mlp-bias --seed 4",
        "qwen2": "--arch qwen2 --vocab 43 --hidden 36 --heads 6 --kv-heads 3 --layers 2 --intermediate 50 --max-pos 64 "
                 "--dtype F32 --seed 5",
    }
    for tag, s in specs.items():
        mk(tag, s)
    ids = Rng(7).ints(24, 37)
    with torch.no_grad():
        for tag in specs:
            m = build(made[tag])
            full = m.forward(ids)
            check(f"{tag}: logits finite and not degenerate (std {full.std().item():.2f})",
                  bool(torch.isfinite(full).all()) and 0.3 < full.std().item() < 20)
            ids2 = ids[:10] + [(t + 5) % 37 for t in ids[10:]]
            other = m.forward(ids2)
            check(f"{tag}: causal (positions < 10 ignore later tokens)",
                  close(full[:10], other[:10]) and not close(full[10:], other[10:]))
            cache = m.new_cache()
            steps = [m.forward(ids[:7], cache)] + [m.forward([t], cache) for t in ids[7:]]
            check(f"{tag}: KV-cache prefill 7 + one token at a time equals the full forward",
                  close(torch.cat(steps, 0), full, 1e-10))
        g = build(made["gpt2"])
        check("gpt2 tied: no lm_head.weight stored, head is wte",
              "lm_head.weight" not in load_model(made["gpt2"])[1] and g.head is g.wte)
        check("gpt2: hub naming with legacy attn.bias/masked_bias gives the same logits",
              torch.equal(build(made["gpt2hub"]).forward(ids), g.forward(ids)))
        check("llama: 3 shards give the same logits as 1 file",
              torch.equal(build(made["llama2shards"]).forward(ids), build(made["llama"]).forward(ids)))
        # GQA: expanding K/V weights so that every query head has its own copy gives the same function.
        cfg, t = load_model(made["llama"])
        H, KV, hd = 4, 2, 8
        t2 = dict(t)
        for i in range(2):
            for n in ("k_proj", "v_proj"):
                w = t[f"model.layers.{i}.self_attn.{n}.weight"].reshape(KV, hd, -1)
                t2[f"model.layers.{i}.self_attn.{n}.weight"] = w[torch.arange(H) // (H // KV)].reshape(H * hd, -1)
        mha = Llama(dict(cfg, num_key_value_heads=H), t2)
        check("GQA: query head h uses KV head h // (H/KV) (equals MHA with repeated K/V rows)",
              close(mha.forward(ids), build(made["llama"]).forward(ids), 1e-12))
        # Causal mask on positions beyond the window of a first query: first-token logits don't depend on the rest.
        q2 = build(made["qwen2"])
        check("qwen2: o_proj has no bias, q/k/v do", q2.layers[0]["self_attn.o_proj"][1] is None
              and q2.layers[0]["self_attn.q_proj"][1] is not None)
    # 6. The golden files can tell each plausible mistake apart: every wrong convention below moves the logits
    # by far more than the 1e-4 tolerance (measured as |a - b| / max(1, |b|)).
    g = globals()

    def wrong(desc, tag, patch, threshold=1e-2):
        with torch.no_grad():
            m = build(made[tag])
            right = m.forward(ids)
            saved = {k: g[k] for k in patch}
            g.update(patch)
            try:
                bad = build(made[tag]).forward(ids)
            finally:
                g.update(saved)
        err = (torch.abs(bad - right) / torch.clamp(torch.abs(right), min=1.0)).max().item()
        check(f"detects {desc} (error {err:.1e} > {threshold:.0e})", err > threshold)

    def rope_interleaved(x, pos, inv_freq):
        ang = pos[:, None].to(inv_freq.dtype) * inv_freq[None, :]
        cos, sin = torch.cos(ang), torch.sin(ang)
        x1, x2 = x[..., 0::2], x[..., 1::2]
        return torch.stack([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1).flatten(-2)

    wrong("interleaved-pair RoPE", "llama", {"apply_rope": rope_interleaved})
    wrong("GQA mapping h % KV", "llama", {"kv_head_of_query_head": lambda H, KV: torch.arange(H) % KV})
    # erf and tanh GELU differ by at most ~5e-4 per activation: visible, but only a few times the tolerance.
    wrong("erf GELU for gelu_new", "gpt2", {"ACTS": dict(ACTS, gelu_new=gelu_erf)}, 3e-4)
    wrong("llama3 rope_scaling ignored", "llama3",
          {"rope_inv_freq": lambda cfg, hd: 1.0 / (500000.0 ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))})
    wrong("RMSNorm with mean subtracted (LayerNorm)", "qwen2",
          {"rms_norm": lambda x, w, eps: layer_norm(x, w, 0.0, eps)})

    # Determinism of the writer.
    a1 = open(os.path.join(made["llama2shards"], "model-00002-of-00003.safetensors"), "rb").read()
    mk("again", specs["llama2shards"])
    a2 = open(os.path.join(made["again"], "model-00002-of-00003.safetensors"), "rb").read()
    check("same seed, same bytes", a1 == a2)
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


# ----------------------------------------------------------------------------------------------

def parser():
    ap = argparse.ArgumentParser(prog="lm_reference.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    mc = sub.add_parser("make-checkpoint", help="write a random-weight checkpoint in the Hugging Face layout")
    mc.add_argument("--arch", choices=["gpt2", "llama", "qwen2"], required=True)
    mc.add_argument("--vocab", type=int, default=97)
    mc.add_argument("--hidden", type=int, default=48)
    mc.add_argument("--heads", type=int, default=3)
    mc.add_argument("--kv-heads", type=int, default=None)
    mc.add_argument("--head-dim", type=int, default=None, help="llama: explicit head_dim (config field)")
    mc.add_argument("--layers", type=int, default=2)
    mc.add_argument("--intermediate", type=int, default=None, help="gpt2 n_inner (default 4*hidden) / intermediate_size")
    mc.add_argument("--max-pos", type=int, default=64, help="n_positions / max_position_embeddings")
    mc.add_argument("--eps", type=float, default=None, help="layer_norm_epsilon / rms_norm_eps")
    mc.add_argument("--rope-theta", type=float, default=10000.0)
    mc.add_argument("--llama3-rope", type=lambda s: [float(v) for v in s.split(",")], default=None,
                    metavar="FACTOR,LOW,HIGH,ORIG_MAX", help="rope_scaling of rope_type llama3")
    mc.add_argument("--attention-bias", action="store_true", help="llama: attention_bias (q, k, v and o_proj)")
    mc.add_argument("--mlp-bias", action="store_true", help="llama: mlp_bias")
    mc.add_argument("--dtype", choices=["F32", "F16", "BF16"], required=True)
    mc.add_argument("--untied", action="store_true", help="store a separate lm_head.weight")
    mc.add_argument("--shards", type=int, default=1)
    mc.add_argument("--prefix-style", choices=["hf", "hub"], default="hf",
                    help="gpt2: hf = transformer.* as save_pretrained writes; hub = bare names + legacy attn.bias buffers")
    mc.add_argument("--seed", type=int, required=True)
    mc.add_argument("--out", required=True)
    fw = sub.add_parser("forward", help="float64 logits of a checkpoint directory")
    fw.add_argument("--model", required=True)
    fw.add_argument("--ids", required=True)
    fw.add_argument("--out", required=True)
    fw.add_argument("--dtype", choices=["F32", "F64"], default="F32", help="dtype the logits are stored in")
    go = sub.add_parser("golden", help="regenerate every golden case")
    go.add_argument("--out", required=True)
    sub.add_parser("selftest", help="internal consistency checks")
    return ap


def main():
    torch.set_num_threads(1)
    a = parser().parse_args()
    if a.cmd == "make-checkpoint":
        make_checkpoint(a)
    elif a.cmd == "forward":
        forward_cmd(a)
    elif a.cmd == "golden":
        golden_cmd(a)
    else:
        sys.exit(selftest_cmd(a))


if __name__ == "__main__":
    main()
