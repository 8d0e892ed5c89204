#!/usr/bin/python3
"""Rewrites an exported model so its score output carries logits instead of sigmoid scores.

Float32 sigmoid saturates at exactly 1.0 for logits above ~17, so strong detections and strong
false alarms tie and no threshold can separate them. The worker applies the sigmoid itself, in
double precision and with the card's temperature (models/training/train.py exports logits
directly; this script converts a model exported before that).

    /usr/bin/python3 models/training/onnx_logits.py MODEL.onnx OUTPUT_NAME
"""
import sys

import onnx

path, output = sys.argv[1], sys.argv[2]
m = onnx.load(path)
nodes = [n for n in m.graph.node if n.op_type == "Sigmoid" and output in list(n.output)]
if not nodes:
    sys.exit(f"{path}: no Sigmoid produces {output}; already logits?")
node = nodes[0]
source = node.input[0]
m.graph.node.remove(node)
# The conv that fed the sigmoid now produces the graph output directly.
for n in m.graph.node:
    for i, name in enumerate(n.output):
        if name == source:
            n.output[i] = output
onnx.checker.check_model(m)
onnx.save(m, path)
print(f"{path}: {output} now carries logits")
