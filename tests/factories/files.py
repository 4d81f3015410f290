"""Real, minimal files for upload tests: check_upload parses PDFs and decodes images, so fake
bytes with the right first few bytes are refused."""

import io

from PIL import Image
from pypdf import PdfWriter


def pdf_bytes(title: str = "test document", pages: int = 1) -> bytes:
    """A PDF with blank A4 pages, made with pypdf; ``title`` makes two documents differ."""
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(kind: str = "PNG", colour: str = "teal", size: tuple[int, int] = (8, 6),
                **save_options) -> bytes:
    """A plain image, PNG or JPEG; ``save_options`` go to Pillow (``exif=…``)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, kind, **save_options)
    return buffer.getvalue()


def png_bytes(colour: str = "teal", size: tuple[int, int] = (8, 6)) -> bytes:
    return image_bytes("PNG", colour, size)


def jpeg_bytes(colour: str = "teal", size: tuple[int, int] = (8, 6), **save_options) -> bytes:
    return image_bytes("JPEG", colour, size, **save_options)
