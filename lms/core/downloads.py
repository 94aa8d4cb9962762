"""Serving a stored file (a certificate PDF, a ZIP) as a download."""

from django.http import FileResponse, Http404


def attachment(field_file, filename, content_type):
    """The file as an attachment; a 404 when there is none, or it is gone from the storage."""
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
