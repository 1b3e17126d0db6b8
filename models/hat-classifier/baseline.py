#!/usr/bin/python3
"""A transparent baseline for no_hat, measured on exactly the sets train.py uses.

    /usr/bin/python3 models/hat-classifier/baseline.py --heads FILE.bin --stills FILE.bin

Rule: a head is "covered" when the share of pale pixels (HSV value > 150, saturation < 90) in the top band
of the crop (rows 5–40 %, columns 25–75 %) exceeds a threshold. The threshold is chosen on the training
composites and then applied, unchanged, to the held-out composites and to the real bare heads.
Prints JSON; the numbers are copied into README.md.
"""

import argparse
import importlib.util
import json
import os

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("hat_train", os.path.join(HERE, "train.py"))
hat = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hat)


def pale_share(x):
    """x: [N,3,64,64] float 0..1 → share of pale pixels in the top band of each crop."""
    out = []
    for img in (x.transpose(0, 2, 3, 1) * 255).astype(np.uint8):
        hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
        band = hsv[3:26, 16:48]
        out.append(float(((band[:, :, 2] > 150) & (band[:, :, 1] < 90)).mean()))
    return np.array(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--heads", required=True)
    p.add_argument("--stills", required=True)
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args()
    heads, meta = hat.load_heads(args.heads)
    stills, _ = hat.load_heads(args.stills)
    static = hat.static_mask(meta, 1 + max(c["frame"] for c in meta))
    frame = np.array([c["frame"] for c in meta])
    train_idx = np.nonzero(~static & (frame < 80))[0]
    test_idx = np.nonzero(~static & (frame >= 90))[0]
    rng = np.random.default_rng(args.seed)
    x_tr, y_tr = hat.build([heads[i] for i in train_idx], rng, per_head=3)
    test_crops = [heads[i] for i in test_idx] + list(stills)
    x_te, y_te = hat.build(test_crops, np.random.default_rng(args.seed + 1000), per_head=2)
    s_tr = pale_share(x_tr)
    best = max(np.linspace(0.05, 0.95, 91), key=lambda t: ((s_tr > t).astype(int) == y_tr).mean())
    pred = (pale_share(x_te) > best).astype(int)
    real = (pale_share(hat.to_x(test_crops)) > best).astype(int)
    print(json.dumps({
        "threshold": round(float(best), 2),
        "syntheticHeldOut": hat.metrics(y_te, pred, hat.CLASSES),
        "realBareHeadsCalledBare": round(float((real == 0).mean()), 3),
        "n": len(test_crops),
    }, indent=2))


if __name__ == "__main__":
    main()
