"""Image augmentation: the geometry of each distortion, exactly, and its use in fit."""

from __future__ import annotations

import numpy as np
import pytest

import steepest
from steepest.augment import ImageAugmenter, _blur_matrix
from steepest.datasets import load_digits
from steepest.errors import ConfigError, DataError, ShapeError


class FixedDraws:
    """A stand-in random generator whose ``uniform`` returns chosen values, in the
    order ImageAugmenter draws them: angle (degrees), zoom, shift (rows, cols)."""

    def __init__(self, angle: float = 0.0, zoom: float = 1.0, shift=(0.0, 0.0)) -> None:
        self.values = [angle, zoom, shift]

    def uniform(self, low, high, size):
        value = self.values.pop(0)
        if isinstance(size, tuple) and len(size) == 2 and size[0] == 2:
            return np.stack([np.full(size[1], value[0]), np.full(size[1], value[1])])
        return np.full(size, float(value))


def image_batch(m: int = 3, h: int = 6, w: int = 6) -> np.ndarray:
    return np.random.default_rng(0).random((m, h * w)).astype(np.float32)


def test_no_distortion_returns_the_images_unchanged_in_a_new_array():
    X = image_batch()
    out = ImageAugmenter((6, 6), shift=0, rotation=0, scale=0)(X, np.random.default_rng(1))
    assert out is not X and out.dtype == np.float32 and out.shape == X.shape
    np.testing.assert_array_equal(out, X)


def test_a_whole_pixel_shift_moves_the_content_and_fills_the_edge():
    X = image_batch()
    augmenter = ImageAugmenter((6, 6), shift=3, rotation=0, scale=0, fill=-1.0)
    out = augmenter(X, FixedDraws(shift=(1.0, -2.0))).reshape(3, 6, 6)
    images = X.reshape(3, 6, 6)
    # Content moves one row down and two columns left.
    np.testing.assert_allclose(out[:, 1:, :4], images[:, :5, 2:], atol=1e-6)
    assert (out[:, 0, :] == -1).all() and (out[:, :, 4:] == -1).all()


def test_a_quarter_turn_is_numpy_rot90_clockwise():
    X = image_batch(h=5, w=5)
    augmenter = ImageAugmenter((5, 5), shift=0, rotation=90, scale=0)
    out = augmenter(X, FixedDraws(angle=90.0)).reshape(3, 5, 5)
    np.testing.assert_allclose(out, np.rot90(X.reshape(3, 5, 5), k=-1, axes=(1, 2)), atol=1e-5)


def test_bilinear_interpolation_is_exact_on_a_ramp_under_any_distortion():
    h = w = 28
    ramp = (np.arange(h)[:, None] * 0.5 + np.arange(w)[None, :] * 0.25).astype(np.float32)
    X = np.repeat(ramp.reshape(1, -1), 8, axis=0)
    augmenter = ImageAugmenter((h, w), shift=2, rotation=15, scale=0.2,
                               elastic_alpha=20, elastic_sigma=3)
    out = augmenter(X, np.random.default_rng(3)).reshape(8, h, w)
    rows, cols = augmenter.source_coordinates(8, np.random.default_rng(3))
    inside = (rows >= 0) & (rows <= h - 1) & (cols >= 0) & (cols <= w - 1)
    assert inside.mean() > 0.8
    np.testing.assert_allclose(out[inside], (rows * 0.5 + cols * 0.25)[inside], atol=1e-3)


def test_mirror_flips_about_half_the_images_left_to_right():
    X = np.random.default_rng(0).random((400, 20)).astype(np.float32)
    augmenter = ImageAugmenter((4, 5), shift=0, rotation=0, scale=0, mirror=True)
    out = augmenter(X, np.random.default_rng(1)).reshape(400, 4, 5)
    images = X.reshape(400, 4, 5)
    same = np.isclose(out, images, atol=1e-6).all(axis=(1, 2))
    flipped = np.isclose(out, images[:, :, ::-1], atol=1e-6).all(axis=(1, 2))
    assert (same ^ flipped).all()
    assert 150 < flipped.sum() < 250


def test_rotation_and_zoom_keep_distances_from_the_centre_in_proportion():
    augmenter = ImageAugmenter((9, 9), shift=0, rotation=30, scale=0.5)
    rows, cols = augmenter.source_coordinates(1, FixedDraws(angle=23.0, zoom=1.25))
    r, c = np.mgrid[0:9, 0:9] - 4.0
    np.testing.assert_allclose(np.hypot(rows[0] - 4, cols[0] - 4), np.hypot(r, c) / 1.25,
                               atol=1e-5)


def test_elastic_fields_are_smooth_and_scaled_by_alpha():
    rng = np.random.default_rng(0)
    weak = ImageAugmenter((28, 28), elastic_alpha=1, elastic_sigma=4)._displacements(64, rng)
    rng = np.random.default_rng(0)
    strong = ImageAugmenter((28, 28), elastic_alpha=30, elastic_sigma=4)._displacements(64, rng)
    assert weak.shape == (64, 2, 28, 28)
    np.testing.assert_allclose(strong, 30 * weak, rtol=1e-4, atol=1e-5)
    # Smooth: neighbouring displacements differ far less than the field varies.
    step = np.abs(np.diff(strong, axis=-1)).mean()
    assert step < 0.2 * strong.std()


def test_blur_matrix_rows_are_a_normalised_gaussian():
    B = _blur_matrix(40, 3.0)
    np.testing.assert_allclose(B, B.T, atol=1e-7)
    np.testing.assert_allclose(B[15:25].sum(axis=1), 1.0, atol=1e-5)  # far from the edges
    assert B[20, 20] == B.max() and B[20, 20 + 13] == 0  # cut beyond 4 sigma


def test_same_seed_same_distortions():
    X = image_batch(m=4, h=28, w=28)
    augmenter = ImageAugmenter((28, 28), elastic_alpha=34, elastic_sigma=4)
    a = augmenter(X, np.random.default_rng(7))
    b = augmenter(X, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, augmenter(X, np.random.default_rng(8)))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"shape": (28,)}, "shape must be (height, width)"),
    ({"shape": (28, 28), "shift": -1}, "shift must be a number >= 0"),
    ({"shape": (28, 28), "scale": 1.0}, "scale must be below 1"),
    ({"shape": (28, 28), "elastic_sigma": 0}, "elastic_sigma must be a positive number"),
    ({"shape": (28, 28), "rotation": float("nan")}, "rotation must be a number >= 0"),
])
def test_bad_settings_are_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ImageAugmenter(**kwargs)


def test_rows_of_the_wrong_size_are_a_shape_error():
    with pytest.raises(ShapeError, match=r"expects rows of 784 pixels, got an array of shape "
                                         r"\(2, 64\)"):
        ImageAugmenter((28, 28))(np.zeros((2, 64), np.float32), np.random.default_rng(0))


# ---------------------------------------------------------------- in fit


def digits_subset():
    (X, y), _ = load_digits()
    return X[:300], y[:300]


@pytest.mark.parametrize("batch_size", [32, None])
def test_fit_with_augmentation_learns_repeatably_and_leaves_the_data_alone(batch_size):
    X, y = digits_subset()
    before = X.copy()
    augmenter = ImageAugmenter((8, 8), shift=0.5, rotation=10, scale=0.1)

    def train():
        net = steepest.Network([64, 32, 10], activation="relu", loss="cross_entropy", seed=0)
        history = net.fit(X, y, epochs=15, batch_size=batch_size, optimizer="adam",
                          learning_rate=1e-2, augment=augmenter)
        return net, history

    net, history = train()
    again, _ = train()
    np.testing.assert_array_equal(net.params, again.params)
    np.testing.assert_array_equal(X, before)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    plain = steepest.Network([64, 32, 10], activation="relu", loss="cross_entropy", seed=0)
    plain.fit(X, y, epochs=15, batch_size=batch_size, optimizer="adam", learning_rate=1e-2)
    assert not np.array_equal(plain.params, net.params)


def test_fit_passes_each_batch_and_the_network_rng_to_augment():
    X, y = digits_subset()
    net = steepest.Network([64, 10], activation="relu", loss="cross_entropy", seed=0)
    seen = []

    def record(Xb, rng):
        seen.append((Xb.shape, rng))
        return Xb * 1.0

    net.fit(X, y, epochs=1, batch_size=128, augment=record, validation_split=0.2)
    assert [shape for shape, _ in seen] == [(128, 64), (112, 64)]
    assert all(rng is net.rng for _, rng in seen)


def test_augment_must_be_callable_and_keep_the_shape():
    X, y = digits_subset()
    net = steepest.Network([64, 10], loss="cross_entropy", seed=0)
    with pytest.raises(ConfigError, match="augment must be a function"):
        net.fit(X, y, augment="elastic")
    with pytest.raises(ShapeError, match=r"augment must return a batch of shape \(32, 64\), "
                                         r"got \(32, 63\)"):
        net.fit(X, y, batch_size=32, augment=lambda Xb, rng: Xb[:, :63])


# ---------------------------------------------------------------------- edge cases
# (from the review of issue 6)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int64])
def test_integer_images_are_interpolated_and_rounded_in_their_dtype(dtype):
    augmenter = ImageAugmenter((8, 8), shift=0.5, rotation=10, scale=0.1)
    X = np.random.default_rng(0).integers(0, 17, (4, 64)).astype(dtype)
    out = augmenter(X, np.random.default_rng(1))
    expected = augmenter(X.astype(np.float64), np.random.default_rng(1))
    assert out.dtype == dtype and out.shape == X.shape
    np.testing.assert_array_equal(out, np.rint(expected))  # the nearest whole value
    assert not np.array_equal(out, X)


def test_integer_images_stay_in_their_dtype_range():
    # A fill outside uint8's range is clipped to it, not wrapped around.
    augmenter = ImageAugmenter((6, 6), shift=3, rotation=0, scale=0, fill=300)
    X = np.full((5, 36), 7, dtype=np.uint8)
    out = augmenter(X, np.random.default_rng(0))
    assert out.dtype == np.uint8 and set(np.unique(out)) <= set(range(7, 256))
    assert (out == 255).any()
    flags = augmenter(X > 0, np.random.default_rng(0))
    assert flags.dtype == bool and flags.all()


def test_non_numeric_images_are_refused():
    with pytest.raises(DataError, match=r"numeric pixels .* got dtype <U1"):
        ImageAugmenter((2, 2))(np.full((1, 4), "a"), np.random.default_rng(0))


def test_augmenter_edge_cases():
    rng = np.random.default_rng(0)
    augmenter = ImageAugmenter((8, 8), elastic_alpha=3, elastic_sigma=1)
    X = rng.random((5, 64)).astype(np.float32)
    assert augmenter(X[:1], rng).shape == (1, 64)
    assert augmenter(X.astype(np.float64), rng).dtype == np.float64
    # Non-square: no distortion is the identity, mirroring flips columns.
    image = np.arange(15, dtype=np.float32).reshape(1, 15)
    np.testing.assert_array_equal(ImageAugmenter((3, 5), shift=0, rotation=0, scale=0)(
        image, rng), image)
    mirror = ImageAugmenter((3, 5), shift=0, rotation=0, scale=0, mirror=True)
    flipped = []
    for seed in range(6):
        out = mirror(image, np.random.default_rng(seed)).reshape(3, 5)
        flipped.append(np.array_equal(out, image.reshape(3, 5)[:, ::-1]))
        assert flipped[-1] or np.array_equal(out, image.reshape(3, 5))
    assert any(flipped) and not all(flipped)
    assert ImageAugmenter((4, 7), rotation=20, elastic_alpha=2, mirror=True)(
        rng.random((3, 28)), rng).shape == (3, 28)
    # Full-batch and one-row batches in fit.
    for batch_size in (None, 1):
        net = steepest.Network([64, 8, 10], activation="relu", loss="cross_entropy", seed=0)
        history = net.fit(X, np.arange(5), epochs=2, batch_size=batch_size, optimizer="adam",
                          augment=augmenter)
        assert len(history) == 2 and np.isfinite(history["loss"]).all()
