"""The error a tool reports in one line: a config value that contradicts
the data or the model."""


class ConfigError(ValueError):
    """A config value that contradicts the data or the model (e.g. N too
    small for the training identities): the tools print it and exit 1,
    without a traceback."""
