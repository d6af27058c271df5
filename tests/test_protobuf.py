"""The small protobuf codec on its own: what it writes, it reads back; what is broken, it refuses."""

import struct

import numpy as np
import pytest

from colorization.model import protobuf as pb


@pytest.mark.parametrize("value", [0, 1, 127, 128, 300, 2**31, 2**63 - 1, -1, -(2**31)])
def test_varints_round_trip(value):
    [(field, wire, decoded)] = list(pb.iter_fields(pb.varint_field(5, value)))
    assert (field, wire) == (5, pb.VARINT)
    assert decoded == (value if value >= 0 else value + 2**64)  # negatives are ten-byte two's complement


def test_known_bytes_from_the_protobuf_documentation():
    assert pb.varint_field(1, 150) == bytes([0x08, 0x96, 0x01])  # the "150" example of the encoding guide
    assert pb.string_field(2, "testing") == b"\x12\x07testing"


def test_every_field_kind_round_trips_in_one_message():
    floats = np.array([0.5, -2.25, 1e-3], np.float32)
    message = (pb.varint_field(1, 42) + pb.string_field(2, "näme") + pb.float_field(3, 1.5)
               + pb.packed_floats(4, floats) + pb.packed_varints(5, [1, 300, 2**40])
               + pb.bytes_field(6, pb.varint_field(1, 7)))
    fields = {number: (wire, value) for number, wire, value in pb.iter_fields(message)}
    assert fields[1] == (pb.VARINT, 42)
    assert bytes(fields[2][1]).decode() == "näme"
    assert fields[3][0] == pb.FIXED32 and struct.unpack("<f", bytes(fields[3][1]))[0] == 1.5
    np.testing.assert_array_equal(np.frombuffer(bytes(fields[4][1]), "<f4"), floats)
    assert pb.read_varints(*fields[5]) == [1, 300, 2**40]
    assert list(pb.iter_fields(fields[6][1])) == [(1, pb.VARINT, 7)]
    assert pb.read_varints(pb.VARINT, 9) == [9]  # an unpacked repeated field


@pytest.mark.parametrize("broken", [
    b"\x08",  # a key and no value
    b"\x08\x96",  # a varint cut short
    b"\x12\x07test",  # a length longer than what follows
    b"\x0b",  # wire type 3 (groups): not used by these schemas
    b"\x08" + b"\xff" * 10 + b"\x01",  # a varint longer than 64 bits
])
def test_broken_bytes_are_refused(broken):
    with pytest.raises(pb.ProtobufError):
        list(pb.iter_fields(broken))
