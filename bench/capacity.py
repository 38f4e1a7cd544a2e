"""How many students one Streamlit process holds, against deploy/classroom.py --replicas 2, in one sitting.

For 30, 100 and 200 sessions in turn (or the --sessions given), each setup is started afresh on 127.0.0.1 and
driven by bench/load.py's slider sessions (no heavy user): the sessions join over the first 15 s of a 30 s
warm-up (each one's first page run imports and draws everything), then their moves are timed for --seconds; a
setup whose p95 passes 2 s is not tried with more sessions.
Prints a Markdown table, one row a run: moves timed, p50 and p95 latency, errors, sessions served, the servers'
CPU time per timed move (both counted after the warm-up), each replica's resident memory (at the end of the
warm-up, then its highest), the load client's own CPU time and the machine's load average at the end; then each
replica's memory every 10 s.

    flock /tmp/logitlab-bench.lock python3 bench/capacity.py [--seconds 60] [--sessions 10 20 30 100 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import MAX_SECONDS, MAX_SESSIONS, Results, drive
from devtools.local_app import start_classroom, start_streamlit

SESSIONS = (30, 100, 200)
WARM_UP_S = 30.0
STOP_AFTER_P95_S = 2.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def start(setup: str):
    """The server or balancer's URL, its processes by name, and a function that stops it."""
    if setup == "1 process":
        server, url = start_streamlit("app.py")
        return url, {"server": server.pid}, server.terminate
    room = start_classroom(2)
    return room.url, {name: room.replica_pid(name) for name in room.ports}, room.stop


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def client_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(latencies: list[float], cut: int) -> float:
    if len(latencies) < 2:
        return float("nan")
    return statistics.quantiles(latencies, n=100, method="inclusive")[cut - 1]


async def measure(url: str, sessions: int, seconds: float, pids: dict[str, int]) -> tuple[Results, float, float]:
    """The load's results, the servers' CPU seconds after the warm-up, and this client's CPU seconds."""
    client_before = client_cpu_seconds()

    async def servers_cpu_after_warm_up() -> float:
        await asyncio.sleep(WARM_UP_S)
        return sum(map(cpu_seconds, pids.values()))

    results, cpu_at_warm_up = await asyncio.gather(
        drive(url, sessions, WARM_UP_S + seconds, heavy=False, pids=pids, warm_up=WARM_UP_S),
        servers_cpu_after_warm_up(),
    )
    server_cpu = sum(map(cpu_seconds, pids.values())) - cpu_at_warm_up
    return results, server_cpu, client_cpu_seconds() - client_before


def row(setup: str, sessions: int, results: Results, server_cpu: float, client_cpu: float) -> str:
    moves = len(results.latencies)
    memory = "; ".join(
        f"{name} {next((rss for t, rss in samples if t >= WARM_UP_S), samples[-1][1]) / 1024:.0f}"
        f" → {max(rss for _, rss in samples) / 1024:.0f}"
        for name, samples in results.memory.items()
    )
    return (
        f"| {setup} | {sessions} | {moves} | {percentile(results.latencies, 50) * 1e3:.0f} ms"
        f" | {percentile(results.latencies, 95) * 1e3:.0f} ms | {len(results.errors)} | {results.served}"
        f" | {server_cpu / max(moves, 1) * 1e3:.0f} ms | {memory} | {client_cpu:.0f} s"
        f" | {os.getloadavg()[0]:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="timed seconds a run, after the warm-up")
    parser.add_argument("--sessions", type=int, nargs="+", default=list(SESSIONS), help="session counts, in turn")
    arguments = parser.parse_args()
    seconds = min(arguments.seconds, MAX_SECONDS - WARM_UP_S)
    print(f"{seconds:.0f} s timed a run after a {WARM_UP_S:.0f} s warm-up, {os.cpu_count()} cores\n")
    print("| setup | sessions | moves | p50 | p95 | errors | served | server CPU per move | RSS per replica (MiB)"
          " | load client CPU | load average |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    series = []
    stopped = set()
    for sessions in sorted(min(count, MAX_SESSIONS) for count in arguments.sessions):
        for setup in ("1 process", "2 replicas"):
            if setup in stopped:
                continue
            url, pids, stop = start(setup)
            try:
                results, server_cpu, client_cpu = asyncio.run(measure(url, sessions, seconds, pids))
            finally:
                stop()
            print(row(setup, sessions, results, server_cpu, client_cpu), flush=True)
            for name, samples in results.memory.items():
                every_10_s = ", ".join(f"{rss / 1024:.0f}" for t, rss in samples if round(t) % 10 == 0)
                series.append(f"{setup}, {sessions} sessions, {name}: {every_10_s}")
            if len(results.latencies) < 2 or percentile(results.latencies, 95) > STOP_AFTER_P95_S:
                stopped.add(setup)
    print("\nRSS every 10 s (MiB):")
    print("\n".join(series))


if __name__ == "__main__":
    main()
