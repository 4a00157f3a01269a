"""Keeps Python library warnings (deprecations of an API a dependency changed, a newer
library's FutureWarning, ...) off the terminal of someone running `brygge`: they are for
Brygge's developers, who fix the call site, not for its users, who can do nothing about
them. Importing this module installs the filter; the CLI imports it before any library.

A developer who asks for warnings gets them: `python -W ...`, PYTHONWARNINGS or
BRYGGE_DEBUG=1 leave the filters alone. The node's child processes (storage, executors,
control plane, router) are not affected: what they print goes to their log files.
"""

from __future__ import annotations

import os
import sys
import warnings


def install() -> None:
    if sys.warnoptions or os.environ.get("BRYGGE_DEBUG") == "1":
        return
    warnings.simplefilter("ignore")


install()
