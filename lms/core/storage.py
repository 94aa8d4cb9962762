"""The private storage: files that are never served by the web server (uploaded lists of
officials, signed certificates, ZIPs and exports), only handed to those allowed through a view."""


def private_storage():
    """``STORAGES["private"]``, looked up when a file field needs it (a callable, so that tests and
    settings may change it and migrations do not freeze a path)."""
    from django.core.files.storage import storages

    return storages["private"]
