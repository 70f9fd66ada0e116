"""Decoding a text file as a student's spreadsheet wrote it: UTF-8 (with or without BOM) or Windows-1252,
with a clear error for a workbook, UTF-16, binary content or a file that changes encoding midway."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from villenum.errors import InputError, problem

ENCODINGS = ("utf-8-sig", "cp1252")
TEXT_ALLOWED = "UTF-8 or Windows-1252 CSV text (in Excel: 'Save as' > 'CSV UTF-8 (comma delimited)')"
_SIGNATURES = {
    b"PK\x03\x04": "a zip archive: an Excel .xlsx or LibreOffice .ods workbook saved under a .csv name?",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook",
    b"%PDF": "a PDF document",
    b"{\\rtf": "an RTF document",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))  # what bytes.translate deletes


def _looks_utf16(raw: bytes) -> bool:
    """True if the bytes start with a UTF-16 byte-order mark or alternate NULs like UTF-16 text."""
    head = raw[:400]
    return raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(head) >= 4 and max(head[0::2].count(0), head[1::2].count(0)) > len(head) // 4)


def decode_bytes(raw: bytes, file: str | Path) -> str:
    """Decode UTF-8 (with or without BOM) or else Windows-1252; fail naming the file otherwise."""
    return _decode(raw, file)[0]


def _decode(raw: bytes, file: str | Path) -> tuple[str, str]:
    """`decode_bytes`, also returning the encoding that worked."""
    for signature, what in _SIGNATURES.items():
        if raw.startswith(signature):
            raise InputError([problem(file, f"not a CSV text file: it looks like {what}", allowed=TEXT_ALLOWED)])
    if _looks_utf16(raw):
        raise InputError([problem(file, "the file is UTF-16 text (Excel 'Unicode text'), not UTF-8 or Windows-1252",
                                  allowed=TEXT_ALLOWED)])
    text, encoding = None, ""
    for enc in ENCODINGS:
        try:
            text, encoding = raw.decode(enc), enc
            break
        except UnicodeDecodeError as err:
            if enc == "utf-8-sig":
                _check_mixed_encoding(raw, file, err.start)
            continue
    if text is None:
        raise InputError([problem(file, "cannot decode the file as text", allowed=TEXT_ALLOWED)])
    # control characters are ASCII bytes in both encodings: look in the text only if the bytes have some
    bad = _CONTROL.search(text) if raw.translate(None, _NOT_CONTROL) else None
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise InputError([problem(file, f"binary content (control character U+{ord(bad.group()):04X}): not CSV text",
                                  row=line, allowed=TEXT_ALLOWED)])
    return text, encoding


def _check_mixed_encoding(raw: bytes, file: str | Path, start: int) -> None:
    """Fail, citing the line, if the bytes are UTF-8 (a BOM or multi-byte characters) up to byte `start`, the
    first that is not UTF-8.

    Such a file was pasted together from a UTF-8 and a Windows-1252 file: read as Windows-1252 it would turn
    every accent of the UTF-8 part into two wrong letters, so it is reported where the encoding changes.
    """
    if raw.startswith(codecs.BOM_UTF8):
        start += len(codecs.BOM_UTF8)  # utf-8-sig counts positions after its BOM
    head = raw[:start]
    if not (head.startswith(codecs.BOM_UTF8) or not head.isascii()):
        return  # nothing says UTF-8 before the bad byte: a Windows-1252 file
    line = head.count(b"\n") + 1
    begin = head.rfind(b"\n") + 1
    end = raw.find(b"\n", start)
    value = raw[begin:end if end >= 0 else len(raw)].decode("cp1252", errors="replace").rstrip("\r")
    message = (f"the file is UTF-8 up to this line, where byte 0x{raw[start]:02X} is not UTF-8: this part was saved "
               "as Windows-1252 (pasted from another file?); save the whole file again as CSV UTF-8")
    raise InputError([problem(file, message, row=line, value=value, allowed=TEXT_ALLOWED)])
