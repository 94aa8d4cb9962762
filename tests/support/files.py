"""Files made in the test, as an upload or a browser would send them."""

import io


def workbook_bytes(workbook):
    """An openpyxl workbook as the bytes of its ``.xlsx`` file."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
