"""User-facing errors.

Every problem a user can fix (a bad config, a wrong grid shape, a missing or corrupt file)
is raised as a :class:`LatentGAError` whose message names the problem *and* the fix. The CLI
prints that message alone (no traceback) and exits with status 2.
"""

__all__ = [
    "LatentGAError",
    "ConfigError",
    "LandscapeError",
    "LayoutError",
    "ModelFileError",
    "DatasetError",
    "CheckpointError",
    "OutputError",
]


class LatentGAError(Exception):
    """A problem the user can fix; the message says what is wrong and how to fix it."""


class ConfigError(LatentGAError, ValueError):
    """A YAML config or a command-line option is malformed or names something unknown."""


class LandscapeError(LatentGAError, ValueError):
    """A landscape (Cell2Fire instance folder, raster, weather or ignition file) is unusable."""


class LayoutError(LatentGAError, ValueError):
    """A firebreak layout has the wrong shape, dtype or firebreak count."""


class ModelFileError(LatentGAError, OSError):
    """A model file is missing, truncated, corrupt or does not match the expected settings."""


class DatasetError(LatentGAError, OSError):
    """A dataset file is missing, corrupt or was built with other settings."""


class CheckpointError(LatentGAError, OSError):
    """A GA checkpoint is missing, corrupt or belongs to another config."""


class OutputError(LatentGAError, OSError):
    """An output path cannot be written (a file where a folder must be, no permission) or a
    results folder belongs to another run."""
