"""The one error type the domain raises for input a person typed."""


class InputError(ValueError):
    """Input that cannot be used as it is; `message` says what is expected, in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
