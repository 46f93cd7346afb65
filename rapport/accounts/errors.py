from rapport.core.errors import ApplicationError


class InvalidCredentials(ApplicationError):
    status = 401
    code = "invalid_credentials"


class LockedOut(ApplicationError):
    status = 429
    code = "locked_out"


class SecondFactorRequired(ApplicationError):
    status = 401
    code = "second_factor_required"
