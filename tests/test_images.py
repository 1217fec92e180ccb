"""Image files as network inputs: ink either way round, centred like MNIST, and
clear errors for blank, broken or missing files."""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("PIL", reason="steepest.images needs Pillow")
from PIL import Image, ImageDraw, ImageOps

from steepest.errors import ConfigError, DataError
from steepest.images import load_image

SIZE = (150, 200)  # width, height: not square, so padding and scaling both matter
STROKE = [(40, 40), (110, 40), (60, 170)]  # a "7", off centre


def _seven(mode="L", paper=255, ink=0, size=SIZE, offset=(0, 0)) -> Image.Image:
    image = Image.new(mode, size, paper)
    points = [(x + offset[0], y + offset[1]) for x, y in STROKE]
    ImageDraw.Draw(image).line(points, fill=ink, width=14)
    return image


def _save(image: Image.Image, tmp_path, name: str, **kwargs):
    path = tmp_path / name
    image.save(path, **kwargs)
    return path


def _centre_of_mass(field: np.ndarray) -> tuple[float, float]:
    rows, cols = np.indices(field.shape)
    total = field.sum()
    return float((rows * field).sum() / total), float((cols * field).sum() / total)


@pytest.fixture
def black_on_white(tmp_path):
    return _save(_seven(), tmp_path, "black-on-white.png")


def test_mnist_style_shape_range_and_centring(black_on_white):
    out = load_image(black_on_white, (28, 28), "mnist")
    assert out.shape == (784,)
    assert out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    assert out.max() > 0.9  # the stroke's core is full ink
    field = out.reshape(28, 28)
    centre = (28 - 1) / 2
    row, col = _centre_of_mass(field)
    assert abs(row - centre) <= 1.0 and abs(col - centre) <= 1.0, (row, col)
    ink = np.argwhere(field > 0)
    height, width = ink.max(axis=0) - ink.min(axis=0) + 1
    assert height <= 20 and width <= 20
    assert max(height, width) >= 19  # scaled up to fill the 20x20 box
    assert height > width  # the aspect ratio is kept (the 7 is taller than wide)
    # background is exactly 0: nothing but the digit's box holds ink
    assert (field > 0).sum() < 0.5 * height * width + 1
    assert (field[:, :3] == 0).all() and (field[:, -3:] == 0).all()  # narrow, so side margins


def test_ink_either_way_round(tmp_path, black_on_white):
    white_on_black = _save(ImageOps.invert(_seven()), tmp_path, "white-on-black.png")
    for shape, style in [((28, 28), "mnist"), ((8, 8), "digits")]:
        a = load_image(black_on_white, shape, style)
        b = load_image(white_on_black, shape, style)
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_position_in_the_picture_does_not_matter(tmp_path, black_on_white):
    moved = _save(_seven(size=(400, 300), offset=(200, 90)), tmp_path, "moved.png")
    a = load_image(black_on_white, (28, 28), "mnist")
    b = load_image(moved, (28, 28), "mnist")
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_grey_paper_and_grey_ink_are_stretched_to_0_and_1(tmp_path, black_on_white):
    faint = _save(_seven(paper=200, ink=90), tmp_path, "faint.png")
    a = load_image(black_on_white, (28, 28), "mnist")
    b = load_image(faint, (28, 28), "mnist")
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_jpeg_is_nearly_the_png(tmp_path, black_on_white):
    jpeg = _save(_seven().convert("RGB"), tmp_path, "seven.jpg", quality=90)
    a = load_image(black_on_white, (28, 28), "mnist")
    b = load_image(jpeg, (28, 28), "mnist")
    assert b.shape == (784,) and b.min() >= 0 and b.max() <= 1
    assert np.abs(a - b).max() < 0.1
    assert np.abs(a - b).mean() < 0.01
    row, col = _centre_of_mass(b.reshape(28, 28))
    assert abs(row - 13.5) <= 1.0 and abs(col - 13.5) <= 1.0


def test_colour_image(tmp_path, black_on_white):
    colour = _seven(mode="RGB", paper=(250, 245, 230), ink=(20, 30, 160))
    path = _save(colour, tmp_path, "blue-ink.png")
    a = load_image(black_on_white, (28, 28), "mnist")
    b = load_image(path, (28, 28), "mnist")
    np.testing.assert_allclose(a, b, atol=0.02)


@pytest.mark.parametrize("transparent", [(0, 0, 0, 0), (255, 255, 255, 0)],
                         ids=["transparent-black", "transparent-white"])
def test_rgba_with_a_transparent_background(tmp_path, black_on_white, transparent):
    rgba = _seven(mode="RGBA", paper=transparent, ink=(0, 0, 0, 255))
    path = _save(rgba, tmp_path, "rgba.png")
    a = load_image(black_on_white, (28, 28), "mnist")
    b = load_image(path, (28, 28), "mnist")
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_palette_and_greyscale_alpha_images(tmp_path, black_on_white):
    a = load_image(black_on_white, (28, 28), "mnist")
    palette = _save(_seven().convert("P"), tmp_path, "palette.gif")
    la = _save(_seven(mode="LA", paper=(255, 0), ink=(0, 255)), tmp_path, "la.png")
    for path in (palette, la):
        np.testing.assert_allclose(load_image(path, (28, 28), "mnist"), a, atol=1e-5)


def test_sixteen_bit_greyscale(tmp_path, black_on_white):
    deep = (np.asarray(_seven(), np.uint16) * 257).astype(np.uint16)
    path = _save(Image.fromarray(deep), tmp_path, "deep.png")
    np.testing.assert_allclose(load_image(path, (28, 28), "mnist"),
                               load_image(black_on_white, (28, 28), "mnist"), atol=1e-5)


def test_exif_orientation_is_applied(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    tagged = _save(_seven(), tmp_path, "tagged.png", exif=exif)
    upright = _save(_seven().transpose(Image.Transpose.ROTATE_270), tmp_path, "upright.png")
    np.testing.assert_allclose(load_image(tagged, (28, 28), "mnist"),
                               load_image(upright, (28, 28), "mnist"), atol=1e-5)


def test_digits_style(black_on_white):
    out = load_image(black_on_white, (8, 8), "digits")
    assert out.shape == (64,)
    assert out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() == pytest.approx(1.0)
    field = out.reshape(8, 8)
    assert field[0].sum() > field[-1].sum()  # the 7's bar is at the top


def test_fit_style_keeps_the_whole_frame(black_on_white):
    out = load_image(black_on_white, (28, 28), "fit")
    assert out.shape == (784,)
    # The whole picture, ink up, padded to a square and shrunk: nothing cropped to
    # the ink, nothing moved. Pillow does the same here in 8 bits.
    with Image.open(black_on_white) as image:
        square = ImageOps.pad(ImageOps.invert(image.convert("L")), (200, 200), color=0)
    expected = np.asarray(square.resize((28, 28), Image.Resampling.BOX), np.float32) / 255
    np.testing.assert_allclose(out.reshape(28, 28), expected, atol=1 / 255)


def test_other_shapes(black_on_white):
    assert load_image(black_on_white, (14, 14), "mnist").shape == (196,)
    assert load_image(black_on_white, (16, 12), "digits").shape == (192,)


# ---------------------------------------------------------------------- errors


@pytest.mark.parametrize("style", ["mnist", "digits"])
@pytest.mark.parametrize("shade", [255, 0, 128])
def test_blank_image(tmp_path, style, shade):
    path = _save(Image.new("L", (50, 50), shade), tmp_path, "blank.png")
    with pytest.raises(DataError) as info:
        load_image(path, (28, 28), style)
    assert str(path) in str(info.value)
    assert "blank" in str(info.value)


def test_blank_jpeg(tmp_path):
    path = _save(Image.new("RGB", (64, 64), "white"), tmp_path, "blank.jpg")
    with pytest.raises(DataError, match="blank"):
        load_image(path, (28, 28), "mnist")


@pytest.mark.parametrize(
    "content",
    [b"", b"not an image at all\n", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20],
    ids=["empty", "text", "truncated-png"],
)
def test_not_an_image(tmp_path, content):
    path = tmp_path / "fake.png"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        load_image(path, (28, 28), "mnist")
    assert str(path) in str(info.value)


def test_png_cut_short(tmp_path):
    whole = _save(_seven(), tmp_path, "whole.png").read_bytes()
    path = tmp_path / "cut.png"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError):
        load_image(path, (28, 28), "mnist")


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.png"
    with pytest.raises(DataError) as info:
        load_image(path, (28, 28), "mnist")
    assert str(path) in str(info.value)


@pytest.mark.parametrize("kind", ["folder", "fifo", "link loop"])
def test_a_path_that_is_not_a_file(tmp_path, not_a_file, kind):
    path = tmp_path / "digit.png"
    found = not_a_file(path, kind)
    with pytest.raises(DataError) as info:
        load_image(path, (28, 28), "mnist")
    assert str(info.value) == f"{path}: {found}, not an image file"


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_float_image_with_nan_or_infinity(tmp_path, bad):
    pixels = np.asarray(_seven(), dtype=np.float32)
    pixels[:2, :3] = bad
    path = _save(Image.fromarray(pixels, mode="F"), tmp_path, "float.tif")
    # not "blank", and no RuntimeWarning (an error here) from stretching inf
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}: expected finite pixel "
                       r"values, found NaN or infinity in 6 pixel\(s\)$"):
        load_image(path, (28, 28), "mnist")


def test_float_image(tmp_path, black_on_white):
    pixels = np.asarray(_seven(), dtype=np.float32) * 1e30  # a float TIFF has no fixed range
    path = _save(Image.fromarray(pixels, mode="F"), tmp_path, "float.tif")
    np.testing.assert_allclose(load_image(path, (28, 28), "mnist"),
                               load_image(black_on_white, (28, 28), "mnist"), atol=1e-5)


def test_unknown_style(black_on_white):
    with pytest.raises(ConfigError, match="style"):
        load_image(black_on_white, (28, 28), "sketch")


@pytest.mark.parametrize("style", ["mnist", "digits", "fit"])
def test_a_picture_in_memory_is_prepared_as_its_file_is(black_on_white, style):
    # A drawing (the playground's canvas) never touches a file: the same steps apply.
    from steepest.images import image_input

    grey = np.asarray(Image.open(black_on_white).convert("L"), dtype=np.float32) / 255
    shape = (8, 8) if style == "digits" else (28, 28)
    np.testing.assert_array_equal(image_input(grey, shape, style),
                                  load_image(black_on_white, shape, style))
    # white ink on black, as a canvas may hold it, reads the same
    np.testing.assert_allclose(image_input(1 - grey, shape, style),
                               load_image(black_on_white, shape, style), atol=1e-6)


@pytest.mark.parametrize("grey, message", [
    (np.zeros((5, 5, 3)), "expected a 2-D greyscale picture, got shape (5, 5, 3)"),
    (np.zeros((0, 5)), "expected a 2-D greyscale picture, got shape (0, 5)"),
    (np.zeros((30, 30)), "the drawing: the image is blank (no ink found)"),
])
def test_a_picture_in_memory_that_cannot_be_read_says_why(grey, message):
    from steepest.images import image_input

    with pytest.raises(DataError) as info:
        image_input(grey, (28, 28), "mnist", where="the drawing")
    assert message in str(info.value)
