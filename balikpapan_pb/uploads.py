"""Refuse an upload request that is too large before a byte of it is read.

Django bounds the form fields of a request (DATA_UPLOAD_MAX_MEMORY_SIZE) and the number of
files (DATA_UPLOAD_MAX_NUMBER_FILES) but not the size of the files: a request with a gigabyte
of "photos" would be streamed to a temporary file in full before any form looked at it. This
is Django's documented way to bound it (an upload handler that sees the Content-Length first);
no package does only this."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class RequestSizeLimitUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.UPLOAD_MAX_REQUEST_SIZE:
            raise RequestDataTooBig("Upload request larger than UPLOAD_MAX_REQUEST_SIZE")

    def receive_data_chunk(self, raw_data, start):
        return raw_data  # the next handlers store the file

    def file_complete(self, file_size):
        return None
