"""CSV that a spreadsheet opens cleanly and cannot be turned against its reader.

- UTF-8 with a byte-order mark, so Excel reads names like "Begum" or "Okafor" and
  the en dash in a place name correctly; comma-separated, CRLF line ends (RFC 4180).
  A file made to a published layout (police.uk's stop-search archive) is written as
  that layout is: no byte-order mark, LF line ends.
- Formula injection: a text cell that starts with = + - @ (or a tab or carriage
  return, which some spreadsheets skip before reading a formula) is prefixed with
  a single quote, so it is shown as text and never evaluated. Numbers we produce
  (counts, coordinates such as -0.837) are written as numbers and left alone.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Iterable

from flask import Response, stream_with_context

BOM = "\ufeff"
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500


def cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float, Decimal)):  # Decimal: a fixed number of places, e.g. -0.837000
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    if text.startswith(DANGEROUS_START):
        return "'" + text
    return text


def _lines(header: Iterable[str], rows: Iterable[Iterable], bom: bool = True,
           line_end: str = "\r\n") -> Iterable[str]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=line_end)
    writer.writerow([cell(h) for h in header])
    yield (BOM if bom else "") + buf.getvalue()
    buf.seek(0)
    buf.truncate()
    for i, row in enumerate(rows, 1):
        writer.writerow([cell(v) for v in row])
        if i % CHUNK_ROWS == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def safe_filename(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    return name[:120] or "export"


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable], stream: bool = False,
                 bom: bool = True, line_end: str = "\r\n") -> Response:
    body = _lines(header, rows, bom, line_end)
    if stream:
        body = stream_with_context(body)
    else:
        body = "".join(body)
    resp = Response(body, mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}"'
    return resp
