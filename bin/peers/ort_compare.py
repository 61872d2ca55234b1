#!/usr/bin/python3
"""jprune's inference against ONNX Runtime, side by side in one run.

usage: /usr/bin/python3 bin/peers/ort_compare.py [--rounds R] [--window S] [--out DIR]
           CASE [CASE ...]
where CASE is LABEL=JPRUNE_MODEL,SAME_WEIGHTS_CHECKPOINT,ORT_CHECKPOINT:
  JPRUNE_MODEL             what jprune runs: a run directory, .safetensors or .jpz
  SAME_WEIGHTS_CHECKPOINT  a .safetensors computing the same function (for a .jpz: the checkpoint it
                           was compressed from); exported to ONNX to check jprune's logits
  ORT_CHECKPOINT           the .safetensors whose ONNX export ONNX Runtime is timed on (the dense model)

For every case it exports both checkpoints with onnx_export.py, checks that jprune's logits equal ONNX
Runtime's on the same weights within 1e-4 (the first 64 Fashion-MNIST test images, at batch 64 and at
batch 1), then times both at batch 1 (latency) and batch 64 (throughput). Both stay loaded in their own
long-lived process (ort_worker.js, `jprune bench serve`); the driver alternates short timed windows
between them in rounds (which side goes first alternates too), so a change in the machine's load hits
both alike. Each window reports its per-call median; the result is the median and min-max over rounds
of each side and of the per-round ratio jprune time / ONNX Runtime time (below 1: jprune is faster).
Writes DIR/results.json and prints a table.
"""
import argparse
import gzip
import json
import os
import statistics
import struct
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import onnx_export  # noqa: E402

TOLERANCE = 1e-4
BATCHES = (1, 64)


class Worker:
    """A process answering one JSON line per request line."""

    def __init__(self, name, argv, env=None):
        self.name = name
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)

    def ask(self, **req):
        self.proc.stdin.write(json.dumps(req) + '\n')
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f'{self.name} worker exited (request {req["cmd"]})')
        reply = json.loads(line)
        if not reply.get('ok'):
            raise SystemExit(f'{self.name} worker: {reply.get("error")} (request {req})')
        return reply

    def close(self):
        try:
            self.proc.stdin.write(json.dumps({'cmd': 'quit'}) + '\n')
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        self.proc.wait(timeout=30)


def test_images(data_dir, count):
    path = os.path.join(data_dir, 't10k-images-idx3-ubyte.gz')
    opener = gzip.open if os.path.exists(path) else open
    if not os.path.exists(path):
        path = path[:-3]
    with opener(path, 'rb') as f:
        magic, n, rows, cols = struct.unpack('>IIII', f.read(16))
        if magic != 2051 or n < count:
            raise SystemExit(f'{path}: not an IDX image file with {count} images')
        px = np.frombuffer(f.read(count * rows * cols), dtype=np.uint8)
    # jprune's FashionMnist: pixel / 255 as float32.
    return (px.astype(np.float32) / np.float32(255)).reshape(count, 1, rows, cols)


def checkpoint_file(path):
    return os.path.join(path, 'model.safetensors') if os.path.isdir(path) else path


def parse_case(text):
    label, _, rest = text.partition('=')
    parts = rest.split(',')
    if not label or len(parts) != 3:
        raise SystemExit(f'case {text!r}: expected LABEL=JPRUNE_MODEL,SAME_WEIGHTS_CHECKPOINT,ORT_CHECKPOINT')
    return {'label': label, 'jprune': parts[0], 'same': checkpoint_file(parts[1]), 'ort': checkpoint_file(parts[2])}


def warm(worker, name, cap):
    """Timed windows, alternating the batch sizes, until each one's median per call stops falling:
    the JVM interprets Vector API code a hundred times slower until C2 has compiled it, which takes
    thousands of calls (more on a busy machine), and code compiled while only one batch size ran is
    recompiled when the other one arrives. ONNX Runtime gets the same treatment."""
    best = {b: None for b in BATCHES}
    steady = {b: False for b in BATCHES}
    spent = 0.0
    while spent < cap and not all(steady.values()):
        for b in BATCHES:
            t = worker.ask(cmd='time', name=name, batch=b, seconds=0.3, min_calls=50)
            spent += max(0.3, t['calls'] * t['mean_ms'] / 1e3)
            if best[b] is not None and t['median_ms'] > 0.95 * best[b] and spent >= 3.0:
                steady[b] = True
            best[b] = t['median_ms'] if best[b] is None else min(best[b], t['median_ms'])


def summary(values):
    return {'median': statistics.median(values), 'min': min(values), 'max': max(values)}


def write_markdown(out, path):
    """The table the README quotes: per case and batch size, medians and the ratio's median (min-max)."""
    lines = [f'{out["threads"]} thread(s), {out["rounds"]} rounds of {out["window_s"]} s windows, load average at the end '
             + ', '.join(f'{v:.2f}' for v in out['load_average']) + '.', '',
             '| model | ORT batch 1 | jprune batch 1 | ratio | ORT batch 64 | jprune batch 64 | ratio |',
             '|---|---|---|---|---|---|---|']
    for r in out['cases']:
        b1, b64 = r['batch1'], r['batch64']

        def ratio(e):
            return f'{e["ratio"]["median"]:.2f} ({e["ratio"]["min"]:.2f}-{e["ratio"]["max"]:.2f})'
        lines.append(f'| {r["label"]} | {b1["ort_ms"]["median"]:.4f} ms | {b1["jprune_ms"]["median"]:.4f} ms | {ratio(b1)} '
                     f'| {b64["ort_images_per_s"]["median"] / 1e3:.1f}k img/s | {b64["jprune_images_per_s"]["median"] / 1e3:.1f}k img/s | {ratio(b64)} |')
    with open(path + '.tmp', 'w') as f:
        f.write('\n'.join(lines) + '\n')
    os.replace(path + '.tmp', path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('cases', nargs='+')
    ap.add_argument('--rounds', type=int, default=10)
    ap.add_argument('--window', type=float, default=0.25, help='seconds per timed window')
    ap.add_argument('--warmup', type=float, default=30.0, help='at most this many seconds of warm-up per model on each side')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--engine', default='plan', help='jprune engine: plan (InferencePlan) or module (Module.forward)')
    ap.add_argument('--data', default=os.environ.get('JPRUNE_DATA', '/usr/share/datasets/fashion-mnist'))
    ap.add_argument('--out', default=os.path.join(ROOT, 'runs', 'peers', 'ort'))
    args = ap.parse_args()
    cases = [parse_case(c) for c in args.cases]
    os.makedirs(args.out, exist_ok=True)

    onnx_files = {}
    for c in cases:
        for key in ('same', 'ort'):
            src = c[key]
            if src not in onnx_files:
                dst = os.path.join(args.out, f'{c["label"]}-{key}.onnx')
                onnx_export.export(src, dst)
                onnx_files[src] = dst

    ort = Worker('onnxruntime', ['node', os.path.join(HERE, 'ort_worker.js')])
    jp = Worker('jprune', [os.path.join(ROOT, 'jprune'), 'bench', 'serve', '--threads', str(args.threads)])
    try:
        print(f'onnxruntime-node {ort.ask(cmd="version")["version"]}, {args.threads} threads; jprune engine {args.engine}', flush=True)
        images = test_images(args.data, 64)
        results = []
        for c in cases:
            ort.ask(cmd='load', name=c['label'] + '/same', path=onnx_files[c['same']], threads=args.threads)
            ort.ask(cmd='load', name=c['label'], path=onnx_files[c['ort']], threads=args.threads)
            jp.ask(cmd='load', name=c['label'], path=c['jprune'], engine=args.engine)
            check = {}
            for batch in BATCHES:
                x = images[:batch]
                xf = os.path.join(args.out, f'input-{batch}.f32')
                x.astype('<f4').tofile(xf)
                yo, yj = os.path.join(args.out, f'{c["label"]}-ort-{batch}.f32'), os.path.join(args.out, f'{c["label"]}-jprune-{batch}.f32')
                ort.ask(cmd='infer', name=c['label'] + '/same', input=xf, shape=list(x.shape), out=yo)
                jp.ask(cmd='infer', name=c['label'], input=xf, shape=list(x.shape), out=yj)
                a, b = np.fromfile(yo, dtype='<f4'), np.fromfile(yj, dtype='<f4')
                if a.shape != b.shape:
                    raise SystemExit(f'{c["label"]}: ONNX Runtime gave {a.size} logits, jprune {b.size}')
                diff = float(np.max(np.abs(a - b)))
                check[f'max_abs_diff_batch{batch}'] = diff
                if not diff <= TOLERANCE:
                    raise SystemExit(f'{c["label"]}: jprune and ONNX Runtime differ by {diff:.3g} at batch {batch} (tolerance {TOLERANCE})')
            print(f'{c["label"]}: logits agree with ONNX Runtime on the same weights, max |diff| '
                  f'{check["max_abs_diff_batch1"]:.2g} (batch 1), {check["max_abs_diff_batch64"]:.2g} (batch 64)', flush=True)
            results.append({'label': c['label'], 'jprune_model': c['jprune'], 'ort_checkpoint': c['ort'], 'check': check})

        # Twice over: the models share kernels, and a kernel compiled for one model's shapes may be
        # recompiled once the next model's arrive.
        for cap in (args.warmup, 6.0):
            for c in cases:
                for w in (ort, jp):
                    warm(w, c['label'], cap)
        times = {(c['label'], b, side): [] for c in cases for b in BATCHES for side in ('ort', 'jprune')}
        for r in range(args.rounds):
            for c in cases:
                for batch in BATCHES:
                    order = [('ort', ort), ('jprune', jp)] if r % 2 == 0 else [('jprune', jp), ('ort', ort)]
                    for side, w in order:
                        t = w.ask(cmd='time', name=c['label'], batch=batch, seconds=args.window, min_calls=5)
                        times[(c['label'], batch, side)].append(t['median_ms'])
            print(f'round {r + 1}/{args.rounds} done', file=sys.stderr, flush=True)
    finally:
        ort.close()
        jp.close()

    print(f'\n{"case":<22} {"batch":>5} {"ORT ms":>22} {"jprune ms":>22} {"jprune/ORT time":>22}')
    for res in results:
        label = res['label']
        for batch in BATCHES:
            o, j = times[(label, batch, 'ort')], times[(label, batch, 'jprune')]
            ratio = [b / a for a, b in zip(o, j)]
            entry = {'ort_ms': summary(o), 'jprune_ms': summary(j), 'ratio': summary(ratio),
                     'ort_rounds_ms': o, 'jprune_rounds_ms': j}
            if batch > 1:
                entry['ort_images_per_s'] = summary([batch / t * 1e3 for t in o])
                entry['jprune_images_per_s'] = summary([batch / t * 1e3 for t in j])
            res[f'batch{batch}'] = entry

            def fmt(s, digits=4):
                return f'{s["median"]:.{digits}f} ({s["min"]:.{digits}f}-{s["max"]:.{digits}f})'
            print(f'{label:<22} {batch:>5} {fmt(entry["ort_ms"]):>22} {fmt(entry["jprune_ms"]):>22} {fmt(entry["ratio"], 2):>22}')
            if batch > 1:
                oi, ji = entry['ort_images_per_s'], entry['jprune_images_per_s']
                print(f'{"":<22} {"img/s":>5} {oi["median"]:>13.0f} {"":>8} {ji["median"]:>13.0f}')
    out = {'rounds': args.rounds, 'window_s': args.window, 'threads': args.threads, 'engine': args.engine,
           'tolerance': TOLERANCE, 'load_average': os.getloadavg(), 'cases': results}
    write_markdown(out, os.path.join(args.out, 'results.md'))
    with open(os.path.join(args.out, 'results.json.tmp'), 'w') as f:
        json.dump(out, f, indent=1)
    os.replace(os.path.join(args.out, 'results.json.tmp'), os.path.join(args.out, 'results.json'))
    print(f'\nwrote {os.path.join(args.out, "results.json")}')


if __name__ == '__main__':
    main()
