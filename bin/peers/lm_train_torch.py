#!/usr/bin/python3
"""Peer baseline for `jprune lm train`: the same decoder trained by PyTorch on CPU.

jprune writes what this script needs with `jprune lm train ... --dump-tokens DIR`:
  DIR/run.json                 the recipe (batch, seqlen, steps, lr, warmup, floor, betas, eps, decay, clip)
  DIR/init/config.json         the architecture (Hugging Face config, gpt2 or llama)
  DIR/init/model.safetensors   jprune's initial weights (F32), so both runs start from the same point
  DIR/{train,val,test}.i32     the token streams (little-endian int32)
  DIR/starts.i32               every step's batch: steps x batch window starts into train.i32
The model here is written from scratch with torch.nn (transformers is not installed): GPT-2 (learned
positions, pre-LayerNorm, fused QKV, tanh GELU) or Llama (RMSNorm, rotate-half RoPE, SwiGLU, GQA),
tied or untied head, no dropout. Same optimizer (AdamW, decay on matrices only), schedule (linear
warm-up, cosine to the floor at the last step), clipping (global norm) and batches as jprune.
Test perplexity: non-overlapping windows of seqlen tokens from the start of test.i32, each scored
from an empty context over its seqlen - 1 predictions, exp(mean NLL) (as jprune.lm.eval.Perplexity).
Tokens/s counts batch x seqlen per step over the time of the training steps alone.

  /usr/bin/python3 bin/peers/lm_train_torch.py DIR [--threads 2] [--out FILE.json]
"""
import argparse, json, math, struct, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        if info['dtype'] != 'F32':
            sys.exit(f'{path}: {name} is {info["dtype"]}, expected F32')
        b, e = info['data_offsets']
        out[name] = torch.from_numpy(np.frombuffer(data[b:e], dtype='<f4').reshape(info['shape']).copy())
    return out


class RMSNorm(nn.Module):
    def __init__(s, d, eps):
        super().__init__(); s.weight = nn.Parameter(torch.ones(d)); s.eps = eps

    def forward(s, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + s.eps) * s.weight


def causal_attention(q, k, v, mask):
    # q [B, H, T, hd], k/v [B, H, T, hd] (already repeated for GQA)
    s = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.size(-1)))
    s = s.masked_fill(mask, float('-inf'))
    return F.softmax(s, dim=-1) @ v


class Gpt2Block(nn.Module):
    def __init__(s, c):
        super().__init__()
        d, f = c['n_embd'], c.get('n_inner') or 4 * c['n_embd']
        eps = c.get('layer_norm_epsilon', 1e-5)
        s.h = c['n_head']
        s.ln_1 = nn.LayerNorm(d, eps=eps); s.ln_2 = nn.LayerNorm(d, eps=eps)
        s.c_attn = nn.Linear(d, 3 * d); s.attn_proj = nn.Linear(d, d)
        s.c_fc = nn.Linear(d, f); s.mlp_proj = nn.Linear(f, d)

    def forward(s, x, mask):
        B, T, d = x.shape
        q, k, v = s.c_attn(s.ln_1(x)).split(d, dim=2)
        q, k, v = (t.view(B, T, s.h, d // s.h).transpose(1, 2) for t in (q, k, v))
        y = causal_attention(q, k, v, mask).transpose(1, 2).reshape(B, T, d)
        x = x + s.attn_proj(y)
        return x + s.mlp_proj(F.gelu(s.c_fc(s.ln_2(x)), approximate='tanh'))


class LlamaBlock(nn.Module):
    def __init__(s, c):
        super().__init__()
        d, f = c['hidden_size'], c['intermediate_size']
        s.h, s.kv = c['num_attention_heads'], c.get('num_key_value_heads') or c['num_attention_heads']
        s.hd = c.get('head_dim') or d // s.h
        eps = c.get('rms_norm_eps', 1e-6)
        ab, mb = c.get('attention_bias', False), c.get('mlp_bias', False)
        s.input_layernorm = RMSNorm(d, eps); s.post_attention_layernorm = RMSNorm(d, eps)
        s.q_proj = nn.Linear(d, s.h * s.hd, bias=ab); s.k_proj = nn.Linear(d, s.kv * s.hd, bias=ab)
        s.v_proj = nn.Linear(d, s.kv * s.hd, bias=ab); s.o_proj = nn.Linear(s.h * s.hd, d, bias=ab)
        s.gate_proj = nn.Linear(d, f, bias=mb); s.up_proj = nn.Linear(d, f, bias=mb); s.down_proj = nn.Linear(f, d, bias=mb)

    def forward(s, x, mask, cos, sin):
        B, T, d = x.shape
        a = s.input_layernorm(x)
        q = s.q_proj(a).view(B, T, s.h, s.hd).transpose(1, 2)
        k = s.k_proj(a).view(B, T, s.kv, s.hd).transpose(1, 2)
        v = s.v_proj(a).view(B, T, s.kv, s.hd).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        if s.kv != s.h:  # query head h reads key/value head h // (H / KV)
            k = k.repeat_interleave(s.h // s.kv, dim=1); v = v.repeat_interleave(s.h // s.kv, dim=1)
        y = causal_attention(q, k, v, mask).transpose(1, 2).reshape(B, T, s.h * s.hd)
        x = x + s.o_proj(y)
        m = s.post_attention_layernorm(x)
        return x + s.down_proj(F.silu(s.gate_proj(m)) * s.up_proj(m))


def rope(x, cos, sin):
    half = x.size(-1) // 2
    x1, x2 = x[..., :half], x[..., half:]
    return x * cos + torch.cat((-x2, x1), dim=-1) * sin


class Decoder(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.gpt2 = c['model_type'] == 'gpt2'
        s.c = c
        if s.gpt2:
            d, V = c['n_embd'], c['vocab_size']
            s.wte = nn.Embedding(V, d); s.wpe = nn.Embedding(c['n_positions'], d)
            s.blocks = nn.ModuleList(Gpt2Block(c) for _ in range(c['n_layer']))
            s.norm = nn.LayerNorm(d, eps=c.get('layer_norm_epsilon', 1e-5))
            tied = c.get('tie_word_embeddings', True)
        else:
            d, V = c['hidden_size'], c['vocab_size']
            s.wte = nn.Embedding(V, d)
            s.blocks = nn.ModuleList(LlamaBlock(c) for _ in range(c['num_hidden_layers']))
            s.norm = RMSNorm(d, c.get('rms_norm_eps', 1e-6))
            tied = c.get('tie_word_embeddings', False)
            hd = c.get('head_dim') or d // c['num_attention_heads']
            inv = 1.0 / (c.get('rope_theta', 10000.0) ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
            s.inv_freq = inv
        s.lm_head = None if tied else nn.Linear(d, V, bias=False)
        s.tables = {}

    def forward(s, ids):
        B, T = ids.shape
        if T not in s.tables:
            mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
            cos = sin = None
            if not s.gpt2:
                ang = torch.arange(T, dtype=torch.float64)[:, None] * s.inv_freq[None, :]
                ang = torch.cat((ang, ang), dim=-1)
                cos, sin = ang.cos().float(), ang.sin().float()
            s.tables[T] = (mask, cos, sin)
        mask, cos, sin = s.tables[T]
        if s.gpt2:
            x = s.wte(ids) + s.wpe(torch.arange(T))
            for b in s.blocks:
                x = b(x, mask)
        else:
            x = s.wte(ids)
            for b in s.blocks:
                x = b(x, mask, cos, sin)
        x = s.norm(x)
        return x @ s.wte.weight.t() if s.lm_head is None else s.lm_head(x)

    def load_hf(s, t):
        """Copies Hugging Face tensors (jprune's export) into the modules; GPT-2's Conv1D [in, out] transposed."""
        own = dict(s.named_parameters())
        m = {}
        if s.gpt2:
            m['wte.weight'] = t['transformer.wte.weight']; m['wpe.weight'] = t['transformer.wpe.weight']
            m['norm.weight'] = t['transformer.ln_f.weight']; m['norm.bias'] = t['transformer.ln_f.bias']
            for i in range(len(s.blocks)):
                p = f'transformer.h.{i}.'
                for a, b in (('ln_1', 'ln_1'), ('ln_2', 'ln_2')):
                    m[f'blocks.{i}.{a}.weight'] = t[p + b + '.weight']; m[f'blocks.{i}.{a}.bias'] = t[p + b + '.bias']
                for a, b in (('c_attn', 'attn.c_attn'), ('attn_proj', 'attn.c_proj'), ('c_fc', 'mlp.c_fc'), ('mlp_proj', 'mlp.c_proj')):
                    m[f'blocks.{i}.{a}.weight'] = t[p + b + '.weight'].t().contiguous(); m[f'blocks.{i}.{a}.bias'] = t[p + b + '.bias']
        else:
            m['wte.weight'] = t['model.embed_tokens.weight']; m['norm.weight'] = t['model.norm.weight']
            for i in range(len(s.blocks)):
                p = f'model.layers.{i}.'
                for name, tensor in t.items():
                    if name.startswith(p):
                        m[f'blocks.{i}.' + name[len(p):].replace('self_attn.', '').replace('mlp.', '')] = tensor
        if s.lm_head is not None:
            m['lm_head.weight'] = t['lm_head.weight']
        if set(m) != set(own):
            sys.exit(f'weights do not match the model: missing {sorted(set(own) - set(m))}, extra {sorted(set(m) - set(own))}')
        with torch.no_grad():
            for k, v in m.items():
                if own[k].shape != v.shape:
                    sys.exit(f'{k}: shape {tuple(v.shape)} for a parameter of {tuple(own[k].shape)}')
                own[k].copy_(v)


def lr_at(r, step):
    peak, floor, warm, total = r['lr'], r['lr'] * r['min_lr_fraction'], r['warmup'], r['steps']
    if step < warm:
        return peak * (step + 1) / warm
    span = total - 1 - warm
    if span <= 0:
        return peak
    p = min(1.0, (step - warm) / span)
    return floor + 0.5 * (peak - floor) * (1 + math.cos(math.pi * p))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('dir')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--steps', type=int, default=0, help='stop after this many steps (0 = the recipe\'s); for speed runs')
    ap.add_argument('--test-tokens', type=int, default=0, help='score only the first N test tokens (0 = all)')
    ap.add_argument('--out')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    r = json.load(open(f'{a.dir}/run.json'))
    c = json.load(open(f'{a.dir}/init/config.json'))
    ints = lambda n: torch.from_numpy(np.fromfile(f'{a.dir}/{n}.i32', dtype='<i4').astype(np.int64))
    train, val, test = ints('train'), ints('val'), ints('test')
    B, T, steps = r['batch'], r['seqlen'], r['steps']
    starts = np.fromfile(f'{a.dir}/starts.i32', dtype='<i4').reshape(steps, B)
    model = Decoder(c)
    model.load_hf(read_safetensors(f'{a.dir}/init/model.safetensors'))
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and 'wte' not in n and 'wpe' not in n]
    plain = [p for n, p in model.named_parameters() if not (p.dim() == 2 and 'wte' not in n and 'wpe' not in n)]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': r['weight_decay']}, {'params': plain, 'weight_decay': 0.0}],
                            lr=r['lr'], betas=(r['beta1'], r['beta2']), eps=r['eps'])
    offs = torch.arange(T + 1)
    run_steps = a.steps or steps
    train_s, history, losses = 0.0, [], []
    for step in range(run_steps):
        t0 = time.perf_counter()
        w = train[torch.from_numpy(starts[step].astype(np.int64))[:, None] + offs]
        logits = model(w[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), w[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if r['clip_norm'] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), r['clip_norm'])
        for g in opt.param_groups:
            g['lr'] = lr_at(r, step)
        opt.step()
        train_s += time.perf_counter() - t0
        losses.append(loss.item())
        if (r['eval_every'] and (step + 1) % r['eval_every'] == 0) or step == run_steps - 1:
            vl = window_loss(model, val, T + 1, r['eval_windows'], B)
            history.append({'step': step + 1, 'train_loss': sum(losses) / len(losses), 'val_loss': vl, 'tokens': B * T * (step + 1), 'train_seconds': train_s})
            print(f'step {step + 1}: train loss {history[-1]["train_loss"]:.4f}, val loss {vl:.4f}, {B * T * (step + 1) / train_s:.0f} tokens/s', flush=True)
            losses = []
    ppl = perplexity(model, test[:a.test_tokens] if a.test_tokens else test, T)
    res = {'peer': 'pytorch', 'torch': torch.__version__, 'threads': a.threads, 'steps': run_steps, 'tokens': B * T * run_steps,
           'train_seconds': train_s, 'tokens_per_second': B * T * run_steps / train_s, 'test_perplexity': ppl, 'history': history,
           'parameters': sum(p.numel() for p in model.parameters())}
    print(f'pytorch: {res["tokens_per_second"]:.0f} tokens/s, test perplexity {ppl:.3f}')
    if a.out:
        json.dump(res, open(a.out, 'w'), indent=2)


@torch.no_grad()
def window_loss(model, stream, w, limit, batch):
    n = min(limit, len(stream) // w)
    tot, cnt = 0.0, 0
    for i in range(0, n, batch):
        k = min(batch, n - i)
        x = stream[i * w:(i + k) * w].view(k, w)
        lg = model(x[:, :-1])
        tot += F.cross_entropy(lg.reshape(-1, lg.size(-1)), x[:, 1:].reshape(-1), reduction='sum').item()
        cnt += x[:, 1:].numel()
    return tot / cnt


@torch.no_grad()
def perplexity(model, stream, T, batch=16):
    n = len(stream) // T
    tot, cnt = 0.0, 0
    for i in range(0, n, batch):
        k = min(batch, n - i)
        x = stream[i * T:(i + k) * T].view(k, T)
        lg = model(x).double()
        tot += F.cross_entropy(lg[:, :-1].reshape(-1, lg.size(-1)), x[:, 1:].reshape(-1), reduction='sum').item()
        cnt += k * (T - 1)
    return math.exp(tot / cnt)


if __name__ == '__main__':
    main()
