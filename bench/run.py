"""Every benchmark, one after the other, each in a fresh interpreter: python3 bench/run.py"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in ("engine.py", "latency.py"):
    print(f"== {script}", flush=True)
    subprocess.run([sys.executable, str(HERE / script)], check=True)
