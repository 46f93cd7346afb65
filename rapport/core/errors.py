"""One error family for the whole product; the API and the pages map it to a status and a message."""


class ApplicationError(Exception):
    """A failure a user or another system can cause and should be told about plainly."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class ValidationFailed(ApplicationError):
    status = 400
    code = "invalid"


class NotFound(ApplicationError):
    """Raised when a record does not exist *or* the asking user may not see it (never 403)."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = "Not found.", **kwargs):
        super().__init__(message, **kwargs)


class Conflict(ApplicationError):
    status = 409
    code = "conflict"


class PermissionDenied(ApplicationError):
    """For actions on things the user can see but may not change."""

    status = 403
    code = "forbidden"
