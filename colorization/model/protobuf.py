"""A minimal protocol-buffers wire codec: enough to read and write Caffe and ONNX files.

The schemas we touch (caffe.NetParameter, onnx.ModelProto) are tiny subsets, so a
hundred lines of wire format beats pulling in a code generator and its runtime.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import numpy as np

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class ProtobufError(ValueError):
    """The bytes are not a well-formed protocol buffer."""


def _varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint((field << 3) | wire_type)


def varint_field(field: int, value: int) -> bytes:
    """Encode an int/bool/enum field."""
    return _key(field, VARINT) + _varint(int(value))


def bytes_field(field: int, payload: bytes) -> bytes:
    """Encode a length-delimited field: bytes, a string's UTF-8 or a nested message."""
    return _key(field, LENGTH) + _varint(len(payload)) + payload


def string_field(field: int, text: str) -> bytes:
    return bytes_field(field, text.encode("utf-8"))


def float_field(field: int, value: float) -> bytes:
    return _key(field, FIXED32) + struct.pack("<f", value)


def packed_floats(field: int, values: np.ndarray) -> bytes:
    return bytes_field(field, np.ascontiguousarray(values, dtype="<f4").tobytes())


def packed_varints(field: int, values: list[int] | tuple[int, ...]) -> bytes:
    return bytes_field(field, b"".join(_varint(int(v)) for v in values))


def _read_varint(buf: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ProtobufError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ProtobufError("varint too long")


def iter_fields(data: bytes | memoryview) -> Iterator[tuple[int, int, int | memoryview]]:
    """Yield (field number, wire type, value): an int for varints, a memoryview otherwise."""
    buf = memoryview(data)
    pos = 0
    while pos < len(buf):
        key, pos = _read_varint(buf, pos)
        field, wire_type = key >> 3, key & 7
        if wire_type == VARINT:
            value, pos = _read_varint(buf, pos)
        elif wire_type == LENGTH:
            length, pos = _read_varint(buf, pos)
            if pos + length > len(buf):
                raise ProtobufError("truncated length-delimited field")
            value, pos = buf[pos : pos + length], pos + length
        elif wire_type == FIXED32:
            value, pos = buf[pos : pos + 4], pos + 4
        elif wire_type == FIXED64:
            value, pos = buf[pos : pos + 8], pos + 8
        else:
            raise ProtobufError(f"unsupported wire type {wire_type}")
        if pos > len(buf):
            raise ProtobufError("truncated field")
        yield field, wire_type, value


def read_varints(wire_type: int, value: int | memoryview) -> list[int]:
    """Decode a repeated integer field given either packed or unpacked."""
    if wire_type == VARINT:
        return [int(value)]  # type: ignore[arg-type]
    out, pos, buf = [], 0, value
    while pos < len(buf):  # type: ignore[arg-type]
        item, pos = _read_varint(buf, pos)  # type: ignore[arg-type]
        out.append(item)
    return out
