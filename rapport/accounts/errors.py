from rapport.core.errors import ApplicationError


class InvalidCredentials(ApplicationError):
    status = 401
    code = "invalid_credentials"


LOCKED_OUT_MESSAGE = "Too many failed attempts. Try again in 15 minutes."


class LockedOut(ApplicationError):
    status = 429
    code = "locked_out"


class SecondFactorRequired(ApplicationError):
    status = 401
    code = "second_factor_required"
