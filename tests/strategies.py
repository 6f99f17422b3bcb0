"""Hypothesis strategies for hostile input: strings, numbers, dates, form data and import files."""

import csv
import datetime
import io
import re
import zipfile

from hypothesis import strategies as st
from openpyxl import Workbook

# What an XML file (so an .xlsx) cannot hold: openpyxl refuses to write it.
XML_ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Anything a browser can send: every character except lone surrogates (UTF-8 cannot encode them).
CHARACTERS = st.characters(exclude_categories=("Cs",))

HOSTILE_STRINGS = [
    "", " ", "  \t\n  ", "\x00", "a\x00b", "\x00" * 3, "note\x00", "\x01\x02\x0b\x0c\x1b\x7f", "tab\there\x08",
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</textarea><script>alert(1)</script>",
    "<b>vet</b> & &amp; &lt;", "{{ 7*7 }}", "{% debug %}", "${7*7}", "javascript:alert(1)",
    "'; DROP TABLE accounts_user;--", "' OR '1'='1", "1; SELECT pg_sleep(10)--", "%' OR 1=1 --", "_%", "\\",
    "%s %(x)s {0} {} %d %n", "%(name)s", "{name}", "%",
    "\u202eevil\u202c", "\u200f\u200e\u200b\u2060\ufeff", "👩‍👩‍👧‍👦🇧🇪", "e\u0301\u0301\u0301", "Z\u0336\u0337\u0338",
    "\ufffe\uffff", "ß", "İstanbul", "ﬁ", "Ω", "\u00a0", "\u2028\u2029", "\r\n\r\n", "\r", "ä" * 7,
    '=HYPERLINK("http://x")', "=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "'=1", "'", '"', '""', "a,b;c\td",
    "../../etc/passwd", "C:\\Windows\\system32", "null", "None", "NULL", "undefined", "true", "false", "NaN",
    "ja", "nee", "yes", "no", "Yes", "TRUE", "on", "1", "0",
]
NUMBER_STRINGS = [
    "0", "-0", "-1", "1", "32767", "32768", "65535", "2147483647", "2147483648", "-2147483649",
    "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1000000", "1000001", "9" * 40,
    "9" * 5000, "1e309", "-1e309", "inf", "-inf", "NaN", "1.5", "1,5", "0x10", "1_000", "١٢٣", "²", "+5", " 7 ",
]
DATE_STRINGS = [
    "2020-02-30", "2020-02-29", "2021-02-29", "31/12/2020", "12/31/2020", "0000-00-00", "0001-01-01", "9999-12-31",
    "10000-01-01", "2020-13-01", "20200101", "-2020-01-01", "2020-1-1", "1 januari 2020", "2020-01-01T00:00",
    "  2020-05-05  ", "01/01/0001", "31/12/9999", "32/01/2020", "2020-05-05\x00",
]


def text(max_size: int = 30) -> st.SearchStrategy[str]:
    return st.text(CHARACTERS, max_size=max_size)


def long_text() -> st.SearchStrategy[str]:
    """Strings of 100 to 10 000 characters (often just around a field's limit), built by repeating a short piece."""
    lengths = st.one_of(
        st.sampled_from([149, 150, 151, 199, 200, 201, 254, 255, 499, 500, 501, 3999, 4000, 4001, 10_000]),
        st.integers(100, 10_000),
    )
    return st.builds(lambda piece, n: (piece * n)[:n], st.text(CHARACTERS, min_size=1, max_size=5), lengths)


def numbers() -> st.SearchStrategy[str]:
    """Integers and floats as strings: huge, negative, out of every database range, or not quite numbers."""
    return st.one_of(
        st.sampled_from(NUMBER_STRINGS),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.floats().map(str),
    )


def dates() -> st.SearchStrategy[str]:
    """Dates as ISO or Belgian text, and odd or impossible ones."""
    return st.one_of(
        st.sampled_from(DATE_STRINGS),
        st.dates().map(lambda d: d.isoformat()),
        st.dates().map(lambda d: f"{d.day:02d}/{d.month:02d}/{d.year:04d}"),
    )


def valid_dates(min_year: int = 2000, max_year: int = 2030) -> st.SearchStrategy[str]:
    """Real dates, in the ISO or the Belgian way of writing them."""
    days = st.dates(datetime.date(min_year, 1, 1), datetime.date(max_year, 12, 31))
    return st.one_of(days.map(lambda d: d.isoformat()), days.map(lambda d: d.strftime("%d/%m/%Y")))


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(HOSTILE_STRINGS), text(), long_text(), numbers(), dates())


def stored_text(plain: str | None = None) -> st.SearchStrategy[str]:
    """Hostile text a form may well accept: no NUL, at most 200 characters (no text field's limit is lower);
    or, now and then, a plain value."""
    hostile = st.one_of(st.sampled_from(HOSTILE_STRINGS), text(), long_text()).map(
        lambda s: s.replace("\x00", "")[:200])
    return hostile if plain is None else st.one_of(st.just(plain), hostile)


def choice(values, *, blank: bool = True) -> st.SearchStrategy[str]:
    """One of the valid values (in another case now and then), or empty."""
    values = list(values) + ([""] if blank else [])
    return st.one_of(st.sampled_from(values), st.sampled_from(values).map(str.upper))


def form_data(valid, junk: st.SearchStrategy | None = None) -> st.SearchStrategy[dict]:
    """POST data: a valid form (a dict of a strategy per field, or a strategy of whole dicts for fields that
    depend on each other), then up to four changes that make it hostile.

    A change replaces a field's value with junk, leaves the field out, repeats it (several values,
    of which Django's forms take the last), or adds an unknown field. A value is a string, or a
    list of strings for a field with several values (checkboxes).
    """
    junk = junk or hostile_text()
    base = st.fixed_dictionaries(valid) if isinstance(valid, dict) else valid

    @st.composite
    def build(draw):
        data = dict(draw(base))
        names = list(data) or ["field"]
        for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3, 4]))):
            how = draw(st.sampled_from(["junk", "junk", "missing", "repeated", "extra"]))
            name = draw(st.sampled_from(names))
            if how == "junk":
                data[name] = draw(st.one_of(junk, st.lists(junk, min_size=1, max_size=3)))
            elif how == "missing":
                data.pop(name, None)
            elif how == "repeated":
                value = st.just(data[name]) if name in data else junk
                data[name] = draw(st.lists(st.one_of(value, junk), min_size=2, max_size=3).map(_flatten))
            else:
                data[draw(st.text(CHARACTERS, min_size=1, max_size=20))] = draw(junk)
        return data

    return build()


def _flatten(values: list) -> list[str]:
    flat = []
    for value in values:
        flat.extend(value if isinstance(value, list) else [value])
    return flat


# Files --------------------------------------------------------------------------------------------------------


def header(columns: list[str], *, clean: bool = False) -> st.SearchStrategy[list[str]]:
    """The file's header: the real columns (in order or not), or with one dropped, doubled, renamed or added."""

    @st.composite
    def build(draw):
        names = list(columns)
        how = "exact" if clean else draw(st.sampled_from(["exact", "shuffled", "case", "mutated"]))
        if how == "shuffled":
            names = draw(st.permutations(names))
        elif how == "case":
            names = [draw(st.sampled_from([n, n.upper(), f" {n} "])) for n in names]
        elif how == "mutated":
            for _ in range(draw(st.integers(1, 3))):
                change = draw(st.sampled_from(["drop", "double", "junk", "empty"]))
                index = draw(st.integers(0, max(len(names) - 1, 0)))
                if change == "drop" and names:
                    del names[index]
                elif change == "double" and names:
                    names.insert(index, names[index])
                elif change == "junk":
                    names.insert(index, draw(hostile_text()))
                else:
                    names.insert(index, "")
        if draw(st.booleans()):
            names += [""] * draw(st.integers(1, 2))  # empty trailing columns, as spreadsheets leave them
        return names

    return build()


def rows(columns: list[str], valid_row: st.SearchStrategy[dict], *, clean: bool = False, nul: bool = False):
    """Data rows under these column names: a valid row's cells, unless clean with a few of them hostile and
    some rows short, long or empty. A clean file names each platform (its first column) once; with `nul`,
    a NUL character is put somewhere in one cell of each row."""

    @st.composite
    def row(draw):
        cells = draw(valid_row)
        values = [cells[name.strip().lower()] if name.strip().lower() in cells
                  else "" if clean and not name else draw(hostile_text()) for name in columns]
        if nul and values:  # as often as not in the first column, the one an import looks up (a platform's code)
            index = draw(st.one_of(st.just(0), st.integers(0, len(values) - 1)))
            at = draw(st.integers(0, len(values[index])))
            values[index] = values[index][:at] + "\x00" + values[index][at:]
        if clean:
            return values
        for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
            if values:
                values[draw(st.integers(0, len(values) - 1))] = draw(hostile_text())
        shape = draw(st.sampled_from(["full", "full", "full", "short", "long", "empty"]))
        if shape == "short":
            values = values[:draw(st.integers(0, len(values)))]
        elif shape == "long":
            values += draw(st.lists(hostile_text(), min_size=1, max_size=2))
        elif shape == "empty":
            values = [""] * len(values)
        return values

    if clean:
        return st.lists(row(), min_size=1, max_size=3, unique_by=lambda values: values[0])
    return st.lists(row(), max_size=4)


@st.composite
def csv_bytes(draw, columns: list[str], valid_row: st.SearchStrategy[dict], clean: bool | None = None,
              nul: bool = False) -> bytes:
    """A CSV file as bytes: random delimiter, quoting, line ends and encoding (BOM, UTF-16, Latin-1),
    and now and then a NUL byte, invalid UTF-8 or a cut-off end; or a clean file (the correct header, UTF-8,
    quoted cells, valid rows), half of the time unless `clean` says, with `nul` a NUL in a cell of every row."""
    clean = draw(st.booleans()) if clean is None else clean
    names = draw(header(columns, clean=clean))
    records = [names, *draw(rows(names, valid_row, clean=clean, nul=nul))]
    delimiter = draw(st.sampled_from([",", ";"] if clean else [",", ";", "\t", "|"]))
    line_end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if clean or draw(st.booleans()):
        out = io.StringIO(newline="")
        quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
        csv.writer(out, delimiter=delimiter, lineterminator=line_end, quoting=quoting).writerows(records)
        body = out.getvalue()
    else:  # no quoting at all: quotes, delimiters and line breaks inside cells break the records
        body = line_end.join(delimiter.join(record) for record in records)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig"] if clean else ["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    data = body.encode(encoding, errors="replace")
    for _ in range(0 if clean else draw(st.integers(0, 2))):
        damage = draw(st.sampled_from([b"\x00", b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\r", b'"', b"cut"]))
        at = draw(st.integers(0, len(data)))
        data = data[:at] if damage == b"cut" else data[:at] + damage + data[at:]
    return data


@st.composite
def xlsx_bytes(draw, columns: list[str], valid_row: st.SearchStrategy[dict], clean: bool | None = None) -> bytes:
    """An .xlsx file: a real workbook (clean, or with hostile cells: strings, numbers, booleans, dates),
    a damaged one, a zip that is no workbook, or random bytes."""
    hostile = ["workbook", "workbook", "damaged", "zip", "bytes"]
    kind = "clean" if clean else draw(st.sampled_from(hostile if clean is False else ["clean", "clean", *hostile]))
    if kind == "bytes":
        return draw(st.binary(max_size=2000))
    if kind == "zip":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name in draw(st.lists(st.sampled_from(["[Content_Types].xml", "xl/workbook.xml", "junk.txt"]),
                                      unique=True, max_size=3)):
                archive.writestr(name, draw(st.binary(max_size=200)))
        return out.getvalue()
    clean = kind == "clean"
    names = draw(header(columns, clean=clean))
    workbook = Workbook()
    sheet = workbook.active
    other = st.one_of(st.none(), st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False),
                      st.booleans(), st.datetimes(datetime.datetime(1900, 3, 1)),  # noqa: DTZ001 - Excel has no time zones
                      st.dates(datetime.date(1900, 3, 1)))
    for record in [names, *draw(rows(names, valid_row, clean=clean))]:
        record = [XML_ILLEGAL_CHARACTERS.sub("", v)[:32767] if isinstance(v, str) else v for v in record]
        if not clean:
            record = [draw(other) if draw(st.integers(0, 9)) == 0 else value for value in record]
        sheet.append(record)
    out = io.BytesIO()
    workbook.save(out)
    data = out.getvalue()
    if kind == "damaged":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=20)) + data[at + draw(st.integers(0, 50)):]
    return data


def upload_name() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["bestand.csv", "bestand.xlsx", "BESTAND.CSV", "bestand.XLSX", "bestand.txt", "bestand",
                         "../../bestand.csv", "bestand.csv.exe", ".csv", "rapport; rm -rf.csv"]),
        st.tuples(text(20), st.sampled_from([".csv", ".xlsx"])).map("".join),
    )
