"""Presentations (.pptx, .ppt, .odp, .key) to PDF, with headless LibreOffice.

``deckgen add`` converts a presentation once; the corpus then holds its PDF. A shared
presentation is untrusted: one that links to content outside it (a picture on the curator's
disk, a URL) is refused before LibreOffice runs, since LibreOffice would load it into slides
that are then published, and LibreOffice runs with no network where the machine allows it.
"""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path

from deckgen.errors import BadInputError, MissingDependencyError

CONVERT_TIMEOUT = 300.0  # seconds for LibreOffice to convert one presentation
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_ODF = "urn:oasis:names:tc:opendocument:xmlns:"
# ODF elements whose link is only followed on a click (a web link on a slide): never loaded
_ODF_CLICK_LINKS = {
    f"{{{_ODF}{namespace}}}{name}" for namespace, name in [
        ("text:1.0", "a"), ("drawing:1.0", "a"), ("drawing:1.0", "area-rectangle"),
        ("drawing:1.0", "area-circle"), ("drawing:1.0", "area-polygon"),
        ("presentation:1.0", "event-listener"), ("script:1.0", "event-listener"),
        ("form:1.0", "button"), ("form:1.0", "form"),
    ]
}  # fmt: skip
_ODF_FORM_IMAGE = f"{{{_ODF}form:1.0}}image-data"  # a form button's picture: loaded
_OOXML_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # also a Windows drive, C:
PACKAGE_PART_MAX_BYTES = 64 << 20  # one XML part of a presentation, unpacked
PACKAGE_XML_MAX_BYTES = 256 << 20  # all of them: a zip bomb is refused, not unpacked
_LINKS_SHOWN = 3  # in the error message, and at most
_LINK_SHOWN_CHARS = 120  # of each


def _inside_package(href: str) -> bool:
    """Whether an ODF link names a part of the package ("Pictures/a.png", "./Object 1"):
    not a URL, not an absolute path, not a relative one that climbs out of the package
    (LibreOffice resolves "../x.png" against the folder the file is in)."""
    import posixpath
    from urllib.parse import unquote

    target = unquote(href).replace("\\", "/").strip()
    if not target or target.startswith("#"):
        return True  # nothing, or a place in the document itself
    if _URL_SCHEME.match(target) or target.startswith("/"):
        return False
    return not posixpath.normpath(target).startswith("..")


def _odf_outside_links(xml: bytes) -> list[str]:
    """The links of an ODF part (content.xml, styles.xml) that LibreOffice would load."""
    from xml.etree import ElementTree

    links = []
    for element in ElementTree.fromstring(xml).iter():
        for attribute in (_XLINK_HREF, _ODF_FORM_IMAGE):
            href = element.get(attribute)
            if href is None or (attribute == _XLINK_HREF and element.tag in _ODF_CLICK_LINKS):
                continue
            if not _inside_package(href):
                links.append(href)
    return links


_OOXML_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
# what a hyperlink's relationship id is used by: followed on a click, never loaded
_OOXML_CLICKS = ("}hlinkClick", "}hlinkHover", "}hlinkMouseOver")


def _ooxml_outside_links(xml: bytes, used: dict[str, set[str]] | None = None) -> list[str]:
    """The external targets of an OOXML .rels part that LibreOffice would load: a
    picture's ``r:link``, a linked OLE object, video or sound. A hyperlink is not loaded,
    but its type is the file's word for it: one its part uses other than as a click's
    target (``<a:blip r:link="rId1">``) counts as loaded whatever its type says.
    ``used``: each relationship id of the part and the tags that name it."""
    from xml.etree import ElementTree

    def loaded(relation: ElementTree.Element) -> bool:
        uses = (used or {}).get(relation.get("Id", ""), set())
        if any(not tag.endswith(_OOXML_CLICKS) for tag in uses):
            return True
        return not relation.get("Type", "").lower().endswith("/hyperlink")

    return [
        relation.get("Target", "")
        for relation in ElementTree.fromstring(xml).iter(_OOXML_RELATIONSHIP)
        if relation.get("TargetMode", "").lower() == "external" and loaded(relation)
    ]


def _ooxml_uses(xml: bytes) -> dict[str, set[str]]:
    """Each relationship id an OOXML part names (``r:id``, ``r:link``, ``r:embed``...)
    and the tags of the elements that name it."""
    from xml.etree import ElementTree

    uses: dict[str, set[str]] = {}
    for element in ElementTree.fromstring(xml).iter():
        for attribute, value in element.attrib.items():
            if attribute.startswith(_OOXML_REL_ID):
                uses.setdefault(value, set()).add(element.tag)
    return uses


def _rels_source(member: str) -> str:
    """The part a .rels part describes: ppt/slides/_rels/slide1.xml.rels is
    ppt/slides/slide1.xml."""
    folder, _, name = member.rpartition("_rels/")
    return folder + name.removesuffix(".rels")


def _part_links_reader(member: str):
    """How to find the links in a package's part, or None for a part with none."""
    name = member.rsplit("/", 1)[-1].lower()
    if name.endswith(".rels"):
        return _ooxml_outside_links
    if name in ("content.xml", "styles.xml"):  # also an embedded object's ("Object 1/")
        return _odf_outside_links
    return None


def _package_links(path: Path, name: str) -> list[str]:
    """The references to content outside a zip-based presentation (.pptx, .odp, a zipped
    .key) that LibreOffice would load while converting it: a linked local file or a URL.
    Its XML is read up to PACKAGE_PART_MAX_BYTES a part, PACKAGE_XML_MAX_BYTES in all."""
    import zipfile
    import zlib
    from xml.etree import ElementTree

    try:
        package = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return []  # not a zip (.ppt, a broken file): LibreOffice says what it is
    links: list[str] = []
    left = PACKAGE_XML_MAX_BYTES

    def read(member: zipfile.ZipInfo) -> bytes:
        nonlocal left
        limit = min(PACKAGE_PART_MAX_BYTES, left)
        with package.open(member) as part:
            xml = part.read(limit + 1)  # its stated size may lie
        if len(xml) > limit:
            raise BadInputError(_too_much_xml(name, member.filename, limit < left))
        left -= len(xml)
        return xml

    with package:
        parts = {member.filename: member for member in package.infolist()}
        for member in parts.values():
            part_links = _part_links_reader(member.filename)
            if part_links is None:
                continue
            try:
                if part_links is _ooxml_outside_links:
                    source = parts.get(_rels_source(member.filename))
                    uses = _ooxml_uses(read(source)) if source is not None else {}
                    links += _ooxml_outside_links(read(member), uses)
                else:
                    links += part_links(read(member))
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError,
                    zlib.error, ElementTree.ParseError) as exc:  # RuntimeError: encrypted
                raise BadInputError(f"{name}: cannot read its {member.filename} ({exc}); "
                                    "export the deck as PDF and add that") from None
    return links


def _too_much_xml(name: str, member: str, one_part: bool) -> str:
    """Why a presentation's XML was not read to its end."""
    if one_part:
        said = f"its {member} unpacks to over {PACKAGE_PART_MAX_BYTES >> 20} MB"
    else:
        said = f"its XML unpacks to over {PACKAGE_XML_MAX_BYTES >> 20} MB in all"
    return (f"{name}: {said} (a zip bomb?), which deckgen does not read; "
            "export the deck as PDF and add that")


def _shown_link(link: str) -> str:
    """A link of an untrusted file as an error message shows it: no terminal control
    codes or bidi overrides, and not a page long."""
    printable = "".join(c if c.isprintable() else "?" for c in link)
    if len(printable) > _LINK_SHOWN_CHARS:
        return printable[:_LINK_SHOWN_CHARS] + "..."
    return printable


def _refuse_outside_links(path: Path, name: str) -> None:
    """BadInputError when a presentation links to content outside it: LibreOffice would
    read the curator's own files, or fetch a URL, into slides that are then published.
    ``name``: the file as the user gave it."""
    links = _package_links(path, name)
    if links:
        shown = ", ".join(_shown_link(link) for link in links[:_LINKS_SHOWN])
        shown += ", ..." if len(links) > _LINKS_SHOWN else ""
        raise BadInputError(
            f"{name}: links to content outside the file ({shown}), which deckgen does "
            "not load: embed it in the presentation (or export the deck to PDF yourself) "
            "and add that"
        )


@functools.cache
def _no_network_prefix() -> tuple[str, ...]:
    """``unshare -rn``, which runs a command with no network, where this machine allows
    it (user namespaces are off in some containers: then nothing, and LibreOffice runs as
    it is)."""
    import subprocess
    import sys

    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    try:
        done = subprocess.run([unshare, "-rn", sys.executable, "-c", ""],
                              capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return ()
    return (unshare, "-rn") if done.returncode == 0 else ()


# the fresh profile's settings: LibreOffice loads no linked picture of a document that is
# not in a trusted location (this blocks .pptx links; .odp links are refused before it runs)
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
</oor:items>
"""


def presentation_to_pdf(path: Path, work_dir: Path) -> Path:
    """Convert a .pptx/.ppt/.odp/.key file to PDF with LibreOffice, headless; return the PDF.

    A presentation that links to content outside it (a picture on the curator's disk, a
    URL) is refused before LibreOffice renders it, and LibreOffice runs with no network
    where the machine allows it: a shared deck never makes deckgen read or fetch anything
    else. A format whose links cannot be read (a binary .ppt) is first saved as .odp, which
    keeps each link as a link, and checked as one.
    """
    import zipfile

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise MissingDependencyError(
            f"{path.name}: reading {path.suffix} files needs LibreOffice; install it "
            "(apt-get install libreoffice-impress-nogui) or export the deck as PDF and add that"
        )
    readable = zipfile.is_zipfile(path)
    if readable:
        _refuse_outside_links(path, path.name)  # before anything is written
    work_dir.mkdir(parents=True, exist_ok=True)
    profile = work_dir / "profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS)
    # a fixed, plain name: LibreOffice names its output after the input
    source = work_dir / f"deck{path.suffix.lower()}"
    shutil.copyfile(path, source)
    if not readable:
        source = _libreoffice(soffice, profile, source, "odp", work_dir / "odp", path.name)
        _refuse_outside_links(source, path.name)
    return _libreoffice(soffice, profile, source, "pdf", work_dir, path.name)


def _libreoffice(soffice: str, profile: Path, source: Path, to: str, out_dir: Path,
                 name: str) -> Path:
    """``source`` saved as ``to`` in ``out_dir`` by headless LibreOffice."""
    import subprocess

    command = [
        *_no_network_prefix(),
        soffice,
        # its own profile: no clash with a LibreOffice the user has open, nothing written to ~
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless", "--norestore", "--convert-to", to, "--outdir", str(out_dir), str(source),
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=CONVERT_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise BadInputError(
            f"{name}: LibreOffice took over {CONVERT_TIMEOUT:.0f} s to convert it; "
            "export the deck as PDF and add that"
        ) from exc
    converted = out_dir / f"{source.stem}.{to}"
    if not converted.is_file() or converted.stat().st_size == 0:
        said = " ".join((done.stderr or done.stdout).split())[-200:] or f"exit {done.returncode}"
        raise BadInputError(f"{name}: LibreOffice could not convert it to PDF ({said})")
    return converted
