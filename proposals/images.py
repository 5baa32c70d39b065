"""Uploaded photos: refuse what is not a plain photo, re-encode what is, drop EXIF, make a thumbnail."""

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTOS = 3
MAX_BYTES = 5 * 1024 * 1024
# A 12-megapixel phone photo is about 4000x3000; 40 MP leaves room and refuses bombs early.
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
FULL_SIZE = 1600
THUMB_SIZE = 480

TOO_LARGE = _("Foto %(name)s lebih dari 5 MB. Kecilkan ukurannya lalu unggah lagi.")
NOT_AN_IMAGE = _("Berkas %(name)s bukan foto. Unggah foto JPEG, PNG, atau WebP.")
SVG_REFUSED = _("Berkas %(name)s adalah gambar SVG, yang tidak diterima. Unggah foto JPEG, PNG, atau WebP.")
WRONG_FORMAT = _("Format %(format)s pada %(name)s tidak diterima. Unggah foto JPEG, PNG, atau WebP.")
TRUNCATED = _("Foto %(name)s rusak atau tidak lengkap. Coba unggah lagi.")
TOO_MANY_PIXELS = _("Foto %(name)s terlalu besar resolusinya (lebih dari 40 megapiksel).")
TOO_MANY_PHOTOS = _("Paling banyak %(max)d foto untuk satu usulan.")


@dataclass
class ProcessedPhoto:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _looks_like_svg(head: bytes, name: str, content_type: str) -> bool:
    text = head.lstrip().lower()
    return (
        name.lower().endswith((".svg", ".svgz")) or "svg" in (content_type or "").lower()
        or text.startswith(b"<?xml") or text.startswith(b"<svg") or b"<svg" in text[:1024]
    )


def _encode(image: Image.Image, size: int) -> tuple[bytes, int, int]:
    copy = image.copy()
    copy.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif= argument: nothing of the original metadata (GPS, camera, owner) is written.
    copy.save(out, format="JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue(), copy.width, copy.height


def _name(upload) -> str:
    return getattr(upload, "name", "") or "foto"


def photos_check_before_decoding(uploads: list) -> None:
    """What costs nothing to check, for every file of a request, before any of them is decoded:
    how many there are and how many bytes each has. Raises ValidationError."""
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError(TOO_MANY_PHOTOS, code="too_many", params={"max": MAX_PHOTOS})
    errors = [ValidationError(TOO_LARGE, code="too_large", params={"name": _name(upload)})
              for upload in uploads if upload.size is None or upload.size > MAX_BYTES]
    if errors:
        raise ValidationError(errors)


def photo_process(upload) -> ProcessedPhoto:
    """Validates one uploaded file and returns a clean JPEG and thumbnail. Raises ValidationError
    with a message a resident understands."""
    name = _name(upload)
    params = {"name": name}
    photos_check_before_decoding([upload])
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(TOO_LARGE, code="too_large", params=params)
    if _looks_like_svg(data[:2048], name, getattr(upload, "content_type", "")):
        raise ValidationError(SVG_REFUSED, code="svg", params=params)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                if image_format not in ALLOWED_FORMATS:
                    raise ValidationError(WRONG_FORMAT, code="format", params={**params, "format": image_format})
                if probe.width * probe.height > MAX_PIXELS:
                    raise ValidationError(TOO_MANY_PIXELS, code="bomb", params=params)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                # A JPEG decodes straight at a fraction of its size (DCT scaling), and every
                # later step works on the 1600-pixel copy, not on the camera's full frame.
                image.draft("RGB", (FULL_SIZE, FULL_SIZE))
                image.load()
                image.thumbnail((FULL_SIZE, FULL_SIZE), Image.Resampling.LANCZOS)
                image = ImageOps.exif_transpose(image)
                if image.mode in ("RGBA", "LA", "P"):
                    image = image.convert("RGBA")
                    background = Image.new("RGB", image.size, (255, 255, 255))
                    background.paste(image, mask=image.getchannel("A"))
                    image = background
                elif image.mode != "RGB":
                    image = image.convert("RGB")
                full, width, height = _encode(image, FULL_SIZE)
                thumb, _w, _h = _encode(image, THUMB_SIZE)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValidationError(TOO_MANY_PIXELS, code="bomb", params=params) from error
    except UnidentifiedImageError as error:
        raise ValidationError(NOT_AN_IMAGE, code="not_image", params=params) from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:  # truncated or corrupt data
        raise ValidationError(TRUNCATED, code="truncated", params=params) from error
    return ProcessedPhoto(image=ContentFile(full, name="foto.jpg"), thumbnail=ContentFile(thumb, name="foto-kecil.jpg"),
                          width=width, height=height)
