"""What the kiosk keeps resident: big libraries that only some runs need stay out of the backend's
imports (issue 16's RSS bar). Each is loaded where it is used: alembic in the migration's child
process, cryptography at the first offline seal."""

from __future__ import annotations

import subprocess
import sys


def test_the_backend_imports_neither_cryptography_nor_alembic():
    program = (
        "import sys, backend.app, backend.offline.sealing; "
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('alembic', 'cryptography'))}))"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
