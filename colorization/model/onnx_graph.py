"""Caffe to ONNX: the parsed colorization net and its weights written as an ONNX ModelProto.

The translation is exact (same operators, same weights, float32) and written with the package's
own protobuf codec, which streams the 129 MB of weights into the graph without the `onnx`
package's extra copies. Field numbers are onnx.proto3's, named below.
"""

from __future__ import annotations

import numpy as np

from . import caffe
from . import protobuf as pb

OPSET = 17
IR_VERSION = 8


class _ModelFields:
    """onnx.ModelProto and OperatorSetIdProto."""

    IR_VERSION, PRODUCER_NAME, GRAPH, OPSET_IMPORT = 1, 2, 7, 8
    OPSET_DOMAIN, OPSET_VERSION = 1, 2


class _GraphFields:
    """onnx.GraphProto."""

    NODE, NAME, INITIALIZER, INPUT, OUTPUT = 1, 2, 5, 11, 12


class _NodeFields:
    """onnx.NodeProto."""

    INPUT, OUTPUT, NAME, OP_TYPE, ATTRIBUTE = 1, 2, 3, 4, 5


class _AttributeFields:
    """onnx.AttributeProto and its AttributeType enum."""

    NAME, FLOAT, INT, INTS, TYPE = 1, 2, 3, 8, 20
    TYPE_FLOAT, TYPE_INT, TYPE_INTS = 1, 2, 7


class _TensorFields:
    """onnx.TensorProto and its DataType enum."""

    DIMS, DATA_TYPE, NAME, RAW_DATA = 1, 2, 8, 9
    FLOAT = 1


class _ValueInfoFields:
    """onnx.ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto and its Dimension."""

    NAME, TYPE = 1, 2
    TYPE_TENSOR = 1
    TENSOR_ELEM_TYPE, TENSOR_SHAPE = 1, 2
    SHAPE_DIM = 1
    DIM_VALUE, DIM_PARAM = 1, 2


def _attribute(name: str, value: float | int | list[int]) -> bytes:
    f = _AttributeFields
    body = pb.string_field(f.NAME, name)
    if isinstance(value, list):
        body += b"".join(pb.varint_field(f.INTS, v) for v in value) + pb.varint_field(f.TYPE, f.TYPE_INTS)
    elif isinstance(value, float):
        body += pb.float_field(f.FLOAT, value) + pb.varint_field(f.TYPE, f.TYPE_FLOAT)
    else:
        body += pb.varint_field(f.INT, value) + pb.varint_field(f.TYPE, f.TYPE_INT)
    return pb.bytes_field(_NodeFields.ATTRIBUTE, body)


def _node(op: str, inputs: list[str], outputs: list[str], name: str, **attributes) -> bytes:
    f = _NodeFields
    body = (b"".join(pb.string_field(f.INPUT, i) for i in inputs)
            + b"".join(pb.string_field(f.OUTPUT, o) for o in outputs))
    body += pb.string_field(f.NAME, name) + pb.string_field(f.OP_TYPE, op)
    body += b"".join(_attribute(k, v) for k, v in attributes.items())
    return pb.bytes_field(_GraphFields.NODE, body)


def _tensor(name: str, array: np.ndarray) -> bytes:
    f = _TensorFields
    array = np.ascontiguousarray(array, dtype="<f4")
    body = b"".join(pb.varint_field(f.DIMS, d) for d in array.shape) + pb.varint_field(f.DATA_TYPE, f.FLOAT)
    body += pb.string_field(f.NAME, name) + pb.bytes_field(f.RAW_DATA, array.tobytes())
    return pb.bytes_field(_GraphFields.INITIALIZER, body)


def _value_info(graph_field: int, name: str, dims: list[str | int]) -> bytes:
    """A float tensor's name and shape; string dims are symbolic (any size)."""
    f = _ValueInfoFields
    shape = b"".join(
        pb.bytes_field(f.SHAPE_DIM,
                       pb.string_field(f.DIM_PARAM, d) if isinstance(d, str) else pb.varint_field(f.DIM_VALUE, d))
        for d in dims
    )
    tensor_type = pb.varint_field(f.TENSOR_ELEM_TYPE, _TensorFields.FLOAT) + pb.bytes_field(f.TENSOR_SHAPE, shape)
    value_type = pb.bytes_field(f.TYPE_TENSOR, tensor_type)
    return pb.bytes_field(graph_field, pb.string_field(f.NAME, name) + pb.bytes_field(f.TYPE, value_type))


def caffe_to_onnx(spec: caffe.NetSpec, weights: dict[str, list[np.ndarray]],
                  loader_blobs: dict[str, np.ndarray]) -> bytes:
    """Translate a parsed colorization net and its weights into a serialized ONNX ModelProto."""
    nodes, inits = [], []
    current: dict[str, str] = {caffe.INPUT_BLOB: caffe.INPUT_BLOB}

    def output_name(top: str) -> str:
        name = top if top not in current else f"{top}__{len(nodes)}"
        current[top] = name
        return name

    for layer in spec.layers:
        if layer.type in ("Input", "Silence"):
            continue
        x = current[layer.bottoms[0]]
        blobs = [loader_blobs[layer.name]] if layer.name in loader_blobs else weights.get(layer.name, [])
        prefix = layer.name
        if layer.type in ("Convolution", "Deconvolution"):
            p = layer.conv
            inits.append(_tensor(f"{prefix}.w", blobs[0]))
            inputs = [x, f"{prefix}.w"]
            if len(blobs) > 1 and p["bias"]:
                inits.append(_tensor(f"{prefix}.b", blobs[1].reshape(-1)))
                inputs.append(f"{prefix}.b")
            op = "Conv" if layer.type == "Convolution" else "ConvTranspose"
            k, pad, s, d = p["kernel"], p["pad"], p["stride"], p["dilation"]
            nodes.append(_node(op, inputs, [output_name(layer.tops[0])], prefix, kernel_shape=[k, k],
                               pads=[pad] * 4, strides=[s, s], dilations=[d, d], group=p["group"]))
        elif layer.type == "ReLU":
            nodes.append(_node("Relu", [x], [output_name(layer.tops[0])], prefix))
        elif layer.type == "BatchNorm":
            mean, var, factor = blobs[0], blobs[1], float(blobs[2].reshape(-1)[0])
            factor = 1.0 / factor if factor != 0 else 1.0
            eps = float(layer.param("batch_norm_param", "eps", 1e-5))
            channels = mean.size
            for suffix, value in (("scale", np.ones(channels)), ("bias", np.zeros(channels)),
                                  ("mean", mean.reshape(-1) * factor), ("var", var.reshape(-1) * factor)):
                inits.append(_tensor(f"{prefix}.{suffix}", value))
            nodes.append(_node("BatchNormalization", [x] + [f"{prefix}.{s}" for s in ("scale", "bias", "mean", "var")],
                               [output_name(layer.tops[0])], prefix, epsilon=eps))
        elif layer.type == "Scale":
            inits.append(_tensor(f"{prefix}.scale", blobs[0].reshape(1, -1, 1, 1)))
            top = layer.tops[0]
            if len(blobs) > 1:
                nodes.append(_node("Mul", [x, f"{prefix}.scale"], [f"{prefix}.scaled"], prefix + ".mul"))
                inits.append(_tensor(f"{prefix}.bias", blobs[1].reshape(1, -1, 1, 1)))
                nodes.append(_node("Add", [f"{prefix}.scaled", f"{prefix}.bias"], [output_name(top)], prefix))
            else:
                nodes.append(_node("Mul", [x, f"{prefix}.scale"], [output_name(top)], prefix))
        elif layer.type == "Softmax":
            nodes.append(_node("Softmax", [x], [output_name(layer.tops[0])], prefix, axis=1))
        else:
            raise ValueError(f"layer {layer.name!r} of type {layer.type!r} cannot be translated")
    if current[caffe.OUTPUT_BLOB] != caffe.OUTPUT_BLOB:
        nodes.append(_node("Identity", [current[caffe.OUTPUT_BLOB]], [caffe.OUTPUT_BLOB], "output"))
    g = _GraphFields
    graph = b"".join(nodes) + pb.string_field(g.NAME, "colorization") + b"".join(inits)
    graph += _value_info(g.INPUT, caffe.INPUT_BLOB, ["batch", 1, "height", "width"])
    graph += _value_info(g.OUTPUT, caffe.OUTPUT_BLOB, ["batch", 2, "out_height", "out_width"])
    m = _ModelFields
    opset = pb.bytes_field(m.OPSET_IMPORT,
                           pb.string_field(m.OPSET_DOMAIN, "") + pb.varint_field(m.OPSET_VERSION, OPSET))
    return (pb.varint_field(m.IR_VERSION, IR_VERSION) + pb.string_field(m.PRODUCER_NAME, "colorization") + opset
            + pb.bytes_field(m.GRAPH, graph))
