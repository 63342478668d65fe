"""The drawing pad (mnistnn.widgets): its Python side, its JavaScript in a real browser, and prepare_digit."""

from __future__ import annotations

import functools
import http.server
import logging
import re
import shutil
import threading

import numpy as np
import pytest
import traitlets
from browser import CHROMIUM, CHROMIUM_ARGS

from mnistnn.widgets import JS_PATH, DigitPad, prepare_digit, resize

# for every test that drives a real browser; Playwright's own browser download is not needed
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH (apt install chromium)")


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the brightness-weighted mean position of a 28 x 28 image."""
    image = image.reshape(28, 28)
    return tuple(float(image.sum(axis=axis) @ np.arange(28) / image.sum()) for axis in (1, 0))


def bounding_box(image: np.ndarray) -> tuple[int, int]:
    """(height, width) of the rows and columns that hold any ink."""
    rows, cols = np.flatnonzero(image.reshape(28, 28).any(axis=1)), np.flatnonzero(image.reshape(28, 28).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


# --- The Python side, through the messages a front end sends


def frontend_update(pad: DigitPad, state: dict) -> None:
    """Deliver what the browser sends after a stroke: a comm message with method "update"."""
    msg = {"content": {"comm_id": pad.comm.comm_id, "data": {"method": "update", "state": state}}, "buffers": []}
    pad.comm.handle_msg(msg)


def test_frontend_update_reaches_to_array():
    pad = DigitPad()
    pixels = (np.arange(784) * 7 % 256).tolist()
    frontend_update(pad, {"pixels": pixels})
    assert pad.pixels == pixels
    x = pad.to_array()
    assert x.shape == (1, 784) and x.dtype == np.float32
    np.testing.assert_allclose(x[0], np.array(pixels) / 255, rtol=1e-6)
    assert x.min() == 0 and x.max() == 1


def test_frontend_update_with_bad_pixels_is_refused_and_logged(caplog):
    pad = DigitPad()
    with caplog.at_level(logging.WARNING):
        frontend_update(pad, {"pixels": [0] * 783})
        frontend_update(pad, {"pixels": [300] + [0] * 783})
    assert pad.pixels == [0] * 784  # rolled back: the bad values never reach Python code
    refusals = [r.getMessage() for r in caplog.records if "expected a list of 784 whole numbers" in r.getMessage()]
    assert len(refusals) == 2 and "found shape (783,)" in refusals[0] and "found 300 at index 0" in refusals[1]


def test_python_side_sends_pixels_to_the_frontend():
    pad = DigitPad()
    sent = []
    pad.comm.send = lambda data=None, metadata=None, buffers=None: sent.append(data)
    pad.pixels = [5] * 784
    assert sent[-1]["method"] == "update" and sent[-1]["state"]["pixels"] == [5] * 784


@pytest.mark.parametrize(
    ("pixels", "found"),
    [
        ([0] * 100, "found shape (100,)"),
        ([[0] * 28] * 28, "found shape (28, 28)"),
        ([0] * 783 + [256], "found 256 at index 783 (row 27, column 27)"),
        ([0] * 10 + [-1] + [0] * 773, "found -1 at index 10 (row 0, column 10)"),
        ([0.5] * 784, "found 0.5 at index 0"),
        (["white"] * 784, "values that are not all numbers"),
    ],
)
def test_bad_pixels_are_refused(pixels, found):
    pad = DigitPad()
    with pytest.raises(traitlets.TraitError, match="pixels: expected a list of 784 whole numbers") as error:
        pad.pixels = pixels
    assert found in str(error.value) and "pad.set_array" in str(error.value)
    assert pad.pixels == [0] * 784


def test_numpy_pixels_become_plain_ints_and_set_array_round_trips():
    pad = DigitPad()
    pad.pixels = list(np.full(784, 200, dtype=np.uint8))
    assert all(type(v) is int for v in pad.pixels)  # JSON-friendly for the browser
    image = np.linspace(0, 1, 784).reshape(28, 28)
    pad.set_array(image)
    np.testing.assert_allclose(pad.to_array(), image.reshape(1, 784), atol=0.5 / 255 + 1e-7)
    with pytest.raises(ValueError, match="Use image / 255"):
        pad.set_array(np.full(784, 255.0))


# --- prepare_digit: MNIST's size and position


def test_small_square_in_a_corner_is_scaled_to_20_and_centred():
    image = np.zeros((28, 28))
    image[1:5, 2:6] = 1.0  # a 4 x 4 square in the top-left corner
    prepared = prepare_digit(image)
    assert prepared.shape == (1, 784) and prepared.dtype == np.float32
    assert bounding_box(prepared) == (20, 20)
    row, col = centre_of_mass(prepared)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5


def test_uneven_shape_keeps_its_proportions_and_is_centred_by_mass():
    image = np.zeros(784)
    field = image.reshape(28, 28)
    field[20:26, 22:24] = 1.0  # a bar 6 high, 2 wide, in the bottom-right corner ...
    field[25, 21] = 0.5  # ... with a grey foot, so the mass is not in the middle of the box
    prepared = prepare_digit(image)
    assert bounding_box(prepared) == (20, 10)  # the longer side is 20 and the shape keeps its proportions
    row, col = centre_of_mass(prepared)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5
    assert 0 <= prepared.min() and prepared.max() <= 1


@pytest.fixture(scope="module")
def mnist_digits():
    """The first 2,000 MNIST test digits and their preparations."""
    from mnistnn import load_mnist

    X_test = load_mnist()[2][:2000]
    return X_test, np.vstack([prepare_digit(x) for x in X_test])


def test_mnist_digits_are_left_as_they_are(mnist_digits):
    X_test, prepared = mnist_digits
    # MNIST digits are already prepared this way: measured, these 2,000 come out exactly as they went in
    assert np.array_equal(prepared, X_test)
    assert (np.median(X_test, axis=1) == 0).all()  # so the background step never runs on them


def test_dark_ink_on_light_paper_is_prepared_as_its_inverse(mnist_digits):
    X_test, prepared = mnist_digits
    inverted = np.vstack([prepare_digit(1 - x) for x in X_test])
    np.testing.assert_allclose(inverted, prepared, atol=1e-6)


@pytest.mark.parametrize("grey", [0.1, 0.3, 0.6, 0.8])
def test_a_grey_background_is_removed_with_bright_or_dark_ink(mnist_digits, grey):
    X_test, prepared = mnist_digits
    on_grey = grey + (1 - grey) * X_test[:500]  # white ink on a grey background
    np.testing.assert_allclose(np.vstack([prepare_digit(x) for x in on_grey]), prepared[:500], atol=1e-5)
    # dark ink on paper of 1 - grey: also when the paper is darker than mid-grey (0.4, 0.2)
    np.testing.assert_allclose(np.vstack([prepare_digit(1 - x) for x in on_grey]), prepared[:500], atol=1e-5)


def test_an_uneven_background_is_refused_with_the_fix(mnist_digits):
    noise = np.random.default_rng(0).normal(0, 0.02, 784)
    photo = np.clip(0.3 + 0.7 * mnist_digits[0][0] + noise, 0, 1)  # white ink on a noisy grey
    expected = "image: expected a background at one level, 0 as in MNIST, found an uneven background: only 0% of "
    with pytest.raises(ValueError, match=re.escape(expected + "the pixels at its typical level, 0.31.")) as error:
        prepare_digit(photo)
    assert str(error.value).endswith(
        "Set the background to exactly 0 first, e.g. image[image < t] = 0 for a level t between background and ink."
    )
    with pytest.raises(ValueError, match=re.escape("0 first (the ink is dark: invert with 1 - image), e.g. image[")):
        prepare_digit(1 - photo)  # dark ink on noisy light paper


def test_prepare_digit_refuses_an_empty_pad_and_bad_shapes():
    with pytest.raises(ValueError, match="found every pixel 0. The pad is empty: draw a digit first"):
        prepare_digit(DigitPad().to_array())
    with pytest.raises(ValueError, match="found every pixel 1. The pad is empty"):
        prepare_digit(np.ones(784))  # blank white paper: no ink either
    with pytest.raises(ValueError, match=r"image: expected one image of shape \(784,\), \(1, 784\) or \(28, 28\)"):
        prepare_digit(np.ones((3, 10)))
    with pytest.raises(ValueError, match=re.escape("found shape (2, 784). Prepare one at a time: np.vstack([prepare")):
        prepare_digit(np.ones((2, 784)))
    with pytest.raises(ValueError, match=re.escape("found shape (5, 28, 28). The pad shows one image: pass X[i].")):
        DigitPad().set_array(np.zeros((5, 28, 28)))
    with pytest.raises(ValueError, match=re.escape("found values from 0 to 255. Raw 0-255 pixels? Use image / 255.")):
        prepare_digit(DigitPad(pixels=[0] * 783 + [255]).pixels)
    with pytest.raises(
        TypeError, match=re.escape("image: expected floating-point pixel values in [0, 1], found dtype")
    ):
        prepare_digit(np.full(784, "a"))


def test_resize_refuses_empty_images_and_sizes():
    with pytest.raises(
        ValueError, match=re.escape("image: expected a 2-D image (h, w) with some pixels, found shape (0, 3)")
    ):
        resize(np.zeros((0, 3)), 2, 2)
    with pytest.raises(
        ValueError, match=re.escape("image: expected a 2-D image (h, w) with some pixels, found shape (9,)")
    ):
        resize(np.zeros(9), 2, 2)
    with pytest.raises(ValueError, match=re.escape("height: expected a whole number of at least 1, found 0.")):
        resize(np.zeros((3, 3)), 0, 2)
    with pytest.raises(TypeError, match=re.escape("width: expected a whole number, found 2.5 (float).")):
        resize(np.zeros((3, 3)), 2, 2.5)


def test_resize_by_area_keeps_the_mean_brightness():
    image = np.random.default_rng(0).random((7, 13))
    for shape in ((20, 20), (3, 5), (7, 13)):
        out = resize(image, *shape)
        assert out.shape == shape
        assert out.mean() == pytest.approx(image.mean())
    np.testing.assert_allclose(resize(image, 7, 13), image)


# --- The JavaScript, in headless Chromium, with a stand-in for the notebook's widget model

TEST_PAGE = """<!doctype html>
<div id="pad"></div>
<script type="module">
  import widget from "./digitpad.js";
  // a stand-in for the widget model that Jupyter gives render(): get, set, on, off, save_changes
  const state = { pixels: new Array(784).fill(0) };
  const handlers = {};
  window.saved = []; // what save_changes would have sent to Python
  window.model = {
    get: (key) => state[key],
    set(key, value) {
      state[key] = value;
      (handlers["change:" + key] || []).forEach((f) => f());
    },
    on: (event, f) => (handlers[event] ||= []).push(f),
    off: (event, f) => (handlers[event] = (handlers[event] || []).filter((g) => g !== f)),
    save_changes: () => window.saved.push([...state.pixels]),
  };
  widget.render({ model: window.model, el: document.getElementById("pad") });
  window.ready = true;
</script>
"""


@pytest.fixture(scope="module")
def pad_url(tmp_path_factory):
    """The test page and digitpad.js, served on 127.0.0.1 (ES modules do not load from file://)."""
    folder = tmp_path_factory.mktemp("digitpad")
    (folder / "index.html").write_text(TEST_PAGE)
    shutil.copy(JS_PATH, folder / "digitpad.js")
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, pad_url):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto(pad_url)
    page.wait_for_function("window.ready === true")
    yield page
    page.close()
    assert not errors, f"JavaScript errors: {errors}"


def draw(page, points: list[tuple[float, float]]) -> None:
    """One stroke with the mouse through `points`, in the pad's own pixels (0-280)."""
    box = page.locator("canvas").bounding_box()
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=10)
    page.mouse.up()


def canvas_grey(page, x: int, y: int) -> int:
    """Brightness (red channel) of the canvas pixel at (x, y)."""
    return page.evaluate(f"document.querySelector('canvas').getContext('2d').getImageData({x}, {y}, 1, 1).data[0]")


@needs_chromium
def test_a_mouse_stroke_sends_784_pixels_lit_under_the_stroke(page, tmp_path):
    draw(page, [(60, 145), (220, 145)])  # a horizontal line through the middle of MNIST row 14
    page.screenshot(path=tmp_path / "digitpad.png")
    saved = page.evaluate("window.saved")
    assert len(saved) == 1  # one stroke, one update
    pixels = np.array(saved[0]).reshape(28, 28)
    assert pixels.shape == (28, 28) and pixels.dtype.kind == "i" and 0 <= pixels.min() and pixels.max() <= 255
    assert (pixels[14, 7:21] >= 250).all()  # rows 14, columns 7-20 are fully under the stroke
    assert (pixels[13, 7:21] > 0).all() and (pixels[15, 7:21] > 0).all()  # the pen is thicker than one row
    assert pixels[:11].sum() == 0 and pixels[18:].sum() == 0 and pixels[:, :4].sum() == 0 and pixels[:, 25:].sum() == 0
    assert page.evaluate("window.model.get('pixels').length") == 784
    assert canvas_grey(page, 140, 145) == 255  # the stroke stays drawn smoothly on the pad


@needs_chromium
def test_pixels_set_from_python_are_shown_and_clear_empties_the_pad(page):
    pixels = [0] * 784
    pixels[3 * 28 + 5] = 255  # row 3, column 5: the block x 50-59, y 30-39
    pixels[20 * 28 + 10] = 128
    page.evaluate(f"window.model.set('pixels', {pixels})")
    assert canvas_grey(page, 55, 35) == 255 and canvas_grey(page, 105, 205) == 128
    assert canvas_grey(page, 140, 140) == 0
    assert page.evaluate("window.saved.length") == 0  # showing pixels does not send them back
    draw(page, [(200, 60), (200, 100)])  # a stroke on top keeps what was shown
    after = np.array(page.evaluate("window.saved.at(-1)")).reshape(28, 28)
    assert after[3, 5] == 255 and after[20, 10] == 128 and after[8, 20] >= 250
    page.get_by_role("button", name="clear").click()
    assert page.evaluate("window.saved.at(-1)") == [0] * 784
    assert canvas_grey(page, 55, 35) == 0 and canvas_grey(page, 200, 80) == 0
