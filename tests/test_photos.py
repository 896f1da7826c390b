"""Photo uploads: every image is built in memory with Pillow; no app, no database."""
import io
import random
import struct
import warnings
import zipfile
import zlib

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import ExifTags, Image, JpegImagePlugin, PngImagePlugin, features

from app.assessments import photos
from app.assessments.photos import (DECODE_PIXELS, MAX_BYTES, MAX_PER_ASSESSMENT, MAX_PER_QUESTION, MAX_PIXELS,
                                   MAX_SIDE, Photo, PhotoError, check_room, process_photo, read_limited)

RED, BLUE = (255, 0, 0), (0, 0, 255)


def encode(image, fmt, **params):
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def quartered(size):
    """Blue image whose top-left quarter is red: shows where the top-left corner went."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1] // 2))
    return image


def red_corners(image):
    """The corners of `image` ("top-left", ...) whose pixels are red."""
    w, h = image.size
    points = {"top-left": (w // 4, h // 4), "top-right": (3 * w // 4, h // 4),
              "bottom-left": (w // 4, 3 * h // 4), "bottom-right": (3 * w // 4, 3 * h // 4)}
    return {name for name, xy in points.items() if close(image.convert("RGB").getpixel(xy), RED)}


def close(pixel, colour, tolerance=12):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


def phone_exif(orientation):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "samsung"
    exif[ExifTags.Base.Model] = "Galaxy A05"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (7.0, 33.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (112.0, 14.0, 3.25)
    return exif


def opened(photo):
    assert isinstance(photo, Photo)
    image = Image.open(io.BytesIO(photo.jpeg))
    assert image.format == "JPEG" and image.mode == "RGB"
    assert image.size == (photo.width, photo.height)
    return image


def png_header(width, height):
    """A PNG that only claims a size: its IDAT is junk, so any attempt to decode it fails."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"junk") + chunk(b"IEND", b"")


def jpeg_claiming(width, height):
    """A small real JPEG whose frame header (SOF0) claims another size: a bomb costs a few hundred bytes."""
    data = bytearray(encode(Image.new("RGB", (16, 16), RED), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def zip_of(files):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return out.getvalue()


SCRIPT = b"<script>alert(document.cookie)</script>"
# What hides in a polyglot: none of it may reach the stored photo.
PAYLOADS = (b"<script", b"<html", b"PK\x03\x04", b"META-INF", b"payload.js", b"alert(")


def tagged_phone_jpeg(orientation, size=(400, 300)):
    """A camera JPEG with GPS, a maker note, XMP and a comment, stored rotated (`orientation`)."""
    exif = phone_exif(orientation)
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.MakerNote] = b"SAMSUNG\0serial R58N12345"
    return encode(quartered(size), "JPEG", exif=exif, comment=b"Desa Wonosalam",
                  xmp=b"<x:xmpmeta><exif:GPSLatitude>7,33S</exif:GPSLatitude></x:xmpmeta>")


def tagged_png(orientation, size=(400, 300)):
    """A PNG with an eXIf chunk (GPS, orientation) and tEXt, zTXt and iTXt chunks."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "Desa Wonosalam -7.55, 112.23")
    info.add_text("Software", "Galaxy camera", zip=True)
    info.add_itxt("Comment", SCRIPT.decode())
    return encode(quartered(size), "PNG", exif=phone_exif(orientation), pnginfo=info)


# Every trace of the metadata above, as it would appear in the stored bytes.
LEAKS = (b"Exif\0\0", b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"xmpmeta", b"samsung", b"SAMSUNG", b"Galaxy",
         b"Wonosalam", b"R58N12345", b"GPS", *PAYLOADS)


def code_of(data):
    with pytest.raises(PhotoError) as raised:
        process_photo(data)
    return raised.value.code


@pytest.fixture(scope="module")
def phone_jpeg():
    """A 4000x3000 camera JPEG, stored sideways (Orientation 6), full of metadata."""
    return encode(quartered((4000, 3000)), "JPEG", quality=90, exif=phone_exif(6),
                  icc_profile=b"ICC-profile-bytes", comment=b"Desa Wonosalam",
                  xmp=b"<x:xmpmeta>exif:GPSLatitude 7,33S</x:xmpmeta>")


def test_phone_photo_is_upright_small_and_stripped(phone_jpeg):
    source = Image.open(io.BytesIO(phone_jpeg))
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo), "the source must really carry GPS data"
    photo = process_photo(phone_jpeg)
    assert (photo.width, photo.height) == (1200, 1600)
    image = opened(photo)
    assert red_corners(image) == {"top-right"}  # turned 90° clockwise, as Orientation 6 asks
    assert not image.getexif()
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "icc_profile", "comment", "xmp"} & image.info.keys()
    for leak in (b"Exif\0\0", b"ICC_PROFILE", b"samsung", b"Galaxy", b"Wonosalam", b"xmpmeta"):
        assert leak not in photo.jpeg
    assert image.info.get("progressive")


@pytest.mark.parametrize("orientation, corner", [
    (1, "top-left"), (3, "bottom-right"), (6, "top-right"), (8, "bottom-left"),
])
def test_exif_orientation_is_applied(orientation, corner):
    photo = process_photo(encode(quartered((400, 300)), "JPEG", exif=phone_exif(orientation)))
    assert (photo.width, photo.height) == ((400, 300) if orientation in (1, 3) else (300, 400))
    assert red_corners(opened(photo)) == {corner}


def test_transparent_png_is_flattened_on_white_and_not_upscaled():
    image = Image.new("RGBA", (800, 600), (0, 0, 0, 0))
    image.paste((0, 128, 0, 255), (400, 0, 800, 600))
    photo = process_photo(encode(image, "PNG"))
    assert (photo.width, photo.height) == (800, 600)
    out = opened(photo)
    assert close(out.getpixel((100, 300)), (255, 255, 255))
    assert close(out.getpixel((700, 300)), (0, 128, 0))


@pytest.mark.parametrize("size, expected", [
    ((4800, 1200), (1600, 400)), ((900, 3600), (400, 1600)), ((1601, 10), (1600, 10)), ((1600, 1600), (1600, 1600)),
])
def test_longest_side_is_capped_keeping_aspect_ratio(size, expected):
    photo = process_photo(encode(Image.new("L", size, 90), "PNG"))
    assert (photo.width, photo.height) == expected
    assert max(expected) <= MAX_SIDE


def test_big_jpeg_is_decoded_at_reduced_scale(monkeypatch):
    # With a small MAX_SIDE an ordinary JPEG takes the path of a 50 MP photo: decoded at 1/4 size.
    monkeypatch.setattr(photos, "MAX_SIDE", 100)
    decoded = []
    draft = JpegImagePlugin.JpegImageFile.draft

    def spy(image, mode, size):
        result = draft(image, mode, size)
        decoded.append(image.size)
        return result
    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    photo = process_photo(encode(quartered((800, 600)), "JPEG", exif=phone_exif(8)))
    assert decoded[0] == (200, 150)
    assert (photo.width, photo.height) == (75, 100)
    assert red_corners(opened(photo)) == {"bottom-left"}


@pytest.mark.parametrize("data", [
    random.Random(7).randbytes(4096),
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">' + SCRIPT + b"</svg>",
    b"<!DOCTYPE html><html><body>" + SCRIPT + b"</body></html>",
    b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x02\x00\x3e\x00" + bytes(200),  # a Linux executable's header
    b"MZ\x90\x00\x03" + bytes(55) + b"\x80\x00\x00\x00This program cannot be run in DOS mode.",
    zip_of({"foto.jpg": "not really"}),
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n",
    "Laporan RAT Koperasi Desa Merah Putih\nAnggota: 120 orang\n".encode(),
    b"",
    b"\xff\xd8\xff",  # nothing but the start of a JPEG
    b"\x89PNG\r\n\x1a\n",
], ids=["random", "svg", "html", "elf", "exe", "zip", "pdf", "text", "empty", "jpeg-marker-only", "png-signature-only"])
def test_what_is_not_an_image_is_refused(data):
    assert code_of(data) == "not_an_image"


@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_truncated_jpeg_is_refused(phone_jpeg, fraction):
    assert code_of(phone_jpeg[: int(len(phone_jpeg) * fraction)]) == "not_an_image"


def test_truncated_png_is_refused():
    data = encode(Image.effect_noise((300, 200), 60), "PNG")
    assert code_of(data[: len(data) // 2]) == "not_an_image"


@pytest.mark.parametrize("fmt", ["TIFF", "ICO", "TGA", "PPM", "PCX"])
def test_formats_outside_the_list_are_refused(fmt):
    data = encode(Image.new("RGB", (64, 48), RED), fmt)
    assert Image.open(io.BytesIO(data)).format == fmt  # Pillow itself would have read it
    assert code_of(data) == "not_an_image"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF", "BMP"])
def test_allowed_formats_become_jpeg(fmt):
    if fmt == "WEBP" and not features.check("webp"):
        pytest.skip("Pillow built without WebP")
    photo = process_photo(encode(quartered((320, 240)), fmt))
    assert (photo.width, photo.height) == (320, 240)
    assert red_corners(opened(photo)) == {"top-left"}


def test_mpo_from_a_dual_camera_phone_is_read_as_jpeg():
    data = encode(quartered((320, 240)), "MPO", save_all=True, append_images=[Image.new("RGB", (320, 240))])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    photo = process_photo(data)
    assert red_corners(opened(photo)) == {"top-left"}


@pytest.mark.parametrize("mode", ["L", "1", "CMYK", "P", "LA", "I;16"])
def test_every_pixel_mode_becomes_rgb(mode):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    photo = process_photo(encode(Image.new(mode, (50, 40)), fmt))
    assert (photo.width, photo.height) == (50, 40)
    opened(photo)


def test_animated_gif_keeps_its_first_frame_and_drops_its_comment():
    frames = [Image.new("RGB", (120, 80), colour) for colour in (RED, (0, 255, 0), BLUE)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0,
                  comment=b"lokasi: -7.55, 112.23")
    assert Image.open(io.BytesIO(data)).n_frames == 3
    photo = process_photo(data)
    image = opened(photo)
    assert (photo.width, photo.height) == (120, 80)
    assert close(image.getpixel((60, 40)), RED)
    assert "comment" not in image.info and b"lokasi" not in photo.jpeg


def test_gif_transparency_becomes_white():
    image = Image.new("P", (60, 40), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.paste(0, (0, 0, 30, 40))
    photo = process_photo(encode(image, "GIF", transparency=0))
    out = opened(photo)
    assert close(out.getpixel((10, 20)), (255, 255, 255))
    assert close(out.getpixel((50, 20)), RED)


@pytest.mark.parametrize("width, height", [
    (7800, 7800),  # 61 M: above our limit, so Pillow warns too
    (10000, 10000),  # 100 M: Pillow warns (at most twice its limit)
    (20000, 20000),  # 400 M: Pillow raises
    (30000, 30000),
    (1, 60_000_000),
])
def test_huge_pixel_counts_are_refused_before_decoding(width, height):
    before = Image.MAX_IMAGE_PIXELS
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert code_of(png_header(width, height)) == "too_many_pixels"
    assert not caught  # no DecompressionBombWarning leaks out
    assert Image.MAX_IMAGE_PIXELS == before


def test_pixel_limit_is_inclusive(monkeypatch):
    monkeypatch.setattr(photos, "MAX_PIXELS", 800 * 600)
    assert process_photo(encode(Image.new("L", (800, 600)), "PNG")).width == 800
    assert code_of(encode(Image.new("L", (801, 600)), "PNG")) == "too_many_pixels"


def test_what_decodes_only_whole_must_fit_the_decode_budget_and_is_refused_before_decoding():
    # png_header's pixel data is junk: "not_an_image" shows that decoding was tried, "too_many_pixels" that it was not
    assert DECODE_PIXELS < 7000 * 7000 < MAX_PIXELS
    assert code_of(png_header(7000, 7000)) == "too_many_pixels"
    assert code_of(png_header(4000, 4001)) == "too_many_pixels"
    assert code_of(png_header(4000, 4000)) == "not_an_image"


def test_a_jpeg_over_the_budget_is_decoded_at_a_scale_that_fits(monkeypatch):
    # Twice the final size would decode 320x320 here: over the budget, so it is decoded at 1/4, 160x160.
    monkeypatch.setattr(photos, "MAX_SIDE", 100)
    monkeypatch.setattr(photos, "DECODE_PIXELS", 160 * 160)
    decoded = []
    load = JpegImagePlugin.JpegImageFile.load

    def spy(image):
        decoded.append(image.size)
        return load(image)
    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy)
    photo = process_photo(encode(quartered((640, 640)), "JPEG"))
    assert decoded[0] == (160, 160) and (photo.width, photo.height) == (100, 100)
    assert red_corners(opened(photo)) == {"top-left"}
    assert code_of(encode(quartered((640, 640)), "PNG")) == "too_many_pixels"


def test_a_wide_16_bit_grey_png_is_made_8_bit_before_it_is_shrunk():
    photo = process_photo(encode(Image.new("I;16", (4000, 100), 40000), "PNG"))
    assert (photo.width, photo.height) == (1600, 40)
    assert close(opened(photo).getpixel((800, 20)), (156, 156, 156))  # 40000 / 256


def test_oversized_upload_is_refused_before_opening(phone_jpeg):
    assert code_of(phone_jpeg + b"\0" * (MAX_BYTES + 1 - len(phone_jpeg))) == "too_large"
    assert code_of(bytes(MAX_BYTES + 1)) == "too_large"


def test_check_room_refuses_one_photo_past_either_cap():
    check_room(MAX_PER_QUESTION - 1, MAX_PER_ASSESSMENT - 1)
    for on_question, in_assessment, code in ((MAX_PER_QUESTION, 0, "question_full"),
                                             (0, MAX_PER_ASSESSMENT, "assessment_full")):
        with pytest.raises(PhotoError) as raised:
            check_room(on_question, in_assessment)
        assert raised.value.code == code


def test_photo_error_is_a_value_error_with_a_code():
    error = PhotoError("not_an_image")
    assert isinstance(error, ValueError) and error.code == "not_an_image" and str(error) == "not_an_image"


class CountingStream:
    """A file-like object that records every read() and hands out at most `chunk` bytes per call."""

    def __init__(self, data, chunk=None):
        self.data, self.chunk, self.position, self.requests = data, chunk, 0, []

    def read(self, size=-1):
        self.requests.append(size)
        assert size is not None and size >= 0, "read() without a size reads everything"
        size = min(size, self.chunk or size)
        piece = self.data[self.position:self.position + size]
        self.position += len(piece)
        return piece


def test_read_limited_returns_exactly_the_limit():
    stream = CountingStream(bytes(MAX_BYTES))
    assert read_limited(stream) == bytes(MAX_BYTES)
    assert stream.position == MAX_BYTES


def test_read_limited_refuses_one_byte_more_without_reading_the_rest():
    with pytest.raises(PhotoError) as raised:
        read_limited(io.BytesIO(bytes(MAX_BYTES + 1)))
    assert raised.value.code == "too_large"
    stream = CountingStream(bytes(3 * MAX_BYTES))
    with pytest.raises(PhotoError):
        read_limited(stream)
    assert stream.position == MAX_BYTES + 1
    assert sum(stream.requests) <= MAX_BYTES + 1


@pytest.mark.parametrize("size, too_large", [(0, False), (99, False), (100, False), (101, True), (10_000, True)])
def test_read_limited_copes_with_short_reads(size, too_large):
    stream = CountingStream(b"x" * size, chunk=7)
    if too_large:
        with pytest.raises(PhotoError):
            read_limited(stream, limit=100)
        assert stream.position == 101
    else:
        assert read_limited(stream, limit=100) == b"x" * size


SAMPLES = [encode(quartered((48, 32)), fmt) for fmt in ("JPEG", "PNG", "GIF", "BMP", "WEBP")]


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample=st.sampled_from(SAMPLES), cut=st.integers(0, 4000),
       flips=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), max_size=6))
def test_damaged_images_give_a_photo_or_a_photo_error(sample, cut, flips):
    data = bytearray(sample[: max(cut, 8)])
    for where, value in flips:
        if data:
            data[where % len(data)] = value
    try:
        photo = process_photo(bytes(data))
    except PhotoError as error:
        assert error.code in {"not_an_image", "too_many_pixels"}
    else:
        assert max(photo.width, photo.height) <= MAX_SIDE
        opened(photo)


def test_pillow_guard_is_set_to_our_limit():
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS


@pytest.mark.parametrize("width, height", [(8000, 8000), (65000, 65000), (65535, 1000)])
def test_jpeg_claiming_a_huge_size_is_refused(width, height):
    assert Image.open(io.BytesIO(jpeg_claiming(16, 16))).size == (16, 16)  # the patch is where Pillow reads
    assert code_of(jpeg_claiming(width, height)) == "too_many_pixels"


@pytest.mark.parametrize("width, height", [(8000, 8000), (65000, 65000)])
def test_pillow_bomb_warning_and_error_are_refused_on_their_own(monkeypatch, width, height):
    # Without our own check, Pillow's guard still refuses: its warning (64 MP, between its limit and
    # twice it) is made an error like its DecompressionBombError (4 GP).
    monkeypatch.setattr(photos, "MAX_PIXELS", 10 ** 12)
    assert code_of(jpeg_claiming(width, height)) == "too_many_pixels"


@pytest.mark.parametrize("name, data", [
    ("jpeg+zip", encode(quartered((64, 48)), "JPEG") + zip_of({"payload.js": "alert(1)"})),
    ("jpeg+html", encode(quartered((64, 48)), "JPEG") + b"<html><body>" + SCRIPT + b"</body></html>"),
    ("gifar", encode(quartered((64, 48)), "GIF") + zip_of({"META-INF/MANIFEST.MF": "Main-Class: payload.js\n"})),
    ("jpeg-comment-script", encode(quartered((64, 48)), "JPEG", comment=SCRIPT)),
    ("jpeg-xmp-html", encode(quartered((64, 48)), "JPEG", xmp=b"<html>" + SCRIPT)),
    ("png-text-script", tagged_png(1, (64, 48))),
    ("png+zip", encode(quartered((64, 48)), "PNG") + zip_of({"payload.js": "alert(1)"})),
])
def test_polyglots_keep_only_their_picture(name, data):
    assert any(payload in data for payload in PAYLOADS)
    photo = process_photo(data)
    assert red_corners(opened(photo)) == {"top-left"}
    for payload in PAYLOADS:
        assert payload not in photo.jpeg, (name, payload)
    assert photo.jpeg.endswith(b"\xff\xd9")  # the re-encoded JPEG ends at its own EOI: nothing trails


@pytest.mark.parametrize("make, orientation, corner", [
    (tagged_phone_jpeg, 6, "top-right"), (tagged_phone_jpeg, 3, "bottom-right"),
    (tagged_png, 8, "bottom-left"), (tagged_png, 6, "top-right"),
])
def test_gps_maker_note_xmp_and_text_chunks_are_stripped_after_rotating(make, orientation, corner):
    data = make(orientation)
    source = Image.open(io.BytesIO(data))
    source.load()
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo) and source.getexif()[ExifTags.Base.Orientation] == orientation
    photo = process_photo(data)
    image = opened(photo)
    assert red_corners(image) == {corner}
    assert not image.getexif() and not {"exif", "xmp", "comment", "icc_profile"} & image.info.keys()
    for leak in LEAKS:
        assert leak not in photo.jpeg, leak


# --- Thumbnails -------------------------------------------------------------------------------------

@pytest.mark.parametrize("size, expected", [((1600, 1200), (240, 180)), ((900, 1600), (135, 240)),
                                            ((1600, 5), (240, 1)), ((200, 100), (200, 100))])
def test_a_thumbnail_is_240_px_on_its_longest_side_and_never_enlarged(size, expected):
    stored = process_photo(encode(quartered(size), "PNG"))
    thumbnail = photos.make_thumbnail(stored.jpeg)
    image = opened(thumbnail)
    assert image.size == expected == photos.thumb_size(stored.width, stored.height)
    assert not image.getexif() and not {"exif", "comment", "icc_profile"} & image.info.keys()
    if min(expected) > 4:  # a sliver of one pixel has no corners to tell apart
        assert red_corners(image) == {"top-left"}


def test_a_damaged_stored_photo_gives_no_thumbnail_but_a_photo_error():
    stored = process_photo(encode(quartered((800, 600)), "JPEG"))
    for damaged in (stored.jpeg[:200], b"", b"not a jpeg"):
        with pytest.raises(PhotoError) as refused:
            photos.make_thumbnail(damaged)
        assert refused.value.code == "not_an_image"
