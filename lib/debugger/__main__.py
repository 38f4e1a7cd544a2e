"""``python3 -m lib.debugger SCRIPT.py [--json]``: the debugger's engine from a terminal.

Exit status 0 whenever the script could be analysed (agreeing or not); 2 with a one-line reason on stderr for a
script that is refused or cannot run.
"""

from __future__ import annotations

import argparse
import json
import sys

from lib.debugger.explain import analyse, shown
from lib.debugger.interpreter import Refused


def read_script(path: str) -> str:
    """The file as UTF-8 text, or :class:`Refused` saying why not."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(4 * 1024 * 1024 + 1)
    except OSError as error:
        raise Refused(None, f"cannot read {path}: {error.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refused(None, f"the script is not UTF-8 text (byte 0x{data[error.start]:02x} at {error.start})") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m lib.debugger", description=__doc__.splitlines()[0])
    parser.add_argument("script", help="a PyTorch script that assigns the two numbers to compare to a and b")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    options = parser.parse_args(argv)
    try:
        analysis = analyse(read_script(options.script))
    except Refused as refusal:
        print(f"refused: {refusal}", file=sys.stderr)
        return 2
    if options.json:
        print(json.dumps(analysis.as_json()))
        return 0
    print(f"a = {shown(analysis.run.a)}")
    print(f"b = {shown(analysis.run.b)}")
    print("agree" if analysis.agree else "disagree")
    print(analysis.cause)
    if analysis.fix:
        print(f"fix ({analysis.fix.call}): {analysis.fix.code}")
        print(f"  gives {analysis.fix.value:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
