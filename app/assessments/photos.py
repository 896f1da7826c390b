"""Turn an uploaded phone photo into a small, upright JPEG with no metadata (plain Python and Pillow)."""
import io
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

MAX_BYTES = 10 * 1024 * 1024  # originals up to 10 MB
MAX_SIDE = 1600  # stored photos: longest side at most 1,600 px
MAX_PIXELS = 50_000_000  # refuse decompression bombs above this many pixels
# The pixels one upload may decode, which bound the memory a worker needs for it. A JPEG is decoded at 1/2, 1/4
# or 1/8 scale to fit, so every JPEG up to MAX_PIXELS passes; PNG, GIF, BMP and WebP cannot be, so theirs must
# fit as they are (a screenshot does; a phone camera's photo is a JPEG).
DECODE_PIXELS = 16_000_000
QUALITY = 82
# Thumbnails for lists of photos: their longest side, twice the 120 CSS px they are shown at (sharp on a
# phone's 2x screen), and a lower quality, as they are looked at small.
THUMB_SIDE = 240
THUMB_QUALITY = 75
# Photos kept per question and per assessment: enough pages of a document for each question, and a bound on
# what one assessment can take of the disk whatever its instrument asks.
MAX_PER_QUESTION = 5
MAX_PER_ASSESSMENT = 50
# Pillow's own guard, set deliberately to our limit (it is process-wide): above it Pillow warns, which
# process_photo turns into an error, and above twice it Pillow refuses to open the file at all.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Pillow plugin ids: "JPEG" also opens the MPO files many Android cameras write.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP")
# What Pillow's decoders raise on damaged or hostile data.
UNREADABLE = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, struct.error)


class PhotoError(ValueError):
    """Why an upload is not an acceptable photo; `code` is one of: "too_large", "not_an_image", "too_many_pixels",
    "question_full", "assessment_full", and "busy" (another upload of the user's is still being processed)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Photo:
    """A processed photo: JPEG bytes and their size in pixels."""

    jpeg: bytes
    width: int
    height: int


def check_room(on_question, in_assessment):
    """Refuse one more photo to a question that has `on_question` photos, in an assessment that has `in_assessment`."""
    if on_question >= MAX_PER_QUESTION:
        raise PhotoError("question_full")
    if in_assessment >= MAX_PER_ASSESSMENT:
        raise PhotoError("assessment_full")


def read_limited(stream, limit=MAX_BYTES) -> bytes:
    """Read at most limit bytes from a file-like object; raise PhotoError("too_large") if there is more."""
    chunks, size = [], 0
    # One byte past the limit tells "exactly limit" from "more"; loop because read() may return less.
    while size <= limit:
        chunk = stream.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise PhotoError("too_large")
    return b"".join(chunks)


def process_photo(data: bytes) -> Photo:
    """A JPEG of at most MAX_SIDE px on its longest side, upright, with EXIF and all other metadata removed.

    The JPEG is encoded afresh from the decoded pixels, so nothing of the upload but its picture survives:
    no metadata, and nothing appended after the image data (a ZIP, a script). Trailing data is not refused,
    since phones append their own (Samsung's trailer, an MPO's second picture).
    """
    if len(data) > MAX_BYTES:
        raise PhotoError("too_large")
    try:
        # Image.MAX_IMAGE_PIXELS is process-wide, so turn Pillow's bomb warning into an error only here.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = _decode(data)
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError("too_many_pixels") from None
    except UNREADABLE:
        raise PhotoError("not_an_image") from None
    if image.mode.startswith("I;16"):  # a 16-bit grey PNG, which Pillow cannot shrink: made 8-bit grey first
        image = image.point(lambda value: value / 256).convert("L")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    ImageOps.exif_transpose(image, in_place=True)
    image = _flatten(image)
    image.info.clear()  # Pillow's JPEG writer copies a "comment" from info, so nothing may remain
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    return Photo(out.getvalue(), image.width, image.height)


def thumb_size(width, height):
    """The size of the thumbnail of a `width` x `height` photo: THUMB_SIDE on its longest side, never enlarged."""
    scale = min(1, THUMB_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def make_thumbnail(jpeg: bytes) -> Photo:
    """The thumbnail (thumb_size) of a stored photo, which process_photo made: a JPEG, upright, without metadata.

    Raises PhotoError("not_an_image") if the stored file is damaged."""
    try:
        image = Image.open(io.BytesIO(jpeg), formats=("JPEG",))
        size = thumb_size(image.width, image.height)
        image.draft("RGB", size)  # decoded at 1/2 to 1/8 scale, still at least `size`: a fraction of the work
        image = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    except UNREADABLE:
        raise PhotoError("not_an_image") from None
    out = io.BytesIO()
    image.save(out, "JPEG", quality=THUMB_QUALITY, optimize=True)
    return Photo(out.getvalue(), image.width, image.height)


def _decode(data):
    # Twice the final size keeps the LANCZOS step that follows as sharp as a full decode; a JPEG whose next
    # scale down is just under twice the final size would then decode too much, and is decoded nearer the final size.
    image = _opened(data, sharpness=2)
    if image.width * image.height > DECODE_PIXELS:
        image = _opened(data, sharpness=1)
    if image.width * image.height > DECODE_PIXELS:
        raise PhotoError("too_many_pixels")
    image.load()  # decode everything now, so a truncated file fails here
    return image


def _opened(data, sharpness):
    """The image with its header read, and a JPEG set to decode at the smallest of its scales that is still
    `sharpness` times the final size: `size` is then what decoding it makes."""
    image = Image.open(io.BytesIO(data), formats=FORMATS)
    if image.width * image.height > MAX_PIXELS:
        raise PhotoError("too_many_pixels")
    scale = max(image.size) / MAX_SIDE
    if scale > 1:
        image.draft(None, (int(sharpness * image.width / scale), int(sharpness * image.height / scale)))
    return image


def _flatten(image):
    if not image.has_transparency_data:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
