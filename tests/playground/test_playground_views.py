"""steepest.playground.views: frames are a JSON header and raw arrays, pictures
one byte a pixel."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from steepest.activations import get_activation
from steepest.playground import views


def test_a_frame_round_trips_with_aligned_arrays():
    params = np.arange(7, dtype=np.float32)
    pictures = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    frame = views.encode({"epoch": 3, "loss": float("nan")}, [("params", params),
                                                              ("units", pictures)])
    header, arrays = views.decode(frame)
    assert header["epoch"] == 3 and header["loss"] is None  # NaN is no JSON
    np.testing.assert_array_equal(arrays["params"], params)
    np.testing.assert_array_equal(arrays["units"], pictures)
    (size,) = struct.unpack_from("<I", frame)
    start = -(-(4 + size) // 4) * 4
    assert [a["offset"] % 4 for a in header["arrays"]] == [0, 0] and start % 4 == 0
    assert len(frame) == start + 28 + 20  # 7 floats; 18 bytes padded to 20
    json.loads(frame[4 : 4 + size])  # strict JSON


def test_pictures_are_quantised_against_their_own_scale():
    maps = np.array([[0.0, 1.0, -1.0, 0.5], [0.0, 4.0, -2.0, np.nan]], dtype=np.float32)
    data, scales = views.quantised(maps)
    assert scales == [1.0, 4.0]
    assert data[0].tolist() == [128, 255, 1, 192]  # [-1, 1] keeps its absolute colour
    assert data[1].tolist() == [128, 255, 64, 128]  # larger: its shape; NaN as 0
    assert data.dtype == np.uint8


def test_probabilities_are_pictured_around_one_half():
    A = np.array([[0.0, 0.5, 1.0]])
    np.testing.assert_array_equal(views.shown(A, get_activation("softmax")), [[-1, 0, 1]])
    np.testing.assert_array_equal(views.shown(A, get_activation("tanh")), A)


@pytest.mark.parametrize(("output", "activation", "classes", "strength"), [
    (np.tile([[0.2, 0.7, 0.1]], (4096, 1)), "softmax", 1, 178),
    (np.tile([[0.3]], (4096, 1)), "sigmoid", 0, 178),
    (np.tile([[-3.0, 2.0]], (4096, 1)), "identity", 1, 255),
])
def test_the_class_picture_is_the_class_and_how_sure(output, activation, classes, strength):
    picture = views.class_map(output, get_activation(activation))
    assert picture.shape == (2, views.OUTPUT_GRID, views.OUTPUT_GRID)
    assert (picture[0] == classes).all() and (picture[1] == strength).all()
