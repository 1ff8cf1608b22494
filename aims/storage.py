"""Files through Django's ``STORAGES``: the local filesystem by default, an S3-compatible
object store when configured (``aims.settings._file_storage``). Nothing here knows which: the
code reads and writes through the storage API (never ``.path``), and serves a download
through ``file_download`` *after* the view's permission check: streamed from a local disk, or
as a redirect to a presigned URL that expires within a minute when the files are in a bucket
(the bytes then never pass through the web process).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect

#: What a browser gets with a download: never rendered inline, never sniffed.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def presigns(storage: Any) -> bool:
    """Whether ``storage`` hands out signed URLs of its own (an object store) rather than
    serving files from a local disk."""
    return not isinstance(storage, FileSystemStorage) and hasattr(storage, "bucket_name")


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or "download"
    ascii_name = ascii_name.replace('"', "").replace("\\", "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def file_download(file: FieldFile, *, filename: str, content_type: str = "") -> HttpResponse:
    """A download of a stored file, for a caller that checked the user may have it: a
    streamed attachment from a local disk, or a redirect to a short-lived presigned URL of
    the object store (with the same attachment name and type)."""
    if not file or not file.name:
        raise Http404
    storage: Any = file.storage  # an S3 storage's ``url`` takes ``parameters``
    if presigns(storage):
        parameters = {"ResponseContentDisposition": _disposition(filename)}
        if content_type:
            parameters["ResponseContentType"] = content_type
        response: HttpResponse = HttpResponseRedirect(storage.url(file.name, parameters=parameters))
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
    kwargs: dict[str, Any] = {"as_attachment": True, "filename": filename}
    if content_type:
        kwargs["content_type"] = content_type
    response = FileResponse(storage.open(file.name, "rb"), **kwargs)  # type: ignore[assignment]
    for name, value in DOWNLOAD_HEADERS.items():
        response[name] = value
    return response
