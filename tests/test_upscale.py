"""The upscale stage: decoding every image mode, adaptive scale, models, tiling, errors."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from deckgen import superres
from deckgen import upscale as up
from deckgen.errors import ConfigError, DeckgenError, MissingDependencyError, SlideError
from deckgen.training.sr_data import degrade, render_slide
from deckgen.training.sr_eval import psnr

LIMIT = 40_000_000


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **options)
    return buf.getvalue()


def text_image(x_height: int, dark: bool = False) -> np.ndarray:
    """A BGR page of body text whose x-height is about ``x_height`` px."""
    bg, fg = ((20, 20, 60), (240, 240, 240)) if dark else ((255, 255, 255), (0, 0, 0))
    image = Image.new("RGB", (64 * x_height, 24 * x_height), bg)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=int(x_height / 0.53))
    for row in range(8):
        y = x_height + row * 3 * x_height
        draw.text((x_height, y), "the market is growing fast in every region", fill=fg, font=font)
    return np.asarray(image)[..., ::-1].copy()


# --- decoding -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "pixel"),
    [
        ("gray", encode(Image.new("L", (9, 7), 100)), (100, 100, 100)),
        ("bilevel", encode(Image.new("1", (9, 7), 1)), (255, 255, 255)),
        ("palette", encode(Image.new("RGB", (9, 7), (255, 0, 0)).convert("P")), (0, 0, 255)),
        ("rgba", encode(Image.new("RGBA", (9, 7), (255, 0, 0, 0))), (255, 255, 255)),
        ("rgba-half", encode(Image.new("RGBA", (9, 7), (0, 0, 0, 128))), (127, 127, 127)),
        ("gray-alpha", encode(Image.new("LA", (9, 7), (0, 255))), (0, 0, 0)),
        ("cmyk-jpeg", encode(Image.new("CMYK", (16, 16), (0, 0, 0, 0)), "JPEG"), (255, 255, 255)),
        ("gray16", encode(Image.fromarray(np.full((7, 9), 30000, np.uint16))), (117, 117, 117)),
        ("gif", encode(Image.new("RGB", (9, 7), (0, 255, 0)).convert("P"), "GIF"), (0, 255, 0)),
        ("webp", encode(Image.new("RGB", (9, 7), (0, 0, 255)), "WEBP", lossless=True), (255, 0, 0)),
    ],
)
def test_decode_every_mode_to_bgr(name: str, data: bytes, pixel: tuple[int, int, int]) -> None:
    bgr = up.decode_image(data, LIMIT)
    assert bgr.dtype == np.uint8 and bgr.ndim == 3 and bgr.shape[2] == 3, name
    assert np.abs(bgr[3, 3].astype(int) - pixel).max() <= 2, (name, bgr[3, 3])


def test_decode_16bit_colour_png() -> None:
    image = np.zeros((5, 6, 3), np.uint16)
    image[..., 2] = 65535  # red, in OpenCV's BGR order
    ok, png = cv2.imencode(".png", image)
    assert ok
    assert up.decode_image(png.tobytes(), LIMIT)[2, 2].tolist() == [0, 0, 255]


def test_palette_transparency_is_flattened_on_white() -> None:
    image = Image.new("P", (8, 8), 0)
    image.putpalette([0, 0, 0] * 256)
    image.info["transparency"] = 0
    assert up.decode_image(encode(image), LIMIT)[4, 4].tolist() == [255, 255, 255]


def _text_on_transparent(ink: tuple[int, int, int]) -> bytes:
    image = Image.new("RGBA", (400, 240), (0, 0, 0, 0))
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 28)
    ImageDraw.Draw(image).text((10, 100), "Market size is big", fill=(*ink, 255), font=font)
    return encode(image)


@pytest.mark.parametrize(("ink", "background"), [((255, 255, 255), 0), ((20, 20, 20), 255)])
def test_text_on_a_transparent_page_is_flattened_on_a_contrasting_background(
    ink: tuple[int, int, int], background: int
) -> None:
    bgr = up.decode_image(_text_on_transparent(ink), LIMIT)
    assert bgr[2, 2].tolist() == [background] * 3  # the page around the text
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    ink_pixels = np.abs(gray.astype(int) - background) > 128
    assert ink_pixels.sum() > 200  # the text is still there to read
    assert up.estimate_text_height(bgr) is not None


def test_a_mostly_opaque_slide_keeps_its_transparent_corners_white() -> None:
    image = Image.new("RGBA", (90, 60), (250, 250, 250, 255))
    ImageDraw.Draw(image).rectangle((0, 0, 9, 9), fill=(0, 0, 0, 0))
    assert up.decode_image(encode(image), LIMIT)[2, 2].tolist() == [255, 255, 255]


def test_12_bit_data_in_a_16_bit_image_uses_its_own_range() -> None:
    gray = np.full((7, 9), 4095, np.uint16)  # white, as a 12-bit scanner writes it
    gray[3, 3] = 2048
    bgr = up.decode_image(encode(Image.fromarray(gray)), LIMIT)
    assert bgr[0, 0].tolist() == [255, 255, 255]
    assert abs(int(bgr[3, 3, 0]) - 128) <= 1


def test_a_float_tiff_scaled_0_to_1_is_not_black() -> None:
    gray = np.ones((7, 9), np.float32)
    gray[3, 3] = 0.25
    bgr = up.decode_image(encode(Image.fromarray(gray, mode="F"), "TIFF"), LIMIT)
    assert bgr[0, 0].tolist() == [255, 255, 255]
    assert abs(int(bgr[3, 3, 0]) - 64) <= 1


def test_a_multi_page_tiff_says_only_its_first_page_is_used() -> None:
    pages = [Image.new("RGB", (30, 20), colour) for colour in ("red", "green", "blue")]
    buf = io.BytesIO()
    pages[0].save(buf, "TIFF", save_all=True, append_images=pages[1:])
    data = buf.getvalue()
    bgr, notes = up.read_image(data, LIMIT)
    assert bgr[5, 5].tolist() == [0, 0, 255]  # the first page, red
    assert notes == ["3 pages in this TIFF; only the first is used — split it or save it "
                     "as a PDF"]
    _, result = up.upscale(data, up.UpscaleParams(method="none"))
    assert result.notes == notes and result.width == 30
    single = encode(pages[0], "TIFF")
    assert up.read_image(single, LIMIT)[1] == []


def _gif(frames: list[Image.Image]) -> bytes:
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0)
    return buf.getvalue()


def _slide_frame(text: str) -> Image.Image:
    image = Image.new("RGB", (160, 90), "white")
    ImageDraw.Draw(image).text((10, 30), text, fill="black")
    return image


def test_an_animated_gif_that_starts_blank_gives_its_first_frame_that_is_not() -> None:
    blank, nearly = Image.new("RGB", (160, 90), "white"), Image.new("RGB", (160, 90), "#fafafa")
    fade_in = [blank, nearly, _slide_frame("Problem"), _slide_frame("Problem: no time")]
    bgr, notes = up.read_image(_gif(fade_in), LIMIT)
    assert np.array_equal(bgr, np.asarray(fade_in[2])[..., ::-1])  # not the blank frame 1
    assert notes == []  # nothing to fix: not a report line (--strict would fail on it)
    slideshow = [_slide_frame("First"), _slide_frame("Second")]
    bgr, notes = up.read_image(_gif(slideshow), LIMIT)
    assert np.array_equal(bgr, np.asarray(slideshow[0])[..., ::-1]) and notes == []


def test_a_gif_whose_frames_are_all_blank_gives_the_first() -> None:
    frames = [Image.new("RGB", (20, 10), "white"), Image.new("RGB", (20, 10), (250, 250, 250))]
    bgr, _ = up.read_image(_gif(frames), LIMIT)
    assert bgr[5, 5].tolist() == [255, 255, 255]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"this is not an image at all", "not an image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "this is a PDF; rename it .pdf"),
        (
            encode(Image.effect_noise((200, 150), 40).convert("RGB"), "JPEG")[:-300],
            "truncated JPEG",
        ),
        (encode(Image.new("RGB", (300, 200)), "JPEG")[:120], "truncated JPEG"),
        # what to do about it, as `deckgen add` says (QA-69)
        (encode(Image.effect_noise((200, 150), 40).convert("RGB"), "JPEG")[:-300],
         r"\(the file is cut short; download or export it again\)$"),
    ],
)
def test_bad_bytes_raise_slide_error(data: bytes, reason: str) -> None:
    with pytest.raises(SlideError, match=reason):
        up.decode_image(data, LIMIT)


def test_pixel_limit_names_size_and_option() -> None:
    with pytest.raises(
        SlideError, match=r"1200x900 = 1 Mpx, over the 1 Mpx limit \(--max-pixels\)"
    ):
        up.decode_image(encode(Image.new("L", (1200, 900))), 1_000_000)


def test_a_decompression_bomb_names_its_size_as_corpus_add_does() -> None:
    from test_corpus_edit import png_header_only

    with pytest.raises(SlideError, match=r"image is 192 Mpx, over the 40 Mpx limit"):
        up.decode_image(png_header_only(16000, 12000), 40_000_000)  # Pillow's own refusal


# --- adaptive scale -----------------------------------------------------------------


@pytest.mark.parametrize("dark", [False, True])
def test_text_height_estimate_follows_the_text(dark: bool) -> None:
    small = up.estimate_text_height(text_image(5, dark))
    large = up.estimate_text_height(text_image(12, dark))
    assert small is not None and large is not None
    assert 3 <= small <= 8
    assert 9 <= large <= 16


@pytest.mark.parametrize("band", [False, True])
def test_the_holes_in_big_letters_are_not_read_as_small_text(band: bool) -> None:
    # a big PDF page with a few large letters full of holes (B, 8, A): the holes are light
    # letter-sized blobs, and there are more of them than letters
    image = Image.new("RGB", (1920, 1080), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    if band:  # the same letters light on a dark band are still letters
        draw.rectangle((0, 300, 1920, 500), fill=(20, 20, 60))
    font = ImageFont.load_default(size=50)
    draw.text((200, 380), "BOB 888 ABBA", fill=(240, 240, 240) if band else (0, 0, 0), font=font)
    bgr = np.asarray(image)[..., ::-1].copy()
    height = up.estimate_text_height(bgr)
    assert height is not None and 25 <= height <= 45  # the letters' height, not their holes'
    ok, png = cv2.imencode(".png", bgr)
    assert up.upscale(png.tobytes(), up.UpscaleParams())[1].method == "none"


def test_blank_slide_has_no_text_height() -> None:
    assert up.estimate_text_height(np.full((270, 480, 3), 255, np.uint8)) is None


def test_scale_brings_small_text_up_and_leaves_large_text_alone() -> None:
    params = up.UpscaleParams()
    assert up.choose_scale(5.0, params) == 4
    assert up.choose_scale(10.0, params) == 2
    assert up.choose_scale(19.0, params) == 1
    assert up.choose_scale(2.0, up.UpscaleParams(max_scale=3)) == 3


def test_no_text_measured_enlarges_a_small_slide_mildly_and_a_big_page_not_at_all() -> None:
    params = up.UpscaleParams()
    assert up.choose_scale(None, params, width=480) == 2  # a scraped slide
    assert up.choose_scale(None, params, width=960) == 2
    assert up.choose_scale(None, params, width=1920) == 1  # a PDF page rendered large
    assert up.choose_scale(None, up.UpscaleParams(max_scale=1), width=480) == 1
    ok, photo = cv2.imencode(".png", np.full((1080, 1920, 3), 200, np.uint8))
    assert up.upscale(photo.tobytes(), params)[1].method == "none"


def test_auto_skips_slides_with_large_text() -> None:
    ok, data = cv2.imencode(".png", text_image(22))
    png, result = up.upscale(data.tobytes(), up.UpscaleParams())
    assert result.method == "none" and result.scale == 1.0
    assert (result.width, result.height) == (result.source_width, result.source_height)
    assert cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED).shape[2] == 3


def test_auto_enlarges_small_text_with_the_shipped_model() -> None:
    ok, data = cv2.imencode(".png", text_image(5))
    _, result = up.upscale(data.tobytes(), up.UpscaleParams())
    assert result.scale >= 3 and result.method.startswith("model:x")
    assert result.text_height is not None and result.text_height < 8


@pytest.mark.parametrize("method", ["bicubic", "lanczos"])
def test_fixed_methods_give_the_asked_scale(method: str) -> None:
    data = encode(Image.new("RGB", (30, 20), (10, 200, 30)))
    png, result = up.upscale(data, up.UpscaleParams(method=method, max_scale=3))
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (60, 90, 3)
    assert (result.method, result.scale, result.width, result.height) == (method, 3.0, 90, 60)


def test_output_is_a_pure_function_of_input() -> None:
    ok, data = cv2.imencode(".jpg", text_image(6))
    first, a = up.upscale(data.tobytes(), up.UpscaleParams())
    second, b = up.upscale(data.tobytes(), up.UpscaleParams())
    assert first == second and a.method == b.method and a.scale == b.scale


def test_scale_is_capped_by_the_pixel_limit() -> None:
    data = encode(Image.new("RGB", (100, 100)))
    _, result = up.upscale(data, up.UpscaleParams(method="bicubic", max_pixels=50_000))
    assert result.scale == 2.0  # 4x would give 160,000 px


# --- shipped models -----------------------------------------------------------------


def test_x2_and_x4_models_are_shipped_and_small() -> None:
    shipped = up.shipped_scales()
    assert {2, 4} <= set(shipped)
    assert all(path.stat().st_size < 1_000_000 for path in shipped.values())


@pytest.mark.parametrize("scale", sorted(up.shipped_scales()))
def test_shipped_model_upscales_tiny_image_to_the_right_shape(scale: int) -> None:
    model = up.load_method(f"model:x{scale}")
    assert model.scale == scale
    out = model.run(np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8))
    assert out.shape == (5 * scale, 7 * scale, 3) and out.dtype == np.uint8


@pytest.mark.parametrize("scale", sorted(up.shipped_scales()))
def test_shipped_model_beats_bicubic_on_rendered_text(scale: int) -> None:
    rng = np.random.default_rng(1234)
    gains = []
    for _ in range(3):
        hr, _ = render_slide(rng, 480 * scale, 160 * scale)  # a strip of a 480 px slide
        lr = cv2.cvtColor(degrade(hr, scale, rng), cv2.COLOR_RGB2BGR)
        want = cv2.cvtColor(cv2.cvtColor(hr, cv2.COLOR_RGB2BGR), cv2.COLOR_BGR2GRAY)
        model = cv2.cvtColor(up.upscale_array(lr, f"model:x{scale}", scale), cv2.COLOR_BGR2GRAY)
        bicubic = cv2.cvtColor(up.upscale_array(lr, "bicubic", scale), cv2.COLOR_BGR2GRAY)
        gains.append(psnr(model, want) - psnr(bicubic, want))
    assert np.mean(gains) > 0.3, gains


@pytest.mark.parametrize("scale", sorted(up.shipped_scales()))
def test_tiling_matches_whole_image_inference(scale: int) -> None:
    model = up.load_method(f"model:x{scale}")
    bgr = cv2.resize(text_image(4), (150, 110), interpolation=cv2.INTER_AREA)
    whole = model.run(bgr, tile=4096)
    tiled = model.run(bgr, tile=64)
    assert tiled.shape == whole.shape
    assert np.abs(tiled.astype(int) - whole.astype(int)).max() <= 1


# --- model files: errors and OpenCV dnn_superres .pb families -----------------------


def test_missing_model_file_names_the_path(tmp_path) -> None:
    path = tmp_path / "FSRCNN_x2.pb"
    with pytest.raises(MissingDependencyError, match="FSRCNN_x2.pb"):
        up.validate(up.UpscaleParams(method=str(path)))


@pytest.mark.parametrize("name", ["broken.onnx", "ESPCN_x2.pb"])
def test_corrupt_model_file_gives_a_clear_error(tmp_path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\x08\x01garbage, not a model" * 10)
    with pytest.raises(DeckgenError, match=f"cannot load super-resolution model .*{name}"):
        up.load_method(str(path))


def test_unshipped_scale_and_unknown_method_are_reported(tmp_path) -> None:
    with pytest.raises(MissingDependencyError, match="model:x2"):
        up.load_method("model:x9")
    with pytest.raises(ConfigError, match="unknown upscale method"):
        up.validate(up.UpscaleParams(method="sharpen"))
    unnamed = tmp_path / "my_model.pb"
    unnamed.write_bytes(b"")
    with pytest.raises(ConfigError, match="family"):
        up.load_method(str(unnamed))


# A TensorFlow GraphDef written by hand in protobuf wire format (no TensorFlow here):
# Placeholder -> 1x1 Conv2D that copies each channel scale² times -> DepthToSpace
# with TF's "block_size" attribute. It enlarges like nearest neighbour, so the
# expected output is exact, and it needs the "blocksize" patch to run on OpenCV 5.


def _varint(value: int) -> bytes:
    return superres._encode_varint(value & (1 << 64) - 1)  # int64: -1 as two's complement


def _ld(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _vi(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _attr(key: str, value: bytes) -> bytes:
    return _ld(5, _ld(1, key.encode()) + _ld(2, value))


def _shape(dims) -> bytes:
    return b"".join(_ld(2, _vi(1, d)) for d in dims)


def _node(name: str, op: str, inputs: tuple[str, ...], attrs: bytes) -> bytes:
    body = _ld(1, name.encode()) + _ld(2, op.encode())
    return _ld(1, body + b"".join(_ld(3, i.encode()) for i in inputs) + attrs)


def nearest_neighbour_graph(channels: int, block: int) -> bytes:
    float_type = _vi(6, 1)  # DT_FLOAT
    weights = np.zeros((1, 1, channels, channels * block * block), np.float32)
    for out in range(weights.shape[3]):
        weights[0, 0, out % channels, out] = 1.0
    tensor = _vi(1, 1) + _ld(2, _shape(weights.shape)) + _ld(4, weights.tobytes())
    strides = _ld(1, _ld(3, b"".join(_varint(1) for _ in range(4))))
    nhwc = _ld(2, b"NHWC")
    placeholder = _attr("dtype", float_type) + _attr("shape", _ld(7, _shape([1, -1, -1, channels])))
    return (
        _node("input", "Placeholder", (), placeholder)
        + _node("w", "Const", (), _attr("dtype", float_type) + _attr("value", _ld(8, tensor)))
        + _node(
            "conv",
            "Conv2D",
            ("input", "w"),
            _attr("T", float_type)
            + _attr("strides", strides)
            + _attr("padding", _ld(2, b"SAME"))
            + _attr("data_format", nhwc),
        )
        + _node(
            "out",
            "DepthToSpace",
            ("conv",),
            _attr("T", float_type)
            + _attr("block_size", _vi(3, block))
            + _attr("data_format", nhwc),
        )
    )


@pytest.mark.parametrize(
    ("name", "channels", "label"),
    [
        ("ESPCN_x2.pb", 1, "pb:ESPCN_x2"),
        ("FSRCNN-small_x3.pb", 1, "pb:FSRCNN-small_x3"),
        ("LapSRN_x2.pb", 1, "pb:LapSRN_x2"),
        ("EDSR_x2.pb", 3, "pb:EDSR_x2"),
    ],
)
def test_opencv_pb_families_load_and_run(tmp_path, name: str, channels: int, label: str) -> None:
    scale = int(name[-4])
    path = tmp_path / name
    path.write_bytes(nearest_neighbour_graph(channels, scale))
    model = up.load_method(str(path))
    assert (model.label, model.scale) == (label, scale)
    rng = np.random.default_rng(3)
    if channels == 1:  # Y-channel families: a gray image keeps Cr/Cb constant
        image = cv2.cvtColor(rng.integers(0, 256, (9, 11), dtype=np.uint8), cv2.COLOR_GRAY2BGR)
    else:  # EDSR: BGR minus the DIV2K mean, added back
        image = rng.integers(0, 256, (9, 11, 3), dtype=np.uint8)
    out = model.run(image)
    want = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    assert out.shape == want.shape
    assert np.abs(out.astype(int) - want.astype(int)).max() <= 1
    _, result = up.upscale(
        encode(Image.fromarray(image[..., ::-1].copy())), up.UpscaleParams(method=str(path))
    )
    assert result.method == label and result.scale == scale


def test_blocksize_patch_adds_the_attribute_once() -> None:
    graph = nearest_neighbour_graph(1, 2)
    patched = superres._patch_depth_to_space(graph)
    assert patched != graph and b"blocksize" in patched
    assert superres._patch_depth_to_space(patched) == patched  # idempotent


def test_training_exports_a_model_that_cv2_runs(tmp_path) -> None:
    pytest.importorskip("torch", reason="training needs the [train] extra (torch)")
    from deckgen.training.sr import TrainConfig, train_config

    config = TrainConfig(scale=2, arch="espcn", steps=3, slides=2, patches_per_slide=4)
    report = train_config(config, tmp_path / "sr_x2.onnx", log=lambda _: None)
    assert report.steps == 3 and (tmp_path / "sr_x2.json").exists()
    model = up.load_method(str(tmp_path / "sr_x2.onnx"))
    assert model.scale == 2 and model.label == "onnx:sr_x2"
    assert model.run(np.zeros((6, 5, 3), np.uint8)).shape == (12, 10, 3)


@pytest.mark.parametrize(
    ("name", "message", "arch"),
    [
        ("a-folder", "is a folder", "resnet-4-24"),
        ("no-such-folder/sr_x2.onnx", "does not exist", "resnet-4-24"),
        ("model.json", "must end in .onnx", "resnet-4-24"),
        ("sr_x2.onnx", "unknown architecture 'resnett'", "resnett"),
        ("sr_x2.onnx", "unknown architecture 'resnet-4-x'", "resnet-4-x"),
    ],
)
def test_train_sr_refuses_a_bad_out_before_training(
    tmp_path, monkeypatch, capsys, name, message, arch
) -> None:
    """`train-sr --out` is the .onnx file: a folder (or a missing one) fails at once with
    one usage line, not after the training, and with or without torch installed; so does
    a network name that is not one of the architectures."""
    from deckgen import cli
    from deckgen.training import sr

    (tmp_path / "a-folder").mkdir()

    def training_started(*_args, **_kwargs):
        raise AssertionError("training started before --out was checked")

    monkeypatch.setattr(sr, "make_patches", training_started)
    monkeypatch.setattr(sr, "torch", None)  # as where the [train] extra is not installed
    monkeypatch.setattr(
        "sys.argv", ["deckgen", "train-sr", "--out", str(tmp_path / name), "--arch", arch]
    )
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 2
    said = capsys.readouterr().err.strip()
    assert message in said and "Traceback" not in said and len(said.splitlines()) == 1


@pytest.mark.parametrize("size", [(20_000, 40), (40, 20_000)])
def test_a_long_strip_is_upscaled_no_further_than_tesseract_reads(size):
    # x2 made a 20,000 px side 40,000: OCR then failed with Tesseract's "Image too large"
    width, height = size
    strip = np.full((height, width, 3), 255, np.uint8)
    cv2.putText(strip, "tiny text", (5, min(height, width) - 10), cv2.FONT_HERSHEY_PLAIN, 0.6,
                (0, 0, 0))
    png, result = up.upscale(cv2.imencode(".png", strip)[1].tobytes(), up.UpscaleParams())
    assert max(result.width, result.height) <= 32_767 and result.scale == 1.0
    with pytest.raises(SlideError, match="the most Tesseract reads a side"):  # asked for x2
        up.upscale(cv2.imencode(".png", strip)[1].tobytes(), up.UpscaleParams(method="model:x2"))


# --- a page rendered from a PDF ------------------------------------------------------------
def _grain_pdf(text: bool) -> bytes:
    """One 960 x 540 pt page: a photo's grain (481 x 271 px) over most of it, under a line of
    text (then rendered 1920 px wide) or alone (then at the picture's own size)."""
    from conftest import pdf_of, pdf_stream

    grain = np.random.default_rng(0).integers(0, 256, (271, 481), dtype=np.uint8).tobytes()
    content = b"q 960 0 0 480 0 0 cm /Im0 Do Q\n" + (
        b"BT /F1 28 Tf 40 500 Td (Our customers) Tj ET\n" if text else b"")
    return pdf_of(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 960 540] /Contents 4 0 R /Resources "
        b"<< /Font << /F1 5 0 R >> /XObject << /Im0 6 0 R >> >> >>",
        pdf_stream(content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        pdf_stream(grain, b"/Type /XObject /Subtype /Image /Width 481 /Height 271 "
                          b"/ColorSpace /DeviceGray /BitsPerComponent 8"))


def test_auto_leaves_a_pdf_page_drawn_full_width_as_it_is(tmp_path):
    # QA-80: a photo's grain on a vector PDF page measured as 4 px text, and auto
    # super-resolved the page x4 (7680 px), calling it "enhanced"
    from dataclasses import replace

    from conftest import config_for, write_deck

    from deckgen.build import Builder, _model_file_digest
    from deckgen.cache import stage_key
    from deckgen.corpus_pdf import render_pdf_page
    from deckgen.manifest import load_manifest

    corpus = tmp_path / "corpus"
    for slug, text in (("vector-deck", True), ("scan-deck", False)):
        (corpus / slug).mkdir(parents=True)
        (corpus / slug / "deck.toml").write_text(f'company = "{slug}"\n')
        (corpus / slug / "deck.pdf").write_bytes(_grain_pdf(text))
    write_deck(corpus, "image-deck", {"meta": 'company = "Image"\n',
                                      "slides": [("Image Slide", "Small text")]})
    rendered = cv2.imdecode(np.frombuffer(render_pdf_page(corpus / "vector-deck/deck.pdf", 1),
                                          np.uint8), cv2.IMREAD_COLOR)
    assert rendered.shape[1] == 1920
    grain_height = up.estimate_text_height(rendered)
    assert up.choose_scale(grain_height, up.UpscaleParams(), 1920) > 1  # the grain alone
    cfg = config_for(tmp_path, corpus)
    Builder(cfg, quiet=True).run()
    slides = {s.id: s for s in load_manifest(tmp_path / "build")[0]}
    vector = slides["vector-deck/001"].upscale
    assert (vector.method, vector.scale, vector.width) == ("none", 1.0, 1920), vector
    # a page that is one picture is rendered at its own size, and enlarged as before
    scan = slides["scan-deck/001"].upscale
    assert scan.source_width < 1920 and scan.scale > 1, scan
    # an image slide's key is the one earlier builds gave it: its cache still hits
    image = slides["image-deck/001"]
    old_key = stage_key("upscale", up.VERSION, [
        replace(cfg.upscale, tile=0), _model_file_digest(cfg.upscale.method),
        f"opencv {cv2.__version__}"], image.sha256)
    assert image.fingerprints["upscale"] == old_key
