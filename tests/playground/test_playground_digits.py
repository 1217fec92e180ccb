"""steepest.playground.digits: a drawing read by a model, prepared like its
training images; one step taught, its gradient shown, and undone."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from steepest import Network
from steepest.errors import DataError
from steepest.images import image_input
from steepest.io import load
from steepest.playground import views
from steepest.playground.digits import DigitsModel, DigitsSession


@pytest.fixture
def reader(digits_model_file):
    return DigitsModel(str(digits_model_file)).reader()


def test_a_drawing_is_read_as_the_image_code_prepares_it(reader, draw):
    tab = DigitsSession(reader)
    header, arrays = views.decode(tab.read(draw("1")))
    ink = np.frombuffer(draw("1"), np.uint8, offset=4).reshape(280, 280) / np.float32(255)
    x = image_input(ink, (8, 8), "digits")
    np.testing.assert_array_equal(arrays["input"].ravel(), x)
    p = reader.net.predict(x[None])[0]
    np.testing.assert_allclose(header["probabilities"], p, rtol=1e-6)
    assert header["top"][0] == int(np.argmax(p)) == 1  # a vertical stroke is a 1
    assert header["classes"] == [str(k) for k in range(10)]
    assert arrays["hidden0"].shape == (32,)  # the hidden layer's activations
    assert header["sizes"] == [64, 32, 10]


def test_teaching_a_step_moves_towards_the_label_and_undo_takes_it_back(reader, draw):
    tab = DigitsSession(reader)
    tab.read(draw("1"))
    before = tab.net.params.copy()
    header, arrays = views.decode(tab.learn(7, 0.5))
    learned = header["learned"]
    assert learned["label"] == 7 and learned["loss_after"] < learned["loss_before"]
    assert header["undo"] == 1 and len(learned["grad_norms"]) == 2
    assert arrays["gradient"].shape == (8, 8) and arrays["gradient"].max() > 0
    # the step is Network.train_step's: plain SGD on the one drawing
    twin = reader.net.copy()
    twin.train_step(arrays["input"].reshape(1, -1), [7], "sgd", learning_rate=0.5,
                    dropout=False)
    np.testing.assert_allclose(tab.net.params, twin.params, rtol=1e-6, atol=1e-7)
    assert not np.array_equal(reader.net.params, tab.net.params)  # the shared model is kept
    header, _ = views.decode(tab.undo())
    np.testing.assert_array_equal(tab.net.params, before)
    assert header["undo"] == 0
    with pytest.raises(DataError, match="there is no step to undo"):
        tab.undo()


@pytest.mark.parametrize(("data", "message"), [
    (b"\x01", "a drawing starts with its width and height"),
    (struct.pack("<HH", 4, 4) + bytes(16), "a drawing is 8 to 512 pixels a side, one byte "
                                           "each; got 4 x 4 and 16 bytes"),
    (struct.pack("<HH", 20, 20) + bytes(399), "got 20 x 20 and 399 bytes"),
    (struct.pack("<HH", 600, 600), "got 600 x 600"),
    (struct.pack("<HH", 20, 20) + bytes(400), "the drawing: the image is blank"),
])
def test_bad_drawings_say_why(reader, data, message):
    with pytest.raises(DataError) as info:
        DigitsSession(reader).read(data)
    assert message in str(info.value)


def test_teaching_needs_a_drawing_and_a_known_label(reader, draw):
    tab = DigitsSession(reader)
    with pytest.raises(DataError, match="draw a digit first"):
        tab.learn(1, 0.1)
    tab.read(draw("0"))
    with pytest.raises(DataError, match=r"the label must be one of 0..9, got 10"):
        tab.learn(10, 0.1)


def test_a_model_that_does_not_read_pictures_is_refused(tmp_path):
    path = Network([3, 2], output_activation="softmax", loss="cross_entropy").save(
        tmp_path / "small.npz")
    with pytest.raises(DataError, match="takes 3 inputs, not a picture"):
        DigitsModel(str(path)).reader()


def test_a_model_without_a_record_is_read_by_its_input_size(tmp_path, digits_model_file):
    net = load(digits_model_file)
    net.record = {}
    reader = DigitsModel(str(net.save(tmp_path / "bare.npz"))).reader()
    assert (reader.shape, reader.style, reader.classes[3]) == ((8, 8), "digits", "3")


@pytest.mark.slow
def test_the_built_in_model_is_trained_on_the_digits(draw):
    reader = DigitsModel(data="digits").reader()
    assert reader.source.startswith("trained here on digits (") and reader.shape == (8, 8)
    accuracy = float(reader.source.split("(")[1].split("%")[0])
    assert accuracy > 90
    header, _ = views.decode(DigitsSession(reader).read(draw("0")))
    assert header["top"][0] == 0
