"""Small files only this user may read (the offline key, the PIN's hash, the clock's state),
written so that a crash or a second process starting at the same moment never leaves a
half-written one: the data goes to a temporary file, is synced, then moved into place."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_private(path: Path, data: bytes, *, replace: bool) -> bool:
    """Put `data` in `path` (0600, its directory 0700 when created), durably.

    `replace`: whatever is there is replaced. Otherwise the file is created only if there is
    none: processes racing to create it all agree on the first one's, and False says this
    call was not first (nothing was written)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                return False
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_directory(path.parent)
    return True


def _fsync_directory(directory: Path) -> None:
    # The new name is durable only once its directory is.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
