#!/usr/bin/python3
"""How small may a hand be? The committed glove-classifier.onnx on the held-out test crops of train.py,
each first shrunk to S×S pixels (what a hand S pixels across gives) and stretched back to 64×64.

    /usr/bin/python3 models/glove-classifier/resolution.py [--data DIR]

Runs the ONNX file with OpenCV's DNN module (Debian python3-opencv), after checking it reproduces
parity-fixture.json (the PyTorch outputs) within 1e-4. Prints JSON; README.md quotes it.
"""

import argparse
import importlib.util
import json
import os

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("glove_train", os.path.join(HERE, "train.py"))
glove = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(glove)


def run(net, x):
    out = []
    for i in range(0, len(x), 64):
        net.setInput(x[i : i + 64])
        out.append(net.forward())
    return np.concatenate(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "datasets", "gloved-hand-vs-bare-hand"))
    p.add_argument("--dir", default=HERE, help="folder with glove-classifier.onnx and parity-fixture.json")
    args = p.parse_args()
    net = cv2.dnn.readNetFromONNX(os.path.join(args.dir, "glove-classifier.onnx"))
    fixture = json.load(open(os.path.join(args.dir, "parity-fixture.json")))
    got = run(net, glove.parity_inputs())
    diff = float(np.abs(got - np.array(fixture["probs"])).max())
    assert diff <= 1e-4, f"OpenCV DNN differs from the PyTorch outputs by {diff}"
    items = glove.load_items(args.data)
    split = glove.group_split(items, glove.group_items(items))
    x_te, y_te, _ = glove.crops_of(items, split["test"])
    imgs = (x_te.transpose(0, 2, 3, 1) * 255).astype(np.uint8)
    result = {"opencvVsPytorchMaxDiff": diff, "n": int(len(y_te)), "bySize": {}}
    for s in (64, 32, 24, 16, 12, 8, 6):
        small = np.stack([cv2.resize(cv2.resize(im, (s, s), interpolation=cv2.INTER_AREA), (64, 64), interpolation=cv2.INTER_LINEAR) for im in imgs])
        pred = run(net, small.astype(np.float32).transpose(0, 3, 1, 2) / 255.0).argmax(1)
        m = glove.metrics(y_te, pred, glove.CLASSES)
        result["bySize"][str(s)] = {"accuracy": m["accuracy"], "bare": m["bare"], "gloved": m["gloved"]}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
