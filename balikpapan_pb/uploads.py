"""Refuse an upload request that is too large before a byte of it is read.

Django bounds the form fields of a request (DATA_UPLOAD_MAX_MEMORY_SIZE) and the number of
files (DATA_UPLOAD_MAX_NUMBER_FILES) but not the size of the files: a request with a gigabyte
of "photos" would be streamed to a temporary file in full before any form looked at it. This
is Django's documented way to bound it (an upload handler that sees the Content-Length first);
no package does only this.

A page may take more (UPLOAD_MAX_REQUEST_SIZE_BY_VIEW: the admin's census file), but only from
someone its permission allows: anyone else posting there meets the site's bound. The view is
resolved, and the user known, before CsrfViewMiddleware reads the body."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


def _declared_limit(request) -> tuple[int, str] | None:
    match = getattr(request, "resolver_match", None)
    return settings.UPLOAD_MAX_REQUEST_SIZE_BY_VIEW.get(match.view_name) if match is not None else None


FORM_OVERHEAD = 1024 * 1024  # the multipart envelope and the other fields around the one file


def view_upload_limit(request) -> int | None:
    """The larger bound of the requested page's file, or None when it has none."""
    declared = _declared_limit(request)
    return declared[0] if declared else None


def request_upload_limit(request) -> int:
    declared = _declared_limit(request)
    if declared is not None:
        max_bytes, permission = declared
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.has_perm(permission):
            return max_bytes + FORM_OVERHEAD
    return settings.UPLOAD_MAX_REQUEST_SIZE


class RequestSizeLimitUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > request_upload_limit(self.request):
            raise RequestDataTooBig("Upload request larger than UPLOAD_MAX_REQUEST_SIZE")

    def receive_data_chunk(self, raw_data, start):
        return raw_data  # the next handlers store the file

    def file_complete(self, file_size):
        return None
