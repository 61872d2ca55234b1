#!/usr/bin/python3
"""Writes a jprune checkpoint (model.safetensors) as an ONNX graph computing the same function.

usage: /usr/bin/python3 bin/peers/onnx_export.py CHECKPOINT OUT.onnx

The checkpoint is read by hand (8-byte little-endian header length, JSON header, raw little-endian
float32 data), so only python3-onnx and numpy are needed. The architecture comes from the header's
model_config, so compacted (channel-pruned) models export with their narrower widths; masked
weights are exact zeros and export as such. Batch norm stays an ONNX BatchNormalization in
inference mode (running statistics, epsilon 1e-5 as jprune's BatchNorm2d); ONNX Runtime folds it
into the convolution itself. The input is "input" [N, C, H, W] with a free batch dimension, the
output "logits" [N, classes].
"""
import json
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
BN_EPS = 1e-5  # jprune.nn.layers.BatchNorm2d's default


def read_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    if len(raw) < 8:
        raise SystemExit(f'{path}: too short for a safetensors file')
    n = struct.unpack('<Q', raw[:8])[0]
    if n > len(raw) - 8:
        raise SystemExit(f'{path}: header length {n} exceeds the file')
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    tensors = {}
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        if entry['dtype'] != 'F32':
            raise SystemExit(f'{path}: tensor {name} is {entry["dtype"]}, only F32 is supported')
        begin, end = entry['data_offsets']
        shape = entry['shape']
        t = np.frombuffer(data[begin:end], dtype='<f4').reshape(shape)
        tensors[name] = t.astype(np.float32)
    meta = header.get('__metadata__', {})
    if 'model_config' not in meta:
        raise SystemExit(f'{path}: no model_config in the metadata (not written by jprune?)')
    return json.loads(meta['model_config']), tensors


class Graph:
    """Accumulates nodes and initializers; each layer takes the name of its input and returns its output's."""

    def __init__(self, tensors):
        self.tensors = tensors
        self.nodes = []
        self.inits = []
        self.used = set()
        self.count = 0

    def weight(self, name):
        if name not in self.tensors:
            raise SystemExit(f'checkpoint lacks {name}')
        self.used.add(name)
        if not any(i.name == name for i in self.inits):
            self.inits.append(numpy_helper.from_array(self.tensors[name], name))
        return name

    def op(self, kind, inputs, **attrs):
        self.count += 1
        out = f'{kind.lower()}{self.count}'
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def conv(self, x, prefix, k, pad, bias):
        ins = [x, self.weight(prefix + '.weight')] + ([self.weight(prefix + '.bias')] if bias else [])
        return self.op('Conv', ins, kernel_shape=[k, k], pads=[pad] * 4, strides=[1, 1])

    def batch_norm(self, x, prefix):
        ins = [x] + [self.weight(prefix + s) for s in ('.weight', '.bias', '.running_mean', '.running_var')]
        return self.op('BatchNormalization', ins, epsilon=BN_EPS)

    def linear(self, x, prefix):
        return self.op('Gemm', [x, self.weight(prefix + '.weight'), self.weight(prefix + '.bias')], transB=1)

    def relu(self, x):
        return self.op('Relu', [x])

    def pool(self, x):
        return self.op('MaxPool', [x], kernel_shape=[2, 2], strides=[2, 2])

    def flatten(self, x):
        return self.op('Flatten', [x], axis=1)


def build(cfg, g):
    """The layers of jprune.nn.models.Models, by name and in order."""
    name = cfg['name']
    x = 'input'
    if name == 'lenet-300-100':
        x = g.flatten(x)
        hidden = cfg['hidden']
        for i in range(len(hidden)):
            x = g.relu(g.linear(x, f'fc{i + 1}'))
        return g.linear(x, f'fc{len(hidden) + 1}')
    if name == 'lenet-5':
        x = g.pool(g.relu(g.conv(x, 'conv1', 5, 2, True)))
        x = g.pool(g.relu(g.conv(x, 'conv2', 5, 0, True)))
        x = g.flatten(x)
        fc = cfg['fc']
        for i in range(len(fc)):
            x = g.relu(g.linear(x, f'fc{i + 1}'))
        return g.linear(x, f'fc{len(fc) + 1}')
    if name == 'convnet':
        # features: (Conv, BatchNorm, ReLU, MaxPool) per stage, indices 4i .. 4i+3.
        for i in range(len(cfg['conv'])):
            x = g.conv(x, f'features.{4 * i}', 3, 1, False)
            x = g.pool(g.relu(g.batch_norm(x, f'features.{4 * i + 1}')))
        # classifier: Flatten, then (Linear, ReLU, Dropout) per hidden layer, then Linear.
        x = g.flatten(x)
        idx = 1
        for _ in cfg['fc']:
            x = g.relu(g.linear(x, f'classifier.{idx}'))
            idx += 3
        return g.linear(x, f'classifier.{idx}')
    raise SystemExit(f'model {name!r} has no ONNX export (lenet-300-100, lenet-5 and convnet do)')


def export(checkpoint, out):
    cfg, tensors = read_safetensors(checkpoint)
    g = Graph(tensors)
    logits = build(cfg, g)
    unused = set(tensors) - g.used
    if unused:
        raise SystemExit(f'{checkpoint}: tensors the {cfg["name"]} graph does not use: {sorted(unused)}')
    g.nodes.append(helper.make_node('Identity', [logits], ['logits']))
    c, s = cfg['in_channels'], cfg['image_size']
    graph = helper.make_graph(
        g.nodes, cfg['name'],
        [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', c, s, s])],
        [helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['N', cfg['classes']])],
        g.inits)
    model = helper.make_model(graph, producer_name='jprune bin/peers/onnx_export.py',
                              opset_imports=[helper.make_opsetid('', OPSET)])
    # ONNX Runtime 1.30 reads IR version 8 (onnx 1.12's default) and later.
    onnx.checker.check_model(model)
    onnx.save(model, out)
    return cfg


if __name__ == '__main__':
    if len(sys.argv) != 3:
        raise SystemExit('usage: onnx_export.py CHECKPOINT.safetensors OUT.onnx')
    cfg = export(sys.argv[1], sys.argv[2])
    print(f'{cfg["name"]}: wrote {sys.argv[2]}')
