#!/usr/bin/python3
"""Fine-tune a check's classifier on the supervisors' feedback; measure old and new; say whether to install.

    /usr/bin/python3 models/tools/retrain.py --check no_hat --current DIR --out DIR [--feedback FILE.tar.gz]
        [--epochs N] [--base-limit N] [--base-data DIR] [--cache DIR]

Run by `mingfang models retrain` (services/cli/src/models.ts), which picks the current model (the installed
one, else the committed one), installs the result when this script says so, and keeps the previous one for
`mingfang models rollback`. This script never touches an installed model: it writes a candidate to --out.

1. The check's classifier (models/tools/retrain-checks.json) is loaded from the current ONNX file into the
   same torch network (classifier_training.load_onnx: the export folded BatchNorm into the convolutions;
   the loaded network reproduces the file's outputs, checked against its parity fixture when present).
2. Feedback: the tar.gz of GET /api/feedback/dataset.tar.gz. Only alerts of this check whose image is the
   undrawn frame (`source: "frame"` in manifest.json; drawn evidence is left out) are used. Each box
   labelled with the check (not the person boxes beside it) becomes a crop cut as the worker cuts it (the
   box clamped to the frame, stretched to 64x64): a confirmed alert's boxes as the violating class, a false
   positive's wrong boxes (kept in the manifest) as the compliant class. The export's split is kept: its
   `train` images are trained on, its `val` images are the feedback hold-out.
3. Fine-tuning: base training crops (the classifier's train.py `base_set`) plus the feedback training crops
   (repeated --feedback-repeat times), from the current weights, --epochs epochs; the epoch kept is the best
   of 1..N on a selection set (the base validation split plus the feedback training crops).
4. Old and new are measured on the same crops: the base held-out set (train.py's test set) and the feedback
   hold-out. Rule — install only when, on EACH of the two sets, neither the accuracy nor the recall of the
   violating class is worse. Worse is judged pairwise on the same crops (McNemar): lost = crops the new model
   gets wrong that the old got right, gained = the reverse; worse when lost - gained > z * sqrt(lost +
   gained), z = 2 by default (a net loss beyond ~2 standard deviations of the flips' noise). --z 0 is the
   strict rule: accuracy and recall each >= old. An empty set passes and is reported as empty. --epochs 0
   measures without training and never installs.

Writes <model>.onnx, card.json (version bumped), parity-fixture.json and retrain.json (the report) to --out;
prints progress, and as its last line `RESULT <json>`. Needs Debian's python3-torch, python3-onnx,
python3-opencv, python3-numpy (`node deploy/setup.mjs --for models`).
"""

import argparse
import importlib.util
import json
import os
import sys
import tarfile
import time

import cv2
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from classifier_training import SIZE, export_onnx, finetune, load_onnx, metrics, parity_inputs, predict, write_card  # noqa: E402


def log(msg):
    print(f"[retrain] {msg}", flush=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--check", required=True)
    p.add_argument("--current", required=True, help="folder with the current <model>.onnx and card.json")
    p.add_argument("--out", required=True, help="folder for the candidate")
    p.add_argument("--feedback", help="dataset.tar.gz exported by GET /api/feedback/dataset.tar.gz")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--feedback-repeat", type=int, default=4)
    p.add_argument("--base-limit", type=int, default=0, help="train on at most this many base crops (held-out sets stay whole)")
    p.add_argument("--base-data", help="the base dataset folder, for classifiers trained on one (no_gloves)")
    p.add_argument("--cache", default=os.path.join(os.getcwd(), ".retrain-cache"), help="where derived base data is kept between runs")
    p.add_argument("--z", type=float, default=2.0, help="noise margin of the paired comparison; 0: strict (any net loss refuses)")
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    return p.parse_args(argv)


def check_spec(check):
    table = json.load(open(os.path.join(HERE, "retrain-checks.json")))
    spec = table.get(check)
    if not isinstance(spec, dict):
        known = ", ".join(k for k in table if not k.startswith("_"))
        raise SystemExit(f"no classifier to retrain for check '{check}' (known: {known})")
    return spec


def train_module(model):
    """models/<model>/train.py as a module (for its base_set)."""
    path = os.path.join(MODELS, model, "train.py")
    spec = importlib.util.spec_from_file_location(f"train_{model.replace('-', '_')}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if not hasattr(mod, "base_set"):
        raise SystemExit(f"{path} has no base_set(opts): it cannot be retrained")
    return mod


# ---- feedback --------------------------------------------------------------------------------------------
def box_crop(img, box):
    """The worker's cut: the normalised box clamped to the frame, stretched to SIZE x SIZE (RGB)."""
    h, w = img.shape[:2]
    x1, y1 = max(0, int(round(box["x"] * w))), max(0, int(round(box["y"] * h)))
    x2, y2 = min(w, int(round((box["x"] + box["w"]) * w))), min(h, int(round((box["y"] + box["h"]) * h)))
    if x2 - x1 < 4 or y2 - y1 < 4:
        return None
    crop = cv2.resize(img[y1:y2, x1:x2], (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(crop, cv2.COLOR_BGR2RGB)


def feedback_crops(path, check, classes, spec):
    """Crops of the export's boxes for this check, per split, with what was left out and why."""
    out = {"train": ([], []), "val": ([], [])}
    counts = {"images": 0, "otherCheck": 0, "drawnEvidence": 0, "unreadable": 0, "tinyBoxes": 0, "confirmed": 0, "falsePositive": 0}
    violating, compliant = classes.index(spec["violating"]), classes.index(spec["compliant"])
    with tarfile.open(path, "r:gz") as tf:
        names = {m.name: m for m in tf.getmembers() if m.isfile()}
        man_name = next((n for n in names if n.endswith("manifest.json")), None)
        if man_name is None:
            raise SystemExit(f"{path}: no manifest.json — not a feedback export")
        root = man_name[: -len("manifest.json")]
        manifest = json.load(tf.extractfile(names[man_name]))
        for im in manifest.get("images", []):
            if im.get("type") != check:
                counts["otherCheck"] += 1
                continue
            if im.get("source") != "frame":
                counts["drawnEvidence"] += 1
                continue
            member = names.get(root + im["image"])
            img = cv2.imdecode(np.frombuffer(tf.extractfile(member).read(), np.uint8), cv2.IMREAD_COLOR) if member else None
            if img is None:
                counts["unreadable"] += 1
                continue
            counts["images"] += 1
            confirmed = im.get("verdict") == "confirmed"
            counts["confirmed" if confirmed else "falsePositive"] += 1
            xs, ys = out["val" if im.get("split") == "val" else "train"]
            for b in im.get("boxes", []):
                if b.get("label") != check:
                    continue
                c = box_crop(img, b)
                if c is None:
                    counts["tinyBoxes"] += 1
                    continue
                xs.append(c)
                ys.append(violating if confirmed else compliant)

    def arrays(xs, ys):
        if not xs:
            return np.zeros((0, 3, SIZE, SIZE), np.float32), np.zeros((0,), np.int64)
        return np.stack(xs).astype(np.float32).transpose(0, 3, 1, 2) / 255.0, np.array(ys, np.int64)

    return {k: arrays(*v) for k, v in out.items()}, counts


# ---- decision --------------------------------------------------------------------------------------------
def paired(y, p_old, p_new, mask):
    """On the crops in `mask`: how many the new model gets wrong that the old got right (lost), and the reverse."""
    ok_old, ok_new = (p_old == y) & mask, (p_new == y) & mask
    return int((ok_old & ~ok_new).sum()), int((~ok_old & ok_new).sum())


def compare(name, y, p_old, p_new, violating, vi, z):
    """The rule on one set, for accuracy (all crops) and for violating-class recall (its crops): on the
    same crops, the new model is worse when lost - gained > z * sqrt(lost + gained) (a paired, McNemar-style
    comparison; z = 0: any net loss is worse, i.e. accuracy and recall each >= old)."""
    if len(y) == 0:
        return {"set": name, "n": 0, "pass": True, "why": "empty set: nothing to compare"}
    out = {"set": name, "n": int(len(y)), "pass": True, "why": "not worse"}
    why = []
    for what, mask in (("accuracy", np.ones(len(y), bool)), (f"{violating} recall", y == vi)):
        lost, gained = paired(y, p_old, p_new, mask)
        margin = z * float(np.sqrt(lost + gained))
        out[what] = {"lost": lost, "gained": gained, "allowedNetLoss": round(margin, 2)}
        if lost - gained > margin:
            why.append(f"{what}: {lost} crops lost, {gained} gained (net loss allowed {margin:.1f})")
    if why:
        out["pass"], out["why"] = False, "; ".join(why)
    return out


def next_version(v):
    return str(int(v) + 1) if str(v).isdigit() else "2"


def check_parity(net, folder):
    fixture = os.path.join(folder, "parity-fixture.json")
    if not os.path.exists(fixture):
        return None
    ref = np.array(json.load(open(fixture))["probs"], np.float32)
    got = predict(net, parity_inputs())
    diff = float(np.abs(got - ref).max())
    if diff > 1e-4:
        raise SystemExit(f"{folder}: the loaded weights do not reproduce parity-fixture.json (max diff {diff:.2g})")
    return diff


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    t0 = time.time()
    spec = check_spec(args.check)
    model = spec["model"]
    card = json.load(open(os.path.join(args.current, "card.json")))
    classes = card["classes"]
    violating = spec["violating"]
    onnx_path = os.path.join(args.current, card.get("file", f"{model}.onnx"))
    log(f"{args.check}: current model {card['name']}@{card.get('version', '?')} from {onnx_path}")
    old = load_onnx(onnx_path)
    parity = check_parity(old, args.current)

    log("base set: building the crops (the first run also runs the head/hand export, about half a minute)")
    base = train_module(model).base_set({"cache": args.cache, "limit": args.base_limit, "data": args.base_data})
    x_tr, y_tr = base["train"]
    x_sel, y_sel = base["select"]
    x_te, y_te = base["heldout"]
    log(f"base set: train {len(x_tr)}, selection {len(x_sel)}, held-out {len(x_te)} crops ({time.time() - t0:.0f} s)")

    fb = {"train": (x_tr[:0], y_tr[:0]), "val": (x_te[:0], y_te[:0])}
    fb_counts = None
    if args.feedback:
        fb, fb_counts = feedback_crops(args.feedback, args.check, classes, spec)
        log(f"feedback: {json.dumps(fb_counts)}; crops train {len(fb['train'][1])}, hold-out {len(fb['val'][1])}")
    xf, yf = fb["train"]
    x_all = np.concatenate([x_tr] + [xf] * args.feedback_repeat)
    y_all = np.concatenate([y_tr] + [yf] * args.feedback_repeat)
    x_s = np.concatenate([x_sel, xf])
    y_s = np.concatenate([y_sel, yf])

    new = load_onnx(onnx_path)
    log(f"fine-tuning {args.epochs} epochs on {len(x_all)} crops (lr {args.lr})")
    new, best_epoch = finetune(new, x_all, y_all, x_s, y_s, args.epochs, args.seed, lr=args.lr, progress=log)

    log("measuring old and new on the same held-out crops")
    sets = {"baseHeldOut": (x_te, y_te), "feedbackHoldOut": fb["val"]}
    measured, verdicts = {}, []
    vi = classes.index(violating)
    for name, (x, y) in sets.items():
        p_old = predict(old, x).argmax(1) if len(y) else np.zeros(0, np.int64)
        p_new = predict(new, x).argmax(1) if len(y) else np.zeros(0, np.int64)
        measured[name] = {
            "n": int(len(y)),
            "old": metrics(y, p_old, classes) if len(y) else None,
            "new": metrics(y, p_new, classes) if len(y) else None,
        }
        verdicts.append(compare(name, y, p_old, p_new, violating, vi, args.z))
    trained = args.epochs > 0
    install = trained and all(v["pass"] for v in verdicts)
    reason = "not worse on both sets" if install else ("--epochs 0: measured only" if not trained else "; ".join(f"{v['set']}: {v['why']}" for v in verdicts if not v["pass"]))
    for v in verdicts:
        m = measured[v["set"]]
        if m["n"]:
            flips = f"lost/gained {v['accuracy']['lost']}/{v['accuracy']['gained']}"
            log(f"{v['set']} ({m['n']} crops): accuracy {m['old']['accuracy']} -> {m['new']['accuracy']}, {violating} recall {m['old'][violating]['recall']} -> {m['new'][violating]['recall']} ({flips}): {'not worse' if v['pass'] else 'WORSE: ' + v['why']}")
        else:
            log(f"{v['set']}: empty")

    version = next_version(card.get("version", "1"))
    rule = (f"install only if, on the base held-out set and on the feedback hold-out each, neither accuracy nor '{violating}' recall is worse: "
            f"on the same crops, (crops the new model gets wrong that the old got right) - (the reverse) <= {args.z} x sqrt(their sum)")
    report = {
        "check": args.check,
        "model": card["name"],
        "from": card.get("version", "1"),
        "version": version,
        "install": install,
        "reason": reason,
        "rule": rule,
        "measured": measured,
        "verdicts": verdicts,
        "feedback": {"file": os.path.basename(args.feedback) if args.feedback else None, "counts": fb_counts,
                     "trainCrops": int(len(yf)), "holdOutCrops": int(len(fb["val"][1]))},
        "base": {"trainCrops": int(len(x_tr)), "heldOutSet": base["heldoutSet"], "limit": args.base_limit or None},
        "epochs": args.epochs,
        "bestEpoch": best_epoch,
        "lr": args.lr,
        "loadedWeightsParityMaxDiff": parity,
        "seconds": round(time.time() - t0, 1),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    os.makedirs(args.out, exist_ok=True)
    if trained:
        out_onnx = export_onnx(new, args.out, card.get("file", f"{model}.onnx"))
        new_card = dict(card)
        new_card["version"] = version
        new_card["source"] = f"{card.get('source', '')}; fine-tuned by `mingfang models retrain --check {args.check}` from version {report['from']} on {len(yf)} feedback crops"
        new_card["metrics"] = {
            "retrain": {k: report[k] for k in ("rule", "measured", "feedback", "base", "epochs", "bestEpoch", "at")},
            "note": "measured by models/tools/retrain.py against the version it replaced; the previous version's metrics are in previousMetrics",
            # one level: the replaced version's own measurements, not its predecessors'
            "previousMetrics": {k: v for k, v in (card.get("metrics") or {}).items() if k != "previousMetrics"},
        }
        write_card(os.path.join(args.out, "card.json"), new_card)
        log(f"candidate {card['name']}@{version}: {out_onnx}")
    json.dump(report, open(os.path.join(args.out, "retrain.json"), "w"), indent=2)
    print("RESULT " + json.dumps({"install": install, "reason": reason, "version": version, "from": report["from"], "out": args.out}), flush=True)


if __name__ == "__main__":
    main()
