"""What the crop classifiers' data preparation shares: near-duplicate grouping (dHash + union-find), the
deterministic 60/20/20 group split, the clamped square crop, the shrink-and-stretch that imitates a small
object, and the [N,3,64,64] float layout the network takes.

Imported by models/*-classifier/train.py (which put this folder on sys.path). Needs Debian's python3-opencv
and python3-numpy.
"""

import hashlib
import os

import cv2
import numpy as np

SIZE = 64


def default_dataset(here, name):
    """../shared/datasets/<name> next to the repository (or next to a worktree's parent), `here` being a
    folder two levels below the repository root (models/<model>)."""
    for up in (("..", "..", ".."), ("..", "..", "..", "..")):
        d = os.path.normpath(os.path.join(here, *up, "shared", "datasets", name))
        if os.path.isdir(d):
            return d
    return os.path.normpath(os.path.join(here, "..", "..", "..", "shared", "datasets", name))


def dhash(img):
    """Difference hash of a BGR image: 64 booleans (9x8 grey, left < right)."""
    g = cv2.cvtColor(cv2.resize(img, (9, 8), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
    return (g[:, 1:] > g[:, :-1]).flatten()


def group_items(items, links=(), max_hamming=6):
    """Union-find over the items (dicts with a "hash" from dhash): each list of indices in `links` is one
    group, and items whose dHashes differ in <= max_hamming bits join. Returns the groups as lists of
    indices, in order of their first item."""
    parent = list(range(len(items)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a, b):
        parent[find(a)] = find(b)

    for ids in links:
        for j in ids[1:]:
            union(ids[0], j)
    hashes = np.array([it["hash"] for it in items])
    for i in range(len(items)):
        d = (hashes[i + 1 :] != hashes[i]).sum(axis=1)
        for j in np.nonzero(d <= max_hamming)[0]:
            union(i, i + 1 + j)
    groups = {}
    for i in range(len(items)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def group_split(items, groups, key, to_train=None):
    """Deterministic 60/20/20 split of groups by a hash of their smallest `key` value; groups for which
    to_train(group) holds go to train whatever their hash. Returns item indices per split."""
    out = {"train": [], "val": [], "test": []}
    for g in groups:
        if to_train is not None and to_train(g):
            out["train"].extend(g)
            continue
        first = min(items[i][key] for i in g)
        h = int(hashlib.sha256(first.encode()).hexdigest(), 16) % 100
        out["train" if h < 60 else "val" if h < 80 else "test"].extend(g)
    return out


def square_crop(img, cx, cy, side):
    """The square of `side` px centred on (cx, cy), clamped inside the image (not padded), stretched to
    SIZE x SIZE, RGB; None when under 4 px either way."""
    h, w = img.shape[:2]
    x1 = int(round(max(0, cx - side / 2)))
    y1 = int(round(max(0, cy - side / 2)))
    x2 = int(round(min(w, cx + side / 2)))
    y2 = int(round(min(h, cy + side / 2)))
    if x2 - x1 < 4 or y2 - y1 < 4:
        return None
    crop = cv2.resize(img[y1:y2, x1:x2], (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(crop, cv2.COLOR_BGR2RGB)


def shrink(img, s):
    """An image shrunk to s x s and stretched back to SIZE x SIZE: what an object of s pixels looks like."""
    return cv2.resize(cv2.resize(img, (s, s), interpolation=cv2.INTER_AREA), (SIZE, SIZE), interpolation=cv2.INTER_LINEAR)


def grey(img):
    """An RGB image as grey in all three channels."""
    return np.repeat(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2)


def to_x(crops):
    """HxWx3 uint8 crops → [N,3,H,W] float32 in 0..1."""
    return np.stack(crops).astype(np.float32).transpose(0, 3, 1, 2) / 255.0
