"""Source lines PySide6 has read, which linecache would keep for good.

shiboken6 replaces `__import__`: every Python module imported after PySide6 has its whole source
read (inspect.getsource, to see whether it asks for `from __feature__ import …`), and linecache
keeps the lines of each file for the life of the process: some 600 files and 26 MB of small
strings once the backend is imported. Nothing needs them kept: a traceback reads the lines it
shows from disk again. So while the app runs, linecache keeps no lines of files on disk; source
it alone holds (code made at run time, registered with no file time) is kept, because it cannot
be read again.
"""

from __future__ import annotations

import linecache
from collections.abc import Callable
from typing import Any


def _on_disk(entry: tuple[Any, ...]) -> bool:
    # (size, mtime, lines, fullname) read from a file; a lazy (getter,) or a runtime entry has no mtime
    return len(entry) == 4 and entry[1] is not None


class _RuntimeLinesOnly(dict[str, tuple[Any, ...]]):
    def __setitem__(self, name: str, entry: tuple[Any, ...]) -> None:
        if not _on_disk(entry):  # linecache hands the lines it read back to its caller anyway
            super().__setitem__(name, entry)


def keep_no_file_lines() -> Callable[[], None]:
    """From now on linecache keeps no file's lines (those kept so far are dropped); the callable
    returned puts the plain cache back."""
    before = linecache.cache
    linecache.cache = _RuntimeLinesOnly({k: v for k, v in before.items() if not _on_disk(v)})

    def restore() -> None:
        linecache.cache = dict(linecache.cache)

    return restore
