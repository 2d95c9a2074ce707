"""Expected, user-facing errors.

Every problem that a user can cause (bad config, malformed input file, unknown model
name, missing JASPAR ID) raises :class:`MotifrepError` with a one-line message that says
what is wrong and where. Entry points turn it into that one line on stderr and a
non-zero exit, never a traceback.
"""


class MotifrepError(Exception):
    """An expected error caused by input or configuration, reported as one line."""


class ConfigError(MotifrepError):
    """The workflow configuration is invalid."""


class FormatError(MotifrepError):
    """An input file (MEME, FASTA, BED, HDF5) is malformed."""
