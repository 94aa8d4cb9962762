"""Cells written to CSV/XLSX for spreadsheets: neutralise anything a spreadsheet would execute."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Prefix a quote to text that a spreadsheet would read as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def sheet_cell(value):
    """A cell for a spreadsheet file (XLSX, or a CSV opened in one): text without the control
    characters that XML cannot carry (checked cheaply first: almost all text is printable), and
    never read as a formula. Other values as they are."""
    if isinstance(value, str) and not value.isprintable():
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return safe_cell(value)
