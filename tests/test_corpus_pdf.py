"""PDF pages as slides: how deckgen.corpus_pdf renders them."""

import io

from PIL import Image

from deckgen.corpus import scan
from deckgen.corpus_pdf import read_source


def pdf_of_one_picture(picture: Image.Image, page_size: tuple[int, int], matrix: str) -> bytes:
    """A one-page PDF whose only content is ``picture`` (a JPEG) drawn by ``matrix`` (cm)."""
    jpeg = io.BytesIO()
    picture.save(jpeg, "JPEG", quality=90)
    data = jpeg.getvalue()
    width, height = picture.size
    content = f"q {matrix} cm /Im0 Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page_size[0]} {page_size[1]}] "
         f"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>").encode(),
        (f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
         f"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode "
         f"/Length {len(data)} >>\nstream\n").encode() + data + b"\nendstream",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write(b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets))
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
              .encode())
    return out.getvalue()


def test_a_page_that_is_a_picture_turned_sideways_renders_at_the_pictures_own_size(tmp_path):
    # a scanner app stores the scan portrait (1080 x 1920 px) and turns it by the drawing
    # matrix onto a landscape page: its 1920 px run across the page, not its 1080
    deck = tmp_path / "scans"
    deck.mkdir()
    portrait = Image.new("RGB", (1080, 1920), "white")
    (deck / "deck.pdf").write_bytes(pdf_of_one_picture(portrait, (960, 540),
                                                       "0 540 -960 0 960 0"))
    (deck / "straight.pdf").write_bytes(pdf_of_one_picture(portrait.rotate(90, expand=True),
                                                           (960, 540), "960 0 0 540 0 0"))
    corpus = scan(tmp_path)
    sizes = [Image.open(io.BytesIO(read_source(tmp_path, s.source))).size for s in corpus.slides]
    assert sizes == [(1920, 1080), (1920, 1080)]
