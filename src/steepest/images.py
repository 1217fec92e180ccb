"""Turn an image file into a network input, prepared like the training data.

Any size, colour or greyscale, dark ink on light paper or the other way round:
the image becomes greyscale with ink as 1 and background as 0 (as in MNIST and
the 8x8 digits), is cropped to the ink, and is fitted into the model's input:

- ``style="mnist"``: the ink's box is scaled to fit 20x20 and placed in a 28x28
  field so that its centre of mass is at the centre, the way MNIST was made;
- ``style="digits"``: the ink's box is padded to a square and averaged down to
  8x8, like scikit-learn's digits (32x32 bitmaps summed in 4x4 blocks);
- ``style="fit"``: the whole image is padded to a square and scaled to the
  input size (Fashion-MNIST and other pictures that fill their frame).

Needs Pillow (``pip install 'steepest[images]'``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._files import read_problem
from .errors import ConfigError, DataError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
INK_THRESHOLD = 0.2  # fraction of full ink below which a pixel counts as background
MAX_SIDE = 1024  # larger images are shrunk first: the inputs are 28x28 at most
STRAY_INK = 0.005  # ink mass share trimmed from each side when cropping (specks, dust)


def load_image(path: str | os.PathLike[str], shape: tuple[int, int], style: str) -> np.ndarray:
    """The image at ``path`` as a float32 row of ``shape[0] * shape[1]`` values in [0, 1]."""
    return image_input(_open_grey(Path(path)), shape, style, where=str(path))


def image_input(grey: np.ndarray, shape: tuple[int, int], style: str,
                where: str = "the image") -> np.ndarray:
    """A greyscale picture ``(height, width)`` of values in [0, 1] (a drawing, say)
    as a float32 row of ``shape[0] * shape[1]`` values in [0, 1], prepared as
    :func:`load_image` prepares a file; ``where`` names it in errors."""
    grey = np.asarray(grey, dtype=np.float32)
    if grey.ndim != 2 or min(grey.shape) < 1:
        raise DataError(f"{where}: expected a 2-D greyscale picture, got shape {grey.shape}")
    grey = _ink(grey)
    if style == "fit":
        fitted = _resize(_pad_square(grey), shape)
    elif not (grey > INK_THRESHOLD).any():
        raise DataError(f"{where}: the image is blank (no ink found)")
    elif style == "mnist":
        fitted = _mnist_style(_crop_to_ink(grey), shape)
    elif style == "digits":
        fitted = _resize(_pad_square(_crop_to_ink(grey)), shape)
        fitted /= max(float(fitted.max()), 1e-6)
    else:
        raise ConfigError(f"unknown image style {style!r}; expected mnist, digits or fit")
    return np.clip(fitted, 0, 1).astype(np.float32).ravel()


def _open_grey(path: Path) -> np.ndarray:
    try:
        from PIL import Image, ImageOps, UnidentifiedImageError
    except ImportError:
        raise ConfigError("reading images needs Pillow: pip install 'steepest[images]'") from None
    problem = read_problem(path, "image file")
    if problem is not None:
        raise DataError(f"{path}: {problem}")
    try:
        with Image.open(path) as image:
            image.draft("L", (MAX_SIDE, MAX_SIDE))  # JPEGs decode at a reduced size
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
                return _stretched(np.asarray(image, dtype=np.float64), path)
            if image.mode in ("RGBA", "LA", "PA", "P"):
                image = _flatten_transparency(image.convert("RGBA"))
            return np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    except DataError:  # ours, naming the file already: not a Pillow failure
        raise
    except Image.DecompressionBombError as exc:
        raise DataError(f"{path}: image too large to read safely ({exc})") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"{path}: not a readable image ({exc})") from None


def _stretched(deep: np.ndarray, path: Path) -> np.ndarray:
    """A 16-bit, 32-bit or float image's pixels (no fixed range) stretched to [0, 1]."""
    finite = np.isfinite(deep)
    if not finite.all():  # a float TIFF can hold them; they would make the image blank
        raise DataError(f"{path}: expected finite pixel values, found NaN or infinity in "
                        f"{int(finite.size - finite.sum())} pixel(s)")
    low, high = float(deep.min()), float(deep.max())
    return ((deep - low) / (high - low if high > low else 1.0)).astype(np.float32)


def _flatten_transparency(image):
    """Put a transparent image on paper that contrasts with its opaque pixels,
    so white ink on a transparent background stays visible."""
    from PIL import Image

    rgba = np.asarray(image, dtype=np.float32)
    opaque = rgba[..., 3] > 127
    ink = rgba[..., :3][opaque].mean() / 255.0 if opaque.any() else 0.0
    paper = Image.new("RGBA", image.size, "black" if ink > 0.5 else "white")
    return Image.alpha_composite(paper, image)


def _ink(grey: np.ndarray) -> np.ndarray:
    """Ink as 1, background as 0, whichever way round the picture was drawn."""
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    ink = 1.0 - grey if np.median(border) > 0.5 else grey.copy()
    low, high = float(ink.min()), float(ink.max())
    return (ink - low) / (high - low) if high > low else np.zeros_like(ink)


def _crop_to_ink(ink: np.ndarray) -> np.ndarray:
    """The box holding all but the outermost ``STRAY_INK`` of the ink on each
    side, so a speck of dust in a corner does not stretch it."""
    mass = np.where(ink > INK_THRESHOLD, ink, 0.0)

    def span(profile: np.ndarray) -> tuple[int, int]:
        cumulative = np.cumsum(profile) / profile.sum()
        first = int(np.searchsorted(cumulative, STRAY_INK, side="right"))
        last = int(np.searchsorted(cumulative, 1 - STRAY_INK, side="left"))
        return first, max(first, last) + 1

    top, bottom = span(mass.sum(axis=1))
    left, right = span(mass.sum(axis=0))
    return ink[top:bottom, left:right]


def _pad_square(a: np.ndarray) -> np.ndarray:
    side = max(a.shape)
    out = np.zeros((side, side), dtype=a.dtype)
    # an odd margin puts the extra pixel before the image, as in scikit-learn's digits
    top, left = (side - a.shape[0] + 1) // 2, (side - a.shape[1] + 1) // 2
    out[top : top + a.shape[0], left : left + a.shape[1]] = a
    return out


def _resize(a: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(a, dtype=np.float32))  # mode "F"
    return np.array(image.resize((shape[1], shape[0]), Image.Resampling.BOX), np.float32)


def _mnist_style(ink: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    box = round(min(shape) * 20 / 28)
    scale = box / max(ink.shape)
    size = (max(1, round(ink.shape[0] * scale)), max(1, round(ink.shape[1] * scale)))
    digit = _resize(ink, size)
    field = np.zeros(shape, dtype=np.float32)
    total = float(digit.sum())
    rows, cols = np.indices(digit.shape)
    centre_r = float((rows * digit).sum() / total) if total else digit.shape[0] / 2
    centre_c = float((cols * digit).sum() / total) if total else digit.shape[1] / 2
    top = int(np.clip(round(shape[0] / 2 - centre_r), 0, shape[0] - digit.shape[0]))
    left = int(np.clip(round(shape[1] / 2 - centre_c), 0, shape[1] - digit.shape[1]))
    field[top : top + digit.shape[0], left : left + digit.shape[1]] = digit
    return field
