"""Every kind of image file a visitor uploads: decoded right, or refused with a clear message."""

import time

import numpy as np
import pytest
from PIL import Image, ImageCms
from support.files import encode, png_declaring

from colorization.errors import InputError
from colorization.images import load_image, save_image


def test_16bit_png_is_scaled_not_clipped():
    ramp = np.linspace(0, 65535, 64 * 8).astype(np.uint16).reshape(8, 64)
    loaded = load_image(encode(Image.fromarray(ramp), "PNG")).pixels
    assert loaded.dtype == np.uint8 and loaded.shape == (8, 64)
    np.testing.assert_array_equal(loaded, np.rint(ramp / 257.0).astype(np.uint8))
    assert loaded.min() == 0 and loaded.max() == 255 and len(np.unique(loaded)) > 200


def test_exif_rotation_is_applied():
    pixels = np.zeros((20, 40), np.uint8)
    pixels[:, :20] = 255  # left half bright
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 degrees clockwise
    loaded = load_image(encode(Image.fromarray(pixels), "JPEG", exif=exif.tobytes(), quality=95))
    assert loaded.pixels.shape == (40, 20)
    assert loaded.pixels[:15].mean() > 200 and loaded.pixels[25:].mean() < 50  # left became top
    reread = Image.Exif()
    reread.load(loaded.exif)
    assert reread.get(0x0112) == 1


def test_cmyk_jpeg_becomes_rgb():
    loaded = load_image(encode(Image.new("CMYK", (30, 20), (0, 255, 255, 0)), "JPEG")).pixels
    assert loaded.shape == (20, 30, 3)
    r, g, b = loaded[10, 15].astype(int)
    assert r > 200 and g < 60 and b < 60  # CMYK (0, 255, 255, 0) is red


def test_palette_png_with_and_without_transparency():
    rgb = Image.fromarray(np.random.default_rng(0).integers(0, 255, (16, 16, 3), dtype=np.uint8))
    palette = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    assert load_image(encode(palette, "PNG")).pixels.shape == (16, 16, 3)
    palette.info["transparency"] = 0
    assert load_image(encode(palette, "PNG", transparency=0)).pixels.shape == (16, 16, 4)


def test_rgba_png_keeps_alpha():
    rgba = np.zeros((5, 7, 4), np.uint8)
    rgba[..., 3] = np.arange(7, dtype=np.uint8) * 30
    np.testing.assert_array_equal(load_image(encode(Image.fromarray(rgba), "PNG")).pixels, rgba)


def test_gif_single_and_animated_take_the_first_frame():
    first = Image.new("L", (12, 10), 40)
    second = Image.new("L", (12, 10), 220)
    assert load_image(encode(first, "GIF")).pixels.mean() == pytest.approx(40, abs=2)
    animated = encode(first, "GIF", save_all=True, append_images=[second], duration=100, loop=0)
    assert load_image(animated).pixels[..., :3].mean() == pytest.approx(40, abs=2)


@pytest.mark.parametrize("size", [(1, 1), (641, 359), (3, 1000)])
def test_odd_and_tiny_sizes(size):
    assert load_image(encode(Image.new("RGB", size, (9, 99, 199)), "PNG")).pixels.shape == (size[1], size[0], 3)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"<html><body>not an image</body></html>", "not an image"),
        (b"hello, this is text", "not an image"),
    ],
)
def test_non_images_are_refused(data, message):
    with pytest.raises(InputError, match=message):
        load_image(data)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_files_are_refused(fmt):
    noise = np.random.default_rng(3).integers(0, 255, (200, 200, 3), dtype=np.uint8)
    data = encode(Image.fromarray(noise), fmt)
    with pytest.raises(InputError, match="damaged or truncated"):
        load_image(data[: len(data) // 2])


def test_decompression_bomb_refused_from_the_header():
    start = time.perf_counter()
    with pytest.raises(InputError, match="2500 megapixels, too large: the limit is 50 megapixels"):
        load_image(png_declaring(50_000, 50_000))
    with pytest.raises(InputError, match="9000x9000 pixels, too large: the limit is 50 megapixels"):
        load_image(png_declaring(9_000, 9_000))
    assert time.perf_counter() - start < 5  # refused before decoding 2.5 gigapixels, not after


def test_save_keeps_icc_and_exif_with_orientation_reset(tmp_path):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x013B] = "A. Photographer"
    source = encode(Image.new("RGB", (8, 4), (100, 100, 100)), "JPEG", icc_profile=icc, exif=exif.tobytes())
    loaded = load_image(source)
    for suffix in (".png", ".jpg"):
        out = save_image(loaded.pixels, tmp_path / f"out{suffix}", icc_profile=loaded.icc_profile, exif=loaded.exif)
        with Image.open(out) as reread:
            assert reread.info.get("icc_profile") == icc
            assert reread.getexif().get(0x013B) == "A. Photographer"
            assert reread.getexif().get(0x0112) == 1
            assert reread.size == (4, 8)
