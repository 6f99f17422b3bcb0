"""Files for the import bomb tests (test_import_bombs.py, test_hostile_input.py): workbooks, one a zip bomb."""

import io
import zipfile

from openpyxl import Workbook

BOMB_TEXT = "a" * 5_000_000  # 5 MB once unpacked, a few KB packed: a zip bomb in miniature


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    """A workbook of these sheets; a cell BOMB_TEXT is written whole (openpyxl itself cuts a text at 32,767)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(["BOMB" if cell == BOMB_TEXT else cell for cell in row])
    out = io.BytesIO()
    workbook.save(out)
    if not any(cell == BOMB_TEXT for rows in sheets.values() for row in rows for cell in row):
        return out.getvalue()
    bomb = io.BytesIO()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for part in source.infolist():
            content = source.read(part.filename)
            if part.filename.startswith("xl/"):
                content = content.replace(b">BOMB<", f">{BOMB_TEXT}<".encode())
            target.writestr(part.filename, content)
    return bomb.getvalue()
