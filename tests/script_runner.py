"""Running generated 'Copy as PyTorch' scripts in a fresh interpreter and reading back their lines."""

import subprocess
import sys


def run_scripts(scripts: dict[str, str]) -> dict[str, dict[str, str]]:
    """Run each script in one fresh interpreter (one torch import); per script, its 'name = value' lines."""
    program = "\n".join(f"print('### {name}')\nexec({code!r}, {{}})" for name, code in scripts.items())
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=180)
    assert completed.returncode == 0, completed.stderr[-2000:]
    printed: dict[str, dict[str, str]] = {}
    for block in completed.stdout.split("### ")[1:]:
        name, *lines = block.strip().splitlines()
        printed[name] = dict(line.split(" = ", 1) for line in lines)
    return printed
