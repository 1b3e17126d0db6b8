#!/usr/bin/python3
"""Convert a TensorFlow.js graph model (model.json + weight shards) to ONNX.

Usage: tfjs_to_onnx.py SPEC.json

SPEC (written by models/tools/build.mjs) holds:
  modelJson   path of the TF.js model.json
  output      path of the .onnx file to write
  inputSize   [height, width] of the graph input
  preprocess  "x255" | "x255round" | "pm1"  — how the ONNX input (NCHW RGB float 0..1) becomes the graph's input
  outputs     [{"tf": node name, "name": onnx output name}] — graph tensors exposed (4-D ones in NCHW)
  post        optional model-specific post-processing: "blazeface"
  consts      optional {TF const name: value}: replaces constants bound to the input size (upsampling sizes,
              reshapes) so that a graph trained at one size runs at another (models/tools/catalogue.mjs)

The converter keeps 4-D activations in NCHW (ONNX's native layout) and tracks, per tensor, whether it is
stored transposed relative to TensorFlow's NHWC; it transposes back only where an op needs TensorFlow's
order (Reshape, GatherNd, ...). Only the ops these models use are supported; anything else stops the
conversion with the op's name. Needs Debian's python3-onnx and python3-numpy (no torch, no TensorFlow).
"""

import base64
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
TO_NCHW = [0, 3, 1, 2]
TO_NHWC = [0, 2, 3, 1]
NHWC_AXIS_TO_NCHW = [0, 2, 3, 1]  # NHWC axis a -> position in NCHW

DT = {
    "DT_FLOAT": (np.float32, TensorProto.FLOAT),
    "DT_INT32": (np.int32, TensorProto.INT32),
    "DT_INT64": (np.int64, TensorProto.INT64),
    "DT_BOOL": (np.bool_, TensorProto.BOOL),
}


def load_weights(model_json_path):
    model = json.load(open(model_json_path))
    base = os.path.dirname(model_json_path)
    weights = {}
    for group in model["weightsManifest"]:
        buf = b"".join(open(os.path.join(base, p), "rb").read() for p in group["paths"])
        off = 0
        for w in group["weights"]:
            shape = [int(s) for s in w["shape"]]
            n = int(np.prod(shape)) if shape else 1
            q = w.get("quantization")
            if q:
                qdt = q["dtype"]
                if qdt == "float16":
                    arr = np.frombuffer(buf, np.float16, n, off).astype(np.float32)
                    off += 2 * n
                elif qdt == "uint8":
                    raw = np.frombuffer(buf, np.uint8, n, off).astype(np.float32)
                    arr = (raw * np.float32(q["scale"]) + np.float32(q["min"])).astype(np.float32)
                    off += n
                elif qdt == "uint16":
                    raw = np.frombuffer(buf, np.uint16, n, off).astype(np.float32)
                    arr = (raw * np.float32(q["scale"]) + np.float32(q["min"])).astype(np.float32)
                    off += 2 * n
                else:
                    raise ValueError(f"unsupported quantization {qdt}")
                if w["dtype"] == "int32":
                    arr = np.round(arr).astype(np.int32)
            else:
                dt = {"float32": np.float32, "int32": np.int32, "bool": np.bool_}[w["dtype"]]
                size = np.dtype(dt).itemsize
                arr = np.frombuffer(buf, dt, n, off).copy()
                off += size * n
            weights[w["name"]] = arr.reshape(shape)
    return model, weights


def attr(node, key, default=None):
    a = node.get("attr", {}).get(key)
    if a is None:
        return default
    if "s" in a:
        return base64.b64decode(a["s"]).decode()
    if "i" in a:
        return int(a["i"])
    if "f" in a:
        return float(a["f"])
    if "b" in a:
        return bool(a["b"])
    if "type" in a:
        return a["type"]
    if "list" in a:
        lst = a["list"]
        if "i" in lst:
            return [int(v) for v in lst["i"]]
        if "s" in lst:
            return [base64.b64decode(v).decode() for v in lst["s"]]
        if "f" in lst:
            return [float(v) for v in lst["f"]]
        return []
    return default


class Tensor:
    """A value in the ONNX graph: name, whether it is stored NCHW (TF order NHWC), constant value if known."""

    def __init__(self, name, nchw=False, const=None, rank=None):
        self.name = name
        self.nchw = nchw
        self.const = const
        self.rank = rank if rank is not None else (const.ndim if const is not None else None)


class Converter:
    def __init__(self, spec):
        self.spec = spec
        self.model, self.weights = load_weights(spec["modelJson"])
        self.nodes = []
        self.inits = []
        self.values = {}
        self.counter = 0
        self.nhwc_cache = {}
        self.used_consts = set()

    # ---- helpers -------------------------------------------------------------------------------
    def uniq(self, base):
        self.counter += 1
        return f"{base.replace(':', '_')}__{self.counter}"

    def const(self, arr, base="const"):
        name = self.uniq(base)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(self, op, inputs, base, n_out=1, **attrs):
        outs = [self.uniq(base) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, **attrs))
        return outs if n_out > 1 else outs[0]

    def name_of(self, t):
        """ONNX name of a tensor, materialising constants as initializers."""
        if t.name is None:
            t.name = self.const(t.const)
        return t.name

    def nhwc(self, t):
        """The tensor in TensorFlow's order."""
        if not t.nchw:
            return self.name_of(t)
        if t.name not in self.nhwc_cache:
            self.nhwc_cache[t.name] = self.node("Transpose", [t.name], "to_nhwc", perm=TO_NHWC)
        return self.nhwc_cache[t.name]

    def get(self, ref):
        ref = ref.split("^")[-1]
        if ":" in ref:
            name, idx = ref.rsplit(":", 1)
            return self.values[name][int(idx)]
        return self.values[ref][0]

    # ---- conversion ----------------------------------------------------------------------------
    def run(self):
        graph_nodes = self.model["modelTopology"]["node"]
        pending = list(graph_nodes)
        # TF.js graphs are usually topologically ordered; loop until all are resolved to be safe.
        while pending:
            progressed = False
            rest = []
            for n in pending:
                ins = [i for i in n.get("input", []) if not i.startswith("^")]
                if all(i.split(":")[0] in self.values for i in ins):
                    self.values[n["name"]] = self.convert(n)
                    progressed = True
                else:
                    rest.append(n)
            if not progressed:
                missing = {i for n in rest for i in n.get("input", []) if i.split(":")[0] not in self.values}
                raise RuntimeError(f"unresolvable inputs: {sorted(missing)[:5]}")
            pending = rest
        return self.finish()

    def convert(self, n):
        op = n["op"]
        name = n["name"]
        ins = [self.get(i) for i in n.get("input", []) if not i.startswith("^")]
        fn = getattr(self, "op_" + op, None)
        if fn is None:
            raise NotImplementedError(f"op {op} ({name}) is not supported")
        out = fn(n, ins)
        return out if isinstance(out, list) else [out]

    def op_Const(self, n, ins):
        value = self.weights.get(n["name"])
        if value is None:
            raise KeyError(f"no weight for const {n['name']}")
        np_dt = DT[attr(n, "dtype")][0]
        override = self.spec.get("consts", {}).get(n["name"])
        if override is not None:
            new = np.asarray(override).astype(np_dt)
            if new.ndim != np.asarray(value).ndim:  # a grid constant may change size, not rank
                raise ValueError(f"const {n['name']}: override shape {new.shape} != {np.asarray(value).shape}")
            self.used_consts.add(n["name"])
            value = new
        return Tensor(None, const=np.asarray(value).astype(np_dt))

    def op_Placeholder(self, n, ins):
        h, w = self.spec["inputSize"]
        self.input_info = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, h, w])
        pre = self.spec["preprocess"]
        if pre == "x255":
            x = self.node("Mul", ["image", self.const(np.float32(255.0))], "pre")
        elif pre == "x255round":
            x = self.node("Round", [self.node("Mul", ["image", self.const(np.float32(255.0))], "pre")], "pre")
        elif pre == "pm1":
            x = self.node(
                "Sub",
                [self.node("Mul", ["image", self.const(np.float32(2.0))], "pre"), self.const(np.float32(1.0))],
                "pre",
            )
        else:
            raise ValueError(pre)
        return Tensor(x, nchw=True, rank=4)

    def op_Identity(self, n, ins):
        return ins[0]

    def _conv(self, n, ins, depthwise, fused):
        x = ins[0]
        w = ins[1].const
        if w is None:
            raise ValueError("conv weights must be constant")
        if attr(n, "data_format", "NHWC") != "NHWC":
            raise ValueError("only NHWC convolutions")
        strides = attr(n, "strides", [1, 1, 1, 1])[1:3]
        dil = attr(n, "dilations", [1, 1, 1, 1])[1:3]
        padding = attr(n, "padding")
        kh, kw = w.shape[0], w.shape[1]
        if depthwise:
            cin, mult = w.shape[2], w.shape[3]
            wt = np.transpose(w, (2, 3, 0, 1)).reshape(cin * mult, 1, kh, kw)
            group = cin
        else:
            wt = np.transpose(w, (3, 2, 0, 1))
            group = 1
        kwargs = {"strides": strides, "dilations": dil, "group": group, "kernel_shape": [kh, kw]}
        if padding == "SAME":
            kwargs["auto_pad"] = "SAME_UPPER"
        elif padding == "VALID":
            kwargs["pads"] = [0, 0, 0, 0]
        elif padding == "EXPLICIT":
            p = attr(n, "explicit_paddings")
            kwargs["pads"] = [p[2], p[4], p[3], p[5]]
        else:
            raise ValueError(padding)
        inputs = [self.name_of(x) if x.nchw else self.node("Transpose", [self.name_of(x)], "to_nchw", perm=TO_NCHW)]
        inputs.append(self.const(wt.astype(np.float32), "w"))
        ops = attr(n, "fused_ops", []) if fused else []
        extra = ins[2:]
        post = []
        for f in ops:
            if f == "BiasAdd":
                inputs.append(self.const(extra.pop(0).const.astype(np.float32).reshape(-1), "b"))
            elif f in ("Relu", "Relu6", "Elu", "Sigmoid", "LeakyRelu", "Prelu"):
                post.append(f)
            else:
                raise NotImplementedError(f"fused op {f}")
        y = self.node("Conv", inputs, n["name"], **kwargs)
        for f in post:
            if f == "Relu":
                y = self.node("Relu", [y], n["name"])
            elif f == "Relu6":
                y = self.node("Clip", [y, self.const(np.float32(0)), self.const(np.float32(6))], n["name"])
            elif f == "Sigmoid":
                y = self.node("Sigmoid", [y], n["name"])
            elif f == "Elu":
                y = self.node("Elu", [y], n["name"])
            elif f == "LeakyRelu":
                y = self.node("LeakyRelu", [y], n["name"], alpha=attr(n, "leakyrelu_alpha", 0.2))
            elif f == "Prelu":
                a = extra.pop(0).const.astype(np.float32).reshape(1, -1, 1, 1)
                y = self.node("PRelu", [y, self.const(a)], n["name"])
        return Tensor(y, nchw=True, rank=4)

    def op__FusedConv2D(self, n, ins):
        return self._conv(n, ins, False, True)

    def op_Conv2D(self, n, ins):
        return self._conv(n, ins, False, False)

    def op_DepthwiseConv2dNative(self, n, ins):
        return self._conv(n, ins, True, False)

    def op_FusedDepthwiseConv2dNative(self, n, ins):
        return self._conv(n, ins, True, True)

    # elementwise ---------------------------------------------------------------------------------
    def _broadcast_inputs(self, ins):
        """Names for an elementwise op; NCHW if every 4-D operand is NCHW or constant."""
        use_nchw = any(t.nchw for t in ins) and all(t.nchw or t.const is not None or (t.rank is not None and t.rank < 1) for t in ins)
        names = []
        for t in ins:
            if use_nchw and not t.nchw:
                c = t.const
                if c.ndim == 0:
                    names.append(self.name_of(t))
                else:
                    c4 = c.reshape((1,) * (4 - c.ndim) + c.shape)
                    names.append(self.const(np.transpose(c4, TO_NCHW)))
            elif use_nchw:
                names.append(t.name)
            else:
                names.append(self.nhwc(t))
        rank = max((t.rank or 0) for t in ins)
        return names, use_nchw, rank

    def _elementwise(self, onnx_op, n, ins):
        if all(t.const is not None for t in ins):
            return self._fold(onnx_op, ins)
        names, nchw, rank = self._broadcast_inputs(ins)
        return Tensor(self.node(onnx_op, names, n["name"]), nchw=nchw, rank=rank)

    def _fold(self, onnx_op, ins):
        a = [t.const for t in ins]
        f = {
            "Add": np.add,
            "Sub": np.subtract,
            "Mul": np.multiply,
            "Div": lambda x, y: (x / y).astype(x.dtype) if x.dtype.kind == "f" else x // y,
            "Max": np.maximum,
            "Min": np.minimum,
        }[onnx_op]
        return Tensor(None, const=np.asarray(f(*a)).astype(a[0].dtype))

    def op_Add(self, n, ins):
        return self._elementwise("Add", n, ins)

    op_AddV2 = op_Add

    def op_Sub(self, n, ins):
        return self._elementwise("Sub", n, ins)

    def op_Mul(self, n, ins):
        return self._elementwise("Mul", n, ins)

    def op_RealDiv(self, n, ins):
        return self._elementwise("Div", n, ins)

    def op_Maximum(self, n, ins):
        return self._elementwise("Max", n, ins)

    def op_Minimum(self, n, ins):
        return self._elementwise("Min", n, ins)

    def op_Equal(self, n, ins):
        names, nchw, rank = self._broadcast_inputs(ins)
        return Tensor(self.node("Equal", names, n["name"]), nchw=nchw, rank=rank)

    def op_SquaredDifference(self, n, ins):
        names, nchw, rank = self._broadcast_inputs(ins)
        d = self.node("Sub", names, n["name"])
        return Tensor(self.node("Mul", [d, d], n["name"]), nchw=nchw, rank=rank)

    def op_FloorDiv(self, n, ins):
        names, nchw, rank = self._broadcast_inputs(ins)
        # Integer operands here are non-negative indices, where truncation equals floor.
        if self._is_int(ins):
            return Tensor(self.node("Div", names, n["name"]), nchw=nchw, rank=rank)
        return Tensor(self.node("Floor", [self.node("Div", names, n["name"])], n["name"]), nchw=nchw, rank=rank)

    def op_FloorMod(self, n, ins):
        names, nchw, rank = self._broadcast_inputs(ins)
        return Tensor(self.node("Mod", names, n["name"], fmod=0 if self._is_int(ins) else 1), nchw=nchw, rank=rank)

    def _is_int(self, ins):
        return any(t.const is not None and t.const.dtype.kind == "i" for t in ins) or any(
            getattr(t, "int", False) for t in ins
        )

    def _unary(self, onnx_op, n, ins, **kw):
        t = ins[0]
        return Tensor(self.node(onnx_op, [self.name_of(t)], n["name"], **kw), nchw=t.nchw, rank=t.rank)

    def op_Relu(self, n, ins):
        return self._unary("Relu", n, ins)

    def op_Relu6(self, n, ins):
        t = ins[0]
        y = self.node("Clip", [self.name_of(t), self.const(np.float32(0)), self.const(np.float32(6))], n["name"])
        return Tensor(y, nchw=t.nchw, rank=t.rank)

    def op_Sigmoid(self, n, ins):
        return self._unary("Sigmoid", n, ins)

    def op_Sqrt(self, n, ins):
        return self._unary("Sqrt", n, ins)

    def op_Exp(self, n, ins):
        return self._unary("Exp", n, ins)

    def op_Cast(self, n, ins):
        np_dt, onnx_dt = DT[attr(n, "DstT")]
        t = ins[0]
        if t.const is not None:
            return Tensor(None, const=t.const.astype(np_dt))
        out = Tensor(self.node("Cast", [t.name], n["name"], to=onnx_dt), nchw=t.nchw, rank=t.rank)
        out.int = np_dt in (np.int32, np.int64)
        return out

    # layout-sensitive ops ------------------------------------------------------------------------
    def op_Mean(self, n, ins):
        t, axes_t = ins
        axes = [int(a) for a in np.atleast_1d(axes_t.const)]
        keep = attr(n, "keep_dims", False)
        if t.nchw and keep:
            axes = [NHWC_AXIS_TO_NCHW[a % 4] for a in axes]
            return Tensor(self.node("ReduceMean", [t.name], n["name"], axes=axes, keepdims=1), nchw=True, rank=4)
        x = self.nhwc(t)
        return Tensor(self.node("ReduceMean", [x], n["name"], axes=axes, keepdims=int(keep)), rank=t.rank if keep else t.rank - len(axes))

    def op_ConcatV2(self, n, ins):
        *parts, axis_t = ins
        axis = int(axis_t.const)
        rank = max(p.rank or 0 for p in parts)
        if all(p.nchw for p in parts):
            return Tensor(self.node("Concat", [p.name for p in parts], n["name"], axis=NHWC_AXIS_TO_NCHW[axis % 4]), nchw=True, rank=4)
        if all(p.const is not None for p in parts):
            return Tensor(None, const=np.concatenate([p.const for p in parts], axis))
        out = Tensor(self.node("Concat", [self.nhwc(p) for p in parts], n["name"], axis=axis), rank=rank)
        out.int = all(getattr(p, "int", False) or (p.const is not None and p.const.dtype.kind == "i") for p in parts)
        return out

    def op_ResizeBilinear(self, n, ins):
        t, size_t = ins
        h, w = [int(v) for v in size_t.const]
        x = self.name_of(t) if t.nchw else self.node("Transpose", [self.name_of(t)], "to_nchw", perm=TO_NCHW)
        if attr(n, "align_corners", False):
            mode = "align_corners"
        elif attr(n, "half_pixel_centers", False):
            mode = "half_pixel"
        else:
            mode = "asymmetric"
        shape = self.node("Shape", [x], "shape")
        nc = self.node("Slice", [shape, self.const(np.array([0], np.int64)), self.const(np.array([2], np.int64))], "nc")
        sizes = self.node("Concat", [nc, self.const(np.array([h, w], np.int64))], "sizes", axis=0)
        y = self.node("Resize", [x, "", "", sizes], n["name"], mode="linear", coordinate_transformation_mode=mode)
        return Tensor(y, nchw=True, rank=4)

    def op_MaxPool(self, n, ins):
        t = ins[0]
        k = attr(n, "ksize")[1:3]
        s = attr(n, "strides")[1:3]
        kw = {"kernel_shape": k, "strides": s}
        if attr(n, "padding") == "SAME":
            kw["auto_pad"] = "SAME_UPPER"
        x = self.name_of(t) if t.nchw else self.node("Transpose", [self.name_of(t)], "to_nchw", perm=TO_NCHW)
        return Tensor(self.node("MaxPool", [x], n["name"], **kw), nchw=True, rank=4)

    def op_Pad(self, n, ins):
        t, p_t = ins
        p = np.asarray(p_t.const).astype(np.int64)
        if t.nchw:
            p = p[TO_NCHW]
            x = t.name
        else:
            x = self.nhwc(t)
        pads = np.concatenate([p[:, 0], p[:, 1]])
        return Tensor(self.node("Pad", [x, self.const(pads)], n["name"], mode="constant"), nchw=t.nchw, rank=t.rank)

    # shape ops (TensorFlow order) ----------------------------------------------------------------
    def op_Reshape(self, n, ins):
        t, s_t = ins
        shape = np.asarray(s_t.const).astype(np.int64)
        if t.const is not None:
            return Tensor(None, const=t.const.reshape(shape))
        out = Tensor(self.node("Reshape", [self.nhwc(t), self.const(shape)], n["name"]), rank=len(shape))
        out.int = getattr(t, "int", False)
        return out

    def op_ExpandDims(self, n, ins):
        t, d_t = ins
        d = int(np.asarray(d_t.const).reshape(-1)[0])
        if t.const is not None:
            return Tensor(None, const=np.expand_dims(t.const, d))
        rank = t.rank + 1 if t.rank is not None else None
        # ONNX Unsqueeze takes negative axes relative to the output rank, as TensorFlow does.
        out = Tensor(self.node("Unsqueeze", [self.nhwc(t), self.const(np.array([d], np.int64))], n["name"]), rank=rank)
        out.int = getattr(t, "int", False)
        return out

    def op_Squeeze(self, n, ins):
        t = ins[0]
        dims = attr(n, "squeeze_dims", [])
        args = [self.nhwc(t)]
        if dims:
            args.append(self.const(np.array(dims, np.int64)))
        return Tensor(self.node("Squeeze", args, n["name"]), rank=(t.rank or 0) - len(dims))

    def op_Unpack(self, n, ins):
        t = ins[0]
        num = attr(n, "num")
        axis = attr(n, "axis", 0)
        x = self.nhwc(t)
        parts = self.node("Split", [x], n["name"], n_out=num, axis=axis) if num > 1 else [x]
        outs = []
        for p in parts:
            o = Tensor(self.node("Squeeze", [p, self.const(np.array([axis], np.int64))], n["name"]), rank=(t.rank or 1) - 1)
            o.int = getattr(t, "int", False)
            outs.append(o)
        return outs

    def op_Pack(self, n, ins):
        axis = attr(n, "axis", 0)
        if all(t.const is not None for t in ins):
            return Tensor(None, const=np.stack([t.const for t in ins], axis))
        us = [self.node("Unsqueeze", [self.nhwc(t), self.const(np.array([axis], np.int64))], n["name"]) for t in ins]
        out = Tensor(self.node("Concat", us, n["name"], axis=axis), rank=(ins[0].rank or 0) + 1)
        out.int = all(getattr(t, "int", False) or (t.const is not None and t.const.dtype.kind == "i") for t in ins)
        return out

    def op_StridedSlice(self, n, ins):
        t, b_t, e_t, s_t = ins
        begin, end, strides = (np.asarray(v.const).astype(np.int64) for v in (b_t, e_t, s_t))
        bm, em, sm = attr(n, "begin_mask", 0), attr(n, "end_mask", 0), attr(n, "shrink_axis_mask", 0)
        if attr(n, "ellipsis_mask", 0) or attr(n, "new_axis_mask", 0):
            raise NotImplementedError("StridedSlice ellipsis/new_axis")
        starts, ends, axes, steps, shrink = [], [], [], [], []
        big = np.iinfo(np.int64).max
        for i in range(len(begin)):
            st = int(strides[i])
            b = (0 if st > 0 else -1) if bm >> i & 1 else int(begin[i])
            e = (big if st > 0 else -big) if em >> i & 1 else int(end[i])
            if sm >> i & 1:
                e = b + 1 if b != -1 else big
                shrink.append(i)
            starts.append(b)
            ends.append(e)
            axes.append(i)
            steps.append(st)
        if t.const is not None:
            sl = tuple(slice(s, None if abs(e) == big else e, st) for s, e, st in zip(starts, ends, steps))
            c = t.const[sl]
            if shrink:
                c = np.squeeze(c, tuple(shrink))
            return Tensor(None, const=c)
        y = self.node(
            "Slice",
            [self.nhwc(t)] + [self.const(np.array(v, np.int64)) for v in (starts, ends, axes, steps)],
            n["name"],
        )
        if shrink:
            y = self.node("Squeeze", [y, self.const(np.array(shrink, np.int64))], n["name"])
        out = Tensor(y, rank=(t.rank or len(begin)) - len(shrink))
        out.int = getattr(t, "int", False)
        return out

    def op_GatherV2(self, n, ins):
        t, idx, ax = ins
        axis = int(np.asarray(ax.const).reshape(-1)[0])
        y = self.node("Gather", [self.nhwc(t), self.name_of(idx) if idx.const is None else self.name_of(idx)], n["name"], axis=axis)
        return Tensor(y, rank=(t.rank or 1) - 1 + (idx.rank or 0))

    def op_GatherNd(self, n, ins):
        t, idx = ins
        ii = self.node("Cast", [self.nhwc(idx)], n["name"], to=TensorProto.INT64)
        return Tensor(self.node("GatherND", [self.nhwc(t), ii], n["name"]), rank=None)

    def op_ArgMax(self, n, ins):
        t, d = ins
        axis = int(np.asarray(d.const).reshape(-1)[0])
        y = self.node("ArgMax", [self.nhwc(t)], n["name"], axis=axis, keepdims=0)
        dt = DT[attr(n, "output_type", "DT_INT64")][1]
        out = Tensor(self.node("Cast", [y], n["name"], to=dt), rank=(t.rank or 1) - 1)
        out.int = True
        return out

    def op_TopKV2(self, n, ins):
        t, k = ins
        kk = self.const(np.array([int(np.asarray(k.const).reshape(-1)[0])], np.int64))
        v, i = self.node("TopK", [self.nhwc(t), kk], n["name"], n_out=2, axis=-1, largest=1, sorted=1)
        i32 = Tensor(self.node("Cast", [i], n["name"], to=TensorProto.INT32), rank=t.rank)
        i32.int = True
        return [Tensor(v, rank=t.rank), i32]

    def finish(self):
        unused = set(self.spec.get("consts", {})) - self.used_consts
        if unused:
            raise KeyError(f"size constants not in the graph: {sorted(unused)}")
        outputs = []
        for o in self.spec["outputs"]:
            t = self.get(o["tf"])
            if o.get("nhwc"):
                src = self.nhwc(t)
            else:
                src = self.name_of(t)
            self.nodes.append(helper.make_node("Identity", [src], [o["name"]]))
            outputs.append(helper.make_tensor_value_info(o["name"], TensorProto.FLOAT, None))
        post = self.spec.get("post")
        if post == "blazeface":
            outputs += self.post_blazeface()
        graph = helper.make_graph(self.nodes, self.spec.get("graphName", "graph"), [self.input_info], outputs, self.inits)
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", OPSET)],
            producer_name="mingfang-models-tfjs_to_onnx",
        )
        model.ir_version = 8
        for k, v in self.spec.get("metadata", {}).items():
            model.metadata_props.append(onnx.StringStringEntryProto(key=k, value=str(v)))
        model = self.prune(model)
        if fuse_hard_activations(model) and any(n.op_type == "HardSwish" for n in model.graph.node):
            model.opset_import[0].version = max(OPSET, 14)  # HardSwish is opset 14
        self.fill_output_shapes(model)
        onnx.checker.check_model(model)
        os.makedirs(os.path.dirname(self.spec["output"]), exist_ok=True)
        onnx.save(model, self.spec["output"])
        return model

    def fill_output_shapes(self, model):
        """Give every graph output the type and shape that ONNX shape inference finds for it."""
        inferred = onnx.shape_inference.infer_shapes(model)
        known = {v.name: v for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
        producer = {o: n for n in model.graph.node for o in n.output}
        for out in model.graph.output:
            name = out.name
            v = known.get(name)
            if (v is None or not v.type.tensor_type.HasField("shape")) and producer.get(name) is not None:
                v = known.get(producer[name].input[0])
            if v is not None and v.type.tensor_type.HasField("shape"):
                out.type.CopyFrom(v.type)
            else:
                declared = next((o.get("shape") for o in self.spec["outputs"] if o["name"] == name), None)
                if declared is None:
                    raise RuntimeError(f"no shape inferred for output {name}: declare it in the spec")
                out.CopyFrom(helper.make_tensor_value_info(name, TensorProto.FLOAT, declared))

    def prune(self, model):
        """Drop nodes and initializers that no output depends on."""
        g = model.graph
        needed = {o.name for o in g.output}
        keep = []
        for node in reversed(list(g.node)):
            if any(o in needed for o in node.output):
                keep.append(node)
                needed.update(i for i in node.input if i)
        keep.reverse()
        del g.node[:]
        g.node.extend(keep)
        inits = [i for i in g.initializer if i.name in needed]
        del g.initializer[:]
        g.initializer.extend(inits)
        return model

    def post_blazeface(self):
        """BlazeFace: merge the two heads (as @vladmandic/human does), decode boxes with the anchors."""
        size = self.spec["inputSize"][0]
        heads = {}
        for ref in ("Identity", "Identity_1", "Identity_2", "Identity_3"):
            t = self.get(ref)
            heads[ref] = t
        # Shapes from the graph's reshape constants: classificators [1,N,1], regressors [1,N,16].
        cls = [r for r in heads if self._last_dim(r) == 1]
        reg = [r for r in heads if self._last_dim(r) == 16]
        cls.sort(key=lambda r: -self._count(r))
        reg.sort(key=lambda r: -self._count(r))
        # human: concat([cls512, reg512], 2), concat([cls384, reg384], 2), then 512 first.
        blocks = [self.node("Concat", [self.name_of(heads[c]), self.name_of(heads[r])], "bf", axis=2) for c, r in zip(cls, reg)]
        raw = self.node("Concat", blocks, "bf_raw", axis=1)
        batch = self.node("Squeeze", [raw, self.const(np.array([0], np.int64))], "bf_batch")
        anchors = self.anchors(size)
        sl = lambda a, b: self.node(
            "Slice", [batch, self.const(np.array([a], np.int64)), self.const(np.array([b], np.int64)), self.const(np.array([1], np.int64))], "bf_slice"
        )
        centers = self.node("Add", [sl(1, 3), self.const(anchors)], "bf_centers")
        half = self.node("Div", [sl(3, 5), self.const(np.float32(2))], "bf_half")
        inv = self.const(np.float32(1.0 / size))
        starts = self.node("Mul", [self.node("Sub", [centers, half], "bf"), inv], "bf_starts")
        ends = self.node("Mul", [self.node("Add", [centers, half], "bf"), inv], "bf_ends")
        boxes = self.node("Concat", [starts, ends], "bf_boxes", axis=1)
        self.nodes.append(helper.make_node("Unsqueeze", [boxes, self.const(np.array([0], np.int64))], ["boxes"]))
        scores = self.node("Sigmoid", [sl(0, 1)], "bf_scores")
        self.nodes.append(helper.make_node("Reshape", [scores, self.const(np.array([1, -1], np.int64))], ["scores"]))
        lm = self.node("Reshape", [sl(5, 17), self.const(np.array([-1, 6, 2], np.int64))], "bf_lm")
        lm = self.node("Add", [lm, self.const(anchors.reshape(-1, 1, 2))], "bf_lm")
        lm = self.node("Mul", [lm, inv], "bf_lm")
        self.nodes.append(helper.make_node("Unsqueeze", [lm, self.const(np.array([0], np.int64))], ["landmarks"]))
        return [
            helper.make_tensor_value_info("boxes", TensorProto.FLOAT, None),
            helper.make_tensor_value_info("scores", TensorProto.FLOAT, None),
            helper.make_tensor_value_info("landmarks", TensorProto.FLOAT, None),
        ]

    def _reshape_shape(self, ref):
        node = next(n for n in self.model["modelTopology"]["node"] if n["name"] == ref)
        src = next(n for n in self.model["modelTopology"]["node"] if n["name"] == node["input"][0])
        return [int(v) for v in self.weights[src["input"][1]]]

    def _last_dim(self, ref):
        return self._reshape_shape(ref)[-1]

    def _count(self, ref):
        return self._reshape_shape(ref)[1]

    @staticmethod
    def anchors(size):
        """generateAnchors() of @vladmandic/human (face/facemeshutil.ts) for BlazeFace."""
        out = []
        for stride, num in ((size // 16, 2), (size // 8, 6)):
            rows = (size + stride - 1) // stride
            for gy in range(rows):
                for gx in range(rows):
                    for _ in range(num):
                        out.append([stride * (gx + 0.5), stride * (gy + 0.5)])
        return np.array(out, np.float32)


def fuse_hard_activations(model):
    """MobileNetV3's hard swish x·relu6(x+3)·c and hard sigmoid relu6(z+3)·c, which TF.js graphs spell as
    four and three element-wise ops, as ONNX HardSwish / HardSigmoid nodes that ONNX Runtime keeps in its
    blocked (NCHWc) layout: the scalar Add/Clip/Mul chain made it convert layouts back and forth around every
    activation (CenterNet at 384×288: 14–16 % of its CPU; docs/performance.md). c is 1/6 as stored in fp16
    (0.16662598), so HardSwish(x) = x·relu6(x+3)/6 is off by the factor 6c; that factor is folded into a
    neighbouring convolution's weights (the consumers', or the producer's for a HardSigmoid·x rewrite), so
    the result is the same arithmetic up to float rounding. Returns the number of patterns fused."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    def value(name):
        i = inits.get(name)
        return None if i is None else numpy_helper.to_array(i)
    def scalar(name):
        v = value(name)
        return float(v.reshape(-1)[0]) if v is not None and v.size == 1 else None
    producer = {o: n for n in g.node for o in n.output}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    graph_outputs = {o.name for o in g.output}
    def only(name, n):
        return name not in graph_outputs and consumers.get(name, []) == [n]
    def own_init(name, n):
        return name in inits and consumers.get(name, []) == [n]
    def scale_conv(conv, k, bias):
        for j, name in enumerate(conv.input[1:3]):
            if j == 1 and not bias:
                break
            arr = value(name).astype(np.float32)
            inits[name].CopyFrom(numpy_helper.from_array((arr * np.float32(k)).astype(np.float32), name))
    remove, replace = set(), {}
    fused = 0
    for clip in g.node:
        if clip.op_type != "Clip" or len(clip.input) != 3 or scalar(clip.input[1]) != 0.0 or scalar(clip.input[2]) != 6.0:
            continue
        add = producer.get(clip.input[0])
        if add is None or add.op_type != "Add" or not only(add.output[0], clip):
            continue
        three = [i for i in add.input if scalar(i) == 3.0]
        if len(three) != 1:
            continue
        x = [i for i in add.input if i != three[0]][0]
        cs = consumers.get(clip.output[0], [])
        if len(cs) != 1 or cs[0].op_type != "Mul":
            continue
        m2 = cs[0]
        other = [i for i in m2.input if i != clip.output[0]][0]
        c = scalar(other)
        m1 = producer.get(other)
        if c is None and m1 is not None and m1.op_type == "Mul" and x in m1.input and only(m1.output[0], m2):
            # hard swish: m2 = (c·x)·relu6(x+3). x' = 6c·x from its convolution; out = x'·HardSigmoid(x'/(6c)).
            c = [scalar(i) for i in m1.input if i != x][0]
            if c is None:
                continue
            outs = consumers.get(m2.output[0], [])
            if m2.output[0] not in graph_outputs and outs and all(
                n.op_type == "Conv" and n.input[0] == m2.output[0] and own_init(n.input[1], n) for n in outs
            ):
                # every consumer is a convolution: out = 6c·HardSwish(x), 6c into their weights.
                for n in outs:
                    scale_conv(n, 6.0 * c, bias=False)
                replace[id(m2)] = [helper.make_node("HardSwish", [x], [m2.output[0]])]
                remove |= {id(add), id(clip), id(m1)}
                fused += 1
                continue
            conv = producer.get(x)
            if c is None or conv is None or conv.op_type != "Conv" or len(conv.input) != 3:
                continue
            if sorted(id(n) for n in consumers.get(x, [])) != sorted([id(add), id(m1)]) or x in graph_outputs:
                continue
            if not (own_init(conv.input[1], conv) and own_init(conv.input[2], conv)):
                continue
            k = 6.0 * c
            scale_conv(conv, k, bias=True)
            hs = m2.output[0] + "_hardsigmoid"
            replace[id(m2)] = [
                helper.make_node("HardSigmoid", [x], [hs], alpha=1.0 / (6.0 * k), beta=0.5),
                helper.make_node("Mul", [x, hs], [m2.output[0]]),
            ]
            remove |= {id(add), id(clip), id(m1)}
            fused += 1
        elif c is not None:
            # hard sigmoid (squeeze-excite): s = c·relu6(z+3) = 6c·HardSigmoid(z); s·f then a 1×1 projection:
            # 6c goes into the projection's weights.
            uses = consumers.get(m2.output[0], [])
            if len(uses) != 1 or uses[0].op_type != "Mul":
                continue
            gate = uses[0]
            proj = consumers.get(gate.output[0], [])
            if len(proj) != 1 or proj[0].op_type != "Conv" or proj[0].input[0] != gate.output[0] or gate.output[0] in graph_outputs:
                continue
            if not own_init(proj[0].input[1], proj[0]):
                continue
            scale_conv(proj[0], 6.0 * c, bias=False)
            replace[id(m2)] = [helper.make_node("HardSigmoid", [x], [m2.output[0]], alpha=1.0 / 6.0, beta=0.5)]
            remove |= {id(add), id(clip)}
            fused += 1
    nodes = []
    for n in g.node:
        if id(n) in replace:
            nodes.extend(replace[id(n)])
        elif id(n) not in remove:
            nodes.append(n)
    del g.node[:]
    g.node.extend(nodes)
    used = {i for n in g.node for i in n.input}
    keep = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    return fused


def main():
    spec = json.load(open(sys.argv[1]))
    model = Converter(spec).run()
    print(json.dumps({"output": spec["output"], "nodes": len(model.graph.node), "bytes": os.path.getsize(spec["output"])}))


if __name__ == "__main__":
    main()
