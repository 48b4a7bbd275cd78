"""The official EN 16931 validation artefacts (CEN schematron compiled to XSLT), run with saxonche.

The stylesheets are copied, unmodified and with their EUPL licence and provenance, into
`validation_artefacts/en16931/` beside this module, so the tests do not depend on where the
repository is cloned (`../shared/validation/en16931` is the reference copy they come from). Each
stylesheet is compiled once per test session (it takes a moment).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from saxonche import PySaxonProcessor

ARTEFACTS = Path(__file__).resolve().parent / "validation_artefacts" / "en16931"
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


@dataclass(frozen=True)
class Finding:
    id: str
    flag: str
    location: str
    text: str


@functools.cache
def _processor() -> PySaxonProcessor:
    return PySaxonProcessor(license=False)


@functools.cache
def _stylesheet(syntax: str):
    path = ARTEFACTS / f"EN16931-{syntax}-validation.xslt"
    if not path.exists():
        raise FileNotFoundError(f"EN 16931 artefacts not found at {path}")
    return _processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(path))


def svrl(xml: bytes, syntax: str) -> bytes:
    """The SVRL report of the official rules for `syntax` ("CII" or "UBL")."""
    document = _processor().parse_xml(xml_text=xml.decode("utf-8"))
    return _stylesheet(syntax).transform_to_string(xdm_node=document).encode("utf-8")


def failed_asserts(xml: bytes, syntax: str) -> list[Finding]:
    report = etree.fromstring(svrl(xml, syntax))
    return [
        Finding(
            id=node.get("id", ""),
            flag=node.get("flag", ""),
            location=node.get("location", ""),
            text=" ".join("".join(node.itertext()).split()),
        )
        for node in report.iterfind("svrl:failed-assert", SVRL)
    ]


def fatal_findings(xml: bytes, syntax: str) -> list[Finding]:
    return [finding for finding in failed_asserts(xml, syntax) if finding.flag == "fatal"]


def compile_once(syntax: str) -> None:
    """Compile the stylesheet now (e.g. before a benchmark's clock starts)."""
    _stylesheet(syntax)
