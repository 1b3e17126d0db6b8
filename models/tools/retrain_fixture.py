#!/usr/bin/python3
"""Frames and boxes for a small feedback export, for the retrain test (services/cli/src/models.test.ts).

    /usr/bin/python3 models/tools/retrain_fixture.py --heads HEADS.bin --out DIR [--confirmed 24] [--false-positives 12]

From a head-crop export of vtest.avi (measure-people.mjs --frames 120 --export-heads, the one
`mingfang models retrain --check no_hat` derives its base set from), what an officer would have judged:
  - confirmed no_hat alerts: real pedestrians' heads (bare: nobody in this footage wears a covering);
  - false positives: the "heads" of the static objects CenterNet takes for persons (a sign, a rock:
    train.py's static_mask) — a no_hat alert on a sign is what an officer marks a false positive.
Only frames of the training window (sampled frames < 80) are used, so the base held-out set (frames >= 90)
stays unseen. Writes DIR/frame-<n>.jpg (the undrawn frame, as the worker keeps it) and DIR/alerts.json:
[{frame, verdict, head: {x,y,w,h}, person: {x,y,w,h}}] normalised to the frame.
"""

import argparse
import importlib.util
import json
import os

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
VIDEO = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"
STEP = 790 // 120  # measure-people.mjs --frames 120 samples every 6th frame


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--heads", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--confirmed", type=int, default=24)
    p.add_argument("--false-positives", type=int, default=12)
    args = p.parse_args()
    spec = importlib.util.spec_from_file_location("hat_train", os.path.join(HERE, "..", "hat-classifier", "train.py"))
    hat = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hat)
    _, meta = hat.load_heads(args.heads)
    static = hat.static_mask(meta, 1 + max(c["frame"] for c in meta))
    window = [i for i, c in enumerate(meta) if c["frame"] < 80 and c["box"][2] - c["box"][0] >= 10]
    real = [i for i in window if not static[i]]
    signs = [i for i in window if static[i]]
    pick = lambda idx, n: [idx[int(k)] for k in np.linspace(0, len(idx) - 1, min(n, len(idx)))]
    chosen = [(i, "confirmed") for i in pick(real, args.confirmed)] + [(i, "false_positive") for i in pick(signs, args.false_positives)]

    os.makedirs(args.out, exist_ok=True)
    cap = cv2.VideoCapture(VIDEO)
    frames, n, want = {}, 0, {meta[i]["frame"] * STEP for i, _ in chosen}
    while want - frames.keys():
        ok, img = cap.read()
        if not ok:
            raise SystemExit(f"{VIDEO}: ended at frame {n}")
        if n in want:
            frames[n] = img
            cv2.imwrite(os.path.join(args.out, f"frame-{n}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 90])
        n += 1
    alerts = []
    for i, verdict in chosen:
        c = meta[i]
        h, w = frames[c["frame"] * STEP].shape[:2]
        norm = lambda b: {"x": b[0] / w, "y": b[1] / h, "w": (b[2] - b[0]) / w, "h": (b[3] - b[1]) / h}
        alerts.append({"frame": f"frame-{c['frame'] * STEP}.jpg", "verdict": verdict, "head": norm(c["box"]), "person": norm(c["person"])})
    json.dump(alerts, open(os.path.join(args.out, "alerts.json"), "w"), indent=1)
    print(f"{len(alerts)} alerts ({sum(a['verdict'] == 'confirmed' for a in alerts)} confirmed) on {len(frames)} frames")


if __name__ == "__main__":
    main()
