"""Uploaded files judged by their content, never by their name or declared type: PDF or XML only,
within a size limit, XML parsed without network, entities or DTDs (no XXE, no billion laughs)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from fastapi import UploadFile
from lxml import etree

from shared.errors import ApplicationError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_CHUNK = 64 * 1024
# Names a PDF uses to run code or launch programs. Best effort: they may hide in compressed object
# streams, so this complements, not replaces, opening PDFs only in a sandboxed viewer.
_PDF_ACTIVE = (b"/JavaScript", b"/JS ", b"/JS(", b"/JS<", b"/Launch")


class UploadKind(StrEnum):
    PDF = "application/pdf"
    XML = "application/xml"


class UnsupportedUpload(ApplicationError):
    status = 415
    type_slug = "unsupported-media-type"
    title = "Unsupported file type"


class UploadTooLarge(ApplicationError):
    status = 413
    type_slug = "payload-too-large"
    title = "File too large"


class UnsafeUpload(ApplicationError):
    status = 422
    type_slug = "unsafe-upload"
    title = "File refused"


@dataclass(frozen=True)
class CheckedUpload:
    kind: UploadKind
    content: bytes
    size: int
    sha256: str
    xml_root: str | None = None  # Clark notation: "{namespace}LocalName"


def safe_xml_parser() -> etree.XMLParser:
    """No network, no entity expansion, no DTD loading, no huge trees."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def sniff(content: bytes) -> UploadKind | None:
    """The type the bytes announce: `%PDF-` at the start, or an XML document."""
    if content.startswith(b"%PDF-"):
        return UploadKind.PDF
    head = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<?xml") or (head.startswith(b"<") and head[1:2].isalpha()):
        return UploadKind.XML
    return None


def parse_xml(content: bytes) -> etree._Element:
    """Parse with the safe parser; a document declaring a DTD or entities is refused outright."""
    try:
        root = etree.fromstring(content, parser=safe_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeUpload(f"Not well-formed XML: {exc.msg}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeUpload("XML documents declaring a DTD or entities are refused.")
    return root


def check_upload(
    content: bytes,
    *,
    allowed: frozenset[UploadKind] = frozenset(UploadKind),
    max_bytes: int = DEFAULT_MAX_BYTES,
    xml_roots: frozenset[str] | None = None,
    refuse_pdf_scripts: bool = True,
) -> CheckedUpload:
    """Check an uploaded file; 413, 415 or 422 problem otherwise.

    `xml_roots` restricts XML to given root elements in Clark notation, e.g.
    `{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice`.
    """
    if len(content) > max_bytes:
        raise UploadTooLarge(f"The limit is {max_bytes} bytes.")
    if not content:
        raise UnsupportedUpload("The file is empty.")
    kind = sniff(content)
    if kind is None or kind not in allowed:
        expected = ", ".join(sorted(k.name for k in allowed))
        raise UnsupportedUpload(f"The file's content is not one of: {expected}.")
    root_tag: str | None = None
    if kind is UploadKind.PDF:
        if b"%%EOF" not in content[-2048:]:
            raise UnsafeUpload("The PDF is truncated (no end-of-file marker).")
        if refuse_pdf_scripts and any(marker in content for marker in _PDF_ACTIVE):
            raise UnsafeUpload("PDFs with scripts or launch actions are refused.")
    else:
        root_tag = str(parse_xml(content).tag)
        if xml_roots is not None and root_tag not in xml_roots:
            raise UnsupportedUpload(f"Unexpected XML document {root_tag}.")
    return CheckedUpload(
        kind=kind,
        content=content,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        xml_root=root_tag,
    )


async def read_upload(upload: UploadFile, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read a multipart file, stopping as soon as it exceeds the limit (never all in memory first)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise UploadTooLarge(f"The limit is {max_bytes} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)
