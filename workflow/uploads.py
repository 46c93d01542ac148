"""Refuse an oversized upload before it is read into memory or onto disk.

Django would stream a 10 GB body to a temporary file before any form could
say "too large"; this handler stops at the limit and marks the request so that
the view shows a field error (see offers.forms.AttachmentForm).
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class LimitedUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    @property
    def limit(self) -> int:
        return settings.POZYTEK_MAX_UPLOAD_BYTES

    def _refuse(self):
        if self.request is not None:
            self.request.upload_too_large = True
        raise StopUpload(connection_reset=True)

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Not refused here: StopUpload raised from handle_raw_input escapes Django's multipart
        # parser (a 500, before even the CSRF token is read). The small fields in front of the
        # file are parsed, and receive_data_chunk stops the upload as soon as it passes the limit.
        return None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None
