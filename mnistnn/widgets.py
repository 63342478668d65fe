"""Draw a digit and let the network read it: a drawing pad, and MNIST's own preparation.

`DigitPad` is a notebook widget: a black square on which you draw in white with
the mouse, a pen or a finger, and a "clear" button. The drawing happens entirely
in the browser (in `digitpad.js`), so the pad keeps working while a cell runs.
After each stroke the browser shrinks the drawing to 28 x 28 pixels, as MNIST's
digits are, and sends those 784 numbers to Python, where they appear in
`pad.pixels`; `pad.to_array()` gives them as the network wants them. Watch them
with `pad.observe(callback, names="pixels")` to predict after every stroke.

A digit drawn on the pad is not yet an MNIST digit: it may be small, or in a
corner, while every MNIST digit was scaled and centred the same way. A network
has only ever seen digits prepared like that, so `prepare_digit` prepares a
drawing in the same way before the network reads it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

from .checks import check_images, check_int, fail

SIDE = 28  # MNIST's images are SIDE x SIDE pixels
BOX = 20  # MNIST scaled every digit to fit in a BOX x BOX square ...
CENTRE = 14  # ... and moved it so that its centre of mass is on pixel (CENTRE, CENTRE)
JS_PATH = Path(__file__).with_name("digitpad.js")  # the pad's browser side


class DigitPad(anywidget.AnyWidget):
    """A 280 x 280 drawing pad whose drawing, shrunk to 28 x 28, is `pixels`.

    pixels: a list of 784 whole numbers from 0 (black background) to 255 (white
    ink), row by row, like MNIST's raw pixels. The browser updates it after each
    stroke; setting it from Python (`pad.pixels = [...]`, or `pad.set_array(x)`)
    shows those pixels on the pad, scaled up.

        pad = DigitPad()
        pad                       # the last line of a cell shows the pad; draw on it
        x = pad.to_array()        # (1, 784) float32 in [0, 1]
        pad.observe(lambda change: print(sum(change["new"])), names="pixels")  # runs after every stroke
    """

    _esm = JS_PATH
    pixels = traitlets.List(default_value=[0] * SIDE * SIDE).tag(sync=True)

    @traitlets.validate("pixels")
    def _check_pixels(self, proposal: dict) -> list[int]:
        """Every new value of `pixels`, from Python or from the browser, must be 784 numbers 0-255."""
        expected, fix = "a list of 784 whole numbers from 0 to 255", "Use pad.set_array(x) for an image x in [0, 1]."
        try:
            values = np.asarray(proposal["value"], dtype=np.float64)
        except (TypeError, ValueError):
            fail("pixels", expected, "values that are not all numbers", fix, traitlets.TraitError)
        if values.shape != (SIDE * SIDE,):
            fail("pixels", expected + " (28 x 28, row by row)", f"shape {values.shape}", fix, traitlets.TraitError)
        bad = ~((values >= 0) & (values <= 255) & (values == np.round(values)))  # NaN is bad too
        if bad.any():
            i = int(np.argmax(bad))
            found = f"{proposal['value'][i]!r} at index {i} (row {i // SIDE}, column {i % SIDE})"
            fail("pixels", expected, found, fix, traitlets.TraitError)
        return values.astype(int).tolist()  # plain Python ints, which the browser can be sent as JSON

    def to_array(self) -> np.ndarray:
        """The drawing as the network reads images: (1, 784) float32 in [0, 1], ink high."""
        return np.asarray(self.pixels, dtype=np.float32).reshape(1, SIDE * SIDE) / np.float32(255)

    def set_array(self, image: Any) -> None:
        """Show an image on the pad: (784,), (1, 784) or (28, 28) values in [0, 1], ink high."""
        x = check_images(_as_row(image, "image", "The pad shows one image: pass X[i]."), "image")
        self.pixels = np.round(x * 255).astype(int).ravel().tolist()


def _as_row(image: Any, name: str, batch_fix: str) -> np.ndarray:
    """One image as a (1, 784) array, from (784,), (1, 784) or (28, 28); `batch_fix` for several."""
    image = np.asarray(image)
    if image.shape not in ((SIDE * SIDE,), (1, SIDE * SIDE), (SIDE, SIDE)):
        several = image.size > SIDE * SIDE and image.size % (SIDE * SIDE) == 0
        fix = batch_fix if several else ""
        fail(name, "one image of shape (784,), (1, 784) or (28, 28)", f"shape {image.shape}", fix)
    return image.reshape(1, SIDE * SIDE)


def area_weights(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix that resamples a row of n_in pixels to n_out pixels by area.

    Lay the n_out new pixels over the n_in old ones, so that both rows have the
    same length. New pixel i covers part of some old pixels; its value is their
    average, each weighted by how much of it pixel i covers. Entry (i, j) is
    that weight, so each row sums to 1. Shrinking averages several old pixels
    into one (the grey edges of anti-aliasing); enlarging repeats them.
    """
    n_in, n_out = check_int(n_in, "n_in", low=1), check_int(n_out, "n_out", low=1)
    edges = np.arange(n_out + 1) * (n_in / n_out)  # the new pixels' edges, in old-pixel units
    old = np.arange(n_in)
    overlap = np.minimum(edges[1:, None], old + 1) - np.maximum(edges[:-1, None], old)
    overlap = np.clip(overlap, 0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resample a 2-D image (h, w) to (height, width) by area averaging.

    Rows and columns are resampled separately: R @ image @ C.T, with R
    (height, h) and C (width, w) from `area_weights`.
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2 or 0 in image.shape:
        fail("image", "a 2-D image (h, w) with some pixels", f"shape {image.shape}")
    height, width = check_int(height, "height", low=1), check_int(width, "width", low=1)
    return area_weights(image.shape[0], height) @ image @ area_weights(image.shape[1], width).T


def prepare_digit(image: Any) -> np.ndarray:
    """Prepare a drawn digit as MNIST prepared its digits. Returns (1, 784) float32 in [0, 1].

    image: one digit, (784,), (1, 784) or (28, 28), values in [0, 1].

    MNIST's creators (LeCun, Cortes and Burges) scanned handwritten digits and
    prepared every one the same way, in two steps:

    1. Size. The digit was scaled, keeping its proportions, so that it just fits
       a 20 x 20 box: its longer side becomes 20 pixels. Scaling makes grey
       pixels along the edges of the strokes (anti-aliasing).
    2. Position. The 20 x 20 box was placed in the 28 x 28 field so that the
       digit's centre of mass, the average position of its pixels weighted by
       their brightness, falls on the middle of the field, pixel (14, 14).

    So every training digit is about the same size and in about the same place,
    and the network learned weights for those places: a unit that looks for the
    loop of a 6 in the lower middle of the field does not see a small 6 drawn in
    a corner. Here we do the same to a drawing:

    - cut out the drawing's bounding box (the rows and columns with any ink),
    - resize it by area averaging (`resize`) so that its longer side is 20,
    - place it so that its centre of mass lands on the pixel nearest (14, 14),
      moving it by whole pixels as MNIST did (its digits' centres of mass lie
      within half a pixel of (14, 14)). If that would push ink over the edge of
      the field, it stops at the edge.

    A digit that is already prepared, such as any MNIST digit, comes out the same
    or nearly so.

    Before all that, the ink must be bright on a background of 0, as in MNIST and on
    the pad. In all 70,000 MNIST digits the ink covers 4% to 45% of the field (19% on
    average), so the median pixel of every one of them is 0. An image from elsewhere,
    such as a photo of paper, may not be like that, and a background that is not 0
    would be cut out, scaled and centred as if it were ink. So when the median pixel
    is above 0, it is taken as the background's level:

    - if the background is even (more than half of the pixels at exactly that
      level), it becomes 0: the image is inverted (1 - image) when the ink is
      darker than the background (dark ink on light paper), then the level is
      subtracted and the rest rescaled to [0, 1]. A digit comes out as its
      preparation on black would.
    - if not (a photo's noise, a shadow), the background cannot be told from the
      ink, and the image is refused with the fix.

    An image whose median is 0, such as every MNIST digit and every drawing on the
    pad, skips this step. (A drawing whose ink covered more than half the field
    would be read as dark ink on light paper, but no digit covers that much.)
    """
    fix = "Prepare one at a time: np.vstack([prepare_digit(x) for x in X])."
    image = _as_row(image, "image", fix)
    if image.dtype.kind in "biuf":
        image = image.astype(np.float64)
        if image.min() == image.max():  # checked first: nothing to prepare, whatever the level
            found = f"every pixel {image.flat[0]:g}"
            fail("image", "a drawing with some ink", found, "The pad is empty: draw a digit first.")
    image = check_images(image, "image").reshape(SIDE, SIDE)
    level = float(np.median(image))
    if level > 0:  # a background that is not black, as MNIST's always is
        ink = image[image != level]
        dark = ink.mean() < level  # dark ink on light paper, the reverse of MNIST
        share = 1 - ink.size / image.size
        if share <= 0.5:
            found = f"an uneven background: only {share:.0%} of the pixels at its typical level, {level:.2f}"
            fix = "Set the background to exactly 0 first" + (
                " (the ink is dark: invert with 1 - image)" if dark else ""
            )
            fix += ", e.g. image[image < t] = 0 for a level t between background and ink."
            fail("image", "a background at one level, 0 as in MNIST", found, fix)
        if dark:
            image, level = 1 - image, 1 - level
        image = np.clip((image - level) / (1 - level), 0, 1)
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    digit = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = digit.shape
    scale = BOX / max(h, w)
    digit = resize(digit, max(1, round(h * scale)), max(1, round(w * scale)))
    h, w = digit.shape
    # centre of mass of the resized digit, in its own pixel coordinates (row, column)
    mass = digit.sum()
    com_row = digit.sum(axis=1) @ np.arange(h) / mass
    com_col = digit.sum(axis=0) @ np.arange(w) / mass
    top = int(np.clip(np.round(CENTRE - com_row), 0, SIDE - h))
    left = int(np.clip(np.round(CENTRE - com_col), 0, SIDE - w))
    field = np.zeros((SIDE, SIDE))
    field[top : top + h, left : left + w] = digit
    return np.clip(field, 0, 1).reshape(1, SIDE * SIDE).astype(np.float32)
