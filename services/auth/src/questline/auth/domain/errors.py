class AuthError(Exception):
    """A refusal the caller can act on."""


class InvalidAccount(AuthError):
    """A username or password that cannot be registered."""


class SignInRefused(AuthError):
    """Wrong username or password, or too many attempts: one message for all, so that
    nobody learns which accounts exist."""
