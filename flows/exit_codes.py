"""The exit codes of ``xxgk``, one meaning each, so a scheduler or a script can branch on them."""

from __future__ import annotations

OK = 0  # the command did what was asked
FAILED = 1  # the run failed (reason printed): crash, full disk, a document that cannot be parsed
USAGE = 2  # a usage or configuration mistake: bad option, missing/invalid sites file, unknown site
SITE_PROBLEM = 3  # the run finished and published, but a site is broken, incomplete or failed
NOTHING_TO_DO = 4  # empty input: no enabled site, an empty sites file, nothing in the archive

HELP = (
    "Exit codes: 0 ok; 1 the run failed; 2 usage error (bad option, sites file, unknown site, "
    "unwritable dir); 3 a site broken, incomplete or failed (everything else was published); "
    "4 nothing to do (empty sites file or archive)."
)


class UserError(Exception):
    """A mistake found before any work started: one line for the operator and its exit code."""

    def __init__(self, message: str, code: int = USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
