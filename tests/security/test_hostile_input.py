"""Hostile input: uploads judged by content, formula-safe CSV, strict decimals and bounded text."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from fastapi import UploadFile
from pydantic import ValidationError

from shared.csv_safety import CsvLimits, CsvRefused, LineReport, neutralise, read_csv, write_csv
from shared.security.inputs import Amount, BoundedText, PositiveAmount, StrictInput, UnitPrice
from shared.uploads import (
    UnsafeUpload,
    UnsupportedUpload,
    UploadKind,
    UploadTooLarge,
    check_upload,
    read_upload,
    sniff,
)

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CII = (
    b'<?xml version="1.0"?><rsm:CrossIndustryInvoice xmlns:rsm="urn:cii"><a>1</a></rsm:CrossIndustryInvoice>'
)


# --- uploads ------------------------------------------------------------------------------------------


def test_pdf_and_xml_are_recognised_by_their_content() -> None:
    assert sniff(PDF) is UploadKind.PDF
    assert sniff(b"\xef\xbb\xbf\n  " + CII) is UploadKind.XML
    checked = check_upload(CII, xml_roots=frozenset({"{urn:cii}CrossIndustryInvoice"}))
    assert checked.kind is UploadKind.XML and checked.xml_root == "{urn:cii}CrossIndustryInvoice"
    assert check_upload(PDF, allowed=frozenset({UploadKind.PDF})).size == len(PDF)


@pytest.mark.parametrize(
    "content",
    [b"MZ\x90\x00 a windows executable", b"PK\x03\x04 a zip named invoice.pdf", b"just text", b"\x89PNG\r\n"],
)
def test_other_content_is_415_whatever_its_name(content: bytes) -> None:
    with pytest.raises(UnsupportedUpload):
        check_upload(content)


def test_a_kind_not_allowed_is_415() -> None:
    with pytest.raises(UnsupportedUpload):
        check_upload(CII, allowed=frozenset({UploadKind.PDF}))
    with pytest.raises(UnsupportedUpload, match="Unexpected XML"):
        check_upload(b"<html><body/></html>", xml_roots=frozenset({"{urn:cii}CrossIndustryInvoice"}))


def test_size_is_limited() -> None:
    with pytest.raises(UploadTooLarge):
        check_upload(PDF, max_bytes=10)


def test_xml_external_entities_are_refused() -> None:
    xxe = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    with pytest.raises(UnsafeUpload, match="DTD"):
        check_upload(xxe)


def test_billion_laughs_is_refused() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>'
    )
    with pytest.raises(UnsafeUpload):
        check_upload(laughs)


def test_malformed_xml_is_refused() -> None:
    with pytest.raises(UnsafeUpload, match="well-formed"):
        check_upload(b"<a><b></a>")


def test_truncated_or_scripted_pdfs_are_refused() -> None:
    with pytest.raises(UnsafeUpload, match="truncated"):
        check_upload(PDF[:40])
    with pytest.raises(UnsafeUpload, match="scripts"):
        check_upload(PDF.replace(b"/Type /Catalog", b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"))


async def test_reading_an_upload_stops_at_the_limit() -> None:
    upload = UploadFile(io.BytesIO(b"x" * 200_000), filename="invoice.pdf")
    with pytest.raises(UploadTooLarge):
        await read_upload(upload, max_bytes=100_000)
    assert await read_upload(UploadFile(io.BytesIO(PDF)), max_bytes=1000) == PDF


# --- CSV ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+33 3 20 00 00 00", "'+33 3 20 00 00 00"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Mairie de Lille", "Mairie de Lille"),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised(text: str, safe: str) -> None:
    assert neutralise(text) == safe


def test_an_export_neutralises_text_but_keeps_numbers() -> None:
    data = write_csv(
        ["member", "amount", "count"], [["=cmd|' /C calc'!A0", Decimal("-12.50"), -3], ["Lille", None, 0]]
    )
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["member", "amount", "count"],
        ["'=cmd|' /C calc'!A0", "-12.50", "-3"],
        ["Lille", "", "0"],
    ]


def test_a_csv_import_reports_each_bad_line() -> None:
    data = "siren;name\n200041762;Lille\n123;\n\n200041763;Roubaix;extra\n200041764;" + "x" * 20 + "\n"
    report = LineReport()
    lines = list(
        read_csv(
            data.encode(), required_columns=["siren"], limits=CsvLimits(max_cell_chars=10), report=report
        )
    )
    assert [(line.number, line.values["siren"]) for line in lines] == [(2, "200041762"), (3, "123")]
    for line in lines:
        if len(line.values["siren"]) == 9:
            report.ok(line.number)
        else:
            report.error(line.number, "9 digits expected", column="siren")
    assert report.as_dict() == {
        "accepted": 1,
        "rejected": 3,
        "errors": [
            {"line": 3, "column": "siren", "reason": "9 digits expected"},
            {"line": 5, "column": "", "reason": "3 columns instead of 2"},
            {"line": 6, "column": "name", "reason": "longer than 10 characters"},
        ],
    }


@pytest.mark.parametrize(
    ("data", "limits", "message"),
    [
        (b"a;b\n" + b"1;2\n" * 20, CsvLimits(max_rows=10), "more than 10 lines"),
        (b"a;b\n1;2\n", CsvLimits(max_bytes=4), "exceeds 4 bytes"),
        (b"a;b\n\x001;2\n", CsvLimits(), "NUL"),
        (b"a;b\n\xe9t\xe9;2\n", CsvLimits(), "not UTF-8"),
        (b"", CsvLimits(), "empty"),
        (b"a;a\n1;2\n", CsvLimits(), "repeats"),
        (b'a;b\n"open;2\n3;4', CsvLimits(), "Line"),
    ],
)
def test_a_hostile_csv_file_is_refused_whole(data: bytes, limits: CsvLimits, message: str) -> None:
    with pytest.raises(CsvRefused, match=message):
        list(read_csv(data, limits=limits))


def test_required_columns_are_checked() -> None:
    with pytest.raises(CsvRefused, match="Missing columns: siren"):
        list(read_csv(b"name\nLille\n", required_columns=["siren"]))


# --- strict inputs ------------------------------------------------------------------------------------


class InvoiceLineIn(StrictInput):
    label: BoundedText(50)
    unit_price: UnitPrice
    total: Amount
    paid: PositiveAmount = Decimal("0")


def line(**changes) -> dict:
    return {"label": "Licence ENT", "unit_price": "12.3456", "total": "-5617.30", **changes}


def test_decimal_strings_are_exact_and_serialised_as_strings() -> None:
    parsed = InvoiceLineIn.model_validate(line(paid=12))
    assert parsed.unit_price == Decimal("12.3456") and parsed.paid == Decimal("12")
    assert parsed.model_dump(mode="json")["total"] == "-5617.30"
    # A value echoed at a finer scale with zeros only is the same amount; a real third decimal is not.
    assert InvoiceLineIn.model_validate(line(total="5.1000")).total == Decimal("5.1")


@pytest.mark.parametrize(
    "changes",
    [
        {"total": 12.5},  # a binary float
        {"total": "12.345"},  # too many decimals
        {"total": "1e3"},
        {"total": "NaN"},
        {"total": "Infinity"},
        {"total": "123456789012345.00"},  # too many digits
        {"total": "1" * 10_000},
        {"total": True},
        {"paid": "-1.00"},  # below the bound
        {"unit_price": ""},
        {"label": "x" * 51},
        {"label": "a\x00b"},
        {"label": "two\nlines"},
        {"unknown": "field"},
    ],
)
def test_hostile_values_are_refused(changes: dict) -> None:
    with pytest.raises(ValidationError):
        InvoiceLineIn.model_validate(line(**changes))


def test_decimals_are_documented_as_strings() -> None:
    schema = InvoiceLineIn.model_json_schema()["properties"]
    assert schema["total"]["type"] == "string"
    assert schema["total"]["pattern"] == r"^-?\d{1,12}(\.\d{1,2}0{0,6})?$"  # trailing zeros tolerated
    assert schema["paid"]["pattern"].startswith("^\\d")
    assert schema["label"]["maxLength"] == 50
