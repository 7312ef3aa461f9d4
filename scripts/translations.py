"""Refresh the kiosk's translations: pyside6-lupdate collects every marked text of the
customer-facing sources into resources/i18n/smartcart_hi.ts (keeping the translations already
there), then pyside6-lrelease compiles it to smartcart_hi.qm, which the window loads.

    .venv/bin/python scripts/translations.py          # update the .ts, compile the .qm
    .venv/bin/python scripts/translations.py --check  # fail if a text has no Hindi translation

After an update, translate the entries Qt Linguist (pyside6-linguist) shows as unfinished, then
run it again to compile. The admin window and the tester panel are for staff and stay English:
their sources are not collected.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "smartcart_desktop"
TS = ROOT / "resources" / "i18n" / "smartcart_hi.ts"
QM = TS.with_suffix(".qm")
BIN = Path(sys.executable).parent


def sources() -> list[Path]:
    """What the customer reads: the checkout's screens, prompts, status bar and their texts."""
    found = [*sorted((PACKAGE / "ui").rglob("*.py")), PACKAGE / "checkout" / "messages.py",
             PACKAGE / "checkout" / "payment_methods.py"]
    return [path for path in found if path.name != "__init__.py"]


def unfinished(ts: Path = TS) -> list[str]:
    """The source texts in `ts` without a finished translation."""
    missing = []
    for message in ET.parse(ts).getroot().iter("message"):
        translation = message.find("translation")
        kind = translation.get("type") if translation is not None else "unfinished"
        if kind in ("vanished", "obsolete"):
            continue  # no longer in the sources
        if translation is None or kind == "unfinished" or not (translation.text or "").strip():
            missing.append(message.findtext("source") or "")
    return missing


def collect(ts: Path = TS) -> None:
    """lupdate: the sources' marked texts into `ts`, keeping its translations."""
    relative = [str(path.relative_to(ROOT)) for path in sources()]
    subprocess.run([str(BIN / "pyside6-lupdate"), *relative, "-no-obsolete", "-locations", "none", "-silent",
                    "-target-language", "hi_IN", "-ts", str(ts)], cwd=ROOT, check=True)


def compile_qm(ts: Path = TS, qm: Path = QM) -> None:
    subprocess.run([str(BIN / "pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], cwd=ROOT, check=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report texts without a translation")
    args = parser.parse_args(argv)
    if not args.check:
        collect()
        compile_qm()
    missing = unfinished()
    for text in missing:
        print(f"untranslated: {text!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
