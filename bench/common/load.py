"""Load generation (wrk with a Lua script, or a Python fallback) and measured endpoints."""

from __future__ import annotations

import http.client
import math
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import SEED, WRK
from .server import Server, cpu_snapshot, other_cpu_since, wait_for_quiet


@dataclass
class Load:
    """One bounded load run's settings."""

    threads: int = 2
    connections: int = 16
    seconds: int = 10
    warmup: int = 3
    timeout: str = "5s"
    quiet_wait: float = 30.0  # seconds to wait, at most, for a quiet machine before a run


@dataclass
class Run:
    name: str
    urls: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    non_2xx_3xx: int
    socket_errors: dict[str, int]
    statuses: dict[str, int]
    generator: str
    other_cpu: float | None = None  # cores busy with other processes on average during the run
    reused: int = 0  # sequential runs: requests past the end of the list (repeats)

    @property
    def errors(self) -> int:
        return self.non_2xx_3xx + sum(self.socket_errors.values())


# Requests are read from a data file (one per line: path, then optionally a header name and
# value, tab-separated): a Lua table constructor with tens of thousands of entries would hit
# LuaJIT's limits. Random order by default; "sequential" walks the list once, each thread its
# own stripe, so that every request names a different seller (and counts any wrap-around).
LUA = """
local reqs = {}
for line in io.lines(%(data)s) do
  local path, name, value = line:match("^([^\t]*)\t?([^\t]*)\t?(.*)$")
  local headers = {}
  if name ~= "" then headers[name] = value end
  table.insert(reqs, {path, headers})
end
local sequential = %(sequential)s
local nthreads = %(threads)d
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(%(seed)d + tid * 7919)
  counts = {}
  wrapped = 0
  i = tid - 1 - nthreads
end

function request()
  local r
  if sequential then
    i = i + nthreads
    if i >= #reqs then wrapped = wrapped + 1 end
    r = reqs[(i %% #reqs) + 1]
  else
    r = reqs[math.random(#reqs)]
  end
  return wrk.format("GET", r[1], r[2])
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total, reused = {}, 0
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("counts")) do total[status] = (total[status] or 0) + n end
    reused = reused + t:get("wrapped")
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, status .. "=" .. n) end
  io.write("STATUSES " .. table.concat(parts, " ") .. "\\n")
  io.write("REUSED " .. reused .. "\\n")
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_requests(requests: list[tuple[str, dict[str, str]]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for url, headers in requests:
            if len(headers) > 1 or any("\t" in x or "\n" in x for x in (url, *headers.values())):
                raise ValueError(f"unsupported request for the wrk script: {url} {headers}")
            fh.write("\t".join([url, *next(iter(headers.items()), ())]) + "\n")


def lua_script(data: Path, threads: int, sequential: bool = False, seed: int = SEED) -> str:
    return LUA % {
        "data": _lua_string(str(data)),
        "sequential": "true" if sequential else "false",
        "threads": threads,
        "seed": seed,
    }


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    """Pull requests/s, latency percentiles, errors and status counts out of wrk's output."""
    out: dict[str, Any] = {"percentiles": {}, "non_2xx_3xx": 0, "socket_errors": {}}
    for line in output.splitlines():
        line = line.strip()
        if m := re.match(r"Requests/sec:\s+([\d.]+)", line):
            out["rps"] = float(m.group(1))
        elif m := re.match(r"(\d+) requests in ([\d.]+\w+),", line):
            out["requests"] = int(m.group(1))
            out["seconds"] = _ms(m.group(2)) / 1000
        elif m := re.match(r"(\d+)%\s+([\d.]+\w+)$", line):
            out["percentiles"][int(m.group(1))] = _ms(m.group(2))
        elif m := re.match(r"Non-2xx or 3xx responses:\s+(\d+)", line):
            out["non_2xx_3xx"] = int(m.group(1))
        elif m := re.match(r"Socket errors: (.*)", line):
            out["socket_errors"] = {
                k: int(v) for k, v in re.findall(r"(\w+) (\d+)", m.group(1)) if int(v)
            }
        elif m := re.match(r"REUSED (\d+)", line):
            out["reused"] = int(m.group(1))
        elif line.startswith("STATUSES"):
            pairs = (p.split("=") for p in line.split()[1:] if "=" in p)
            out["statuses"] = {k: int(v) for k, v in sorted(pairs)}
    if "rps" not in out:
        raise RuntimeError(f"could not parse wrk output:\n{output}")
    return out


def run_load(
    server: Server,
    name: str,
    requests: list[tuple[str, dict[str, str]]],
    load: Load,
    seconds: int | None = None,
    sequential: bool = False,
) -> Run:
    """Drive ``requests`` at ``server`` for a bounded time: picked at random, or walked once
    in order (``sequential``: every request a different URL)."""
    seconds = seconds or load.seconds
    if not WRK:
        return _python_load(server, name, requests, load, seconds, sequential)
    tmp = Path(tempfile.mkdtemp(prefix="wrk-"))
    data, script = tmp / "requests.tsv", tmp / "script.lua"
    write_requests(requests, data)
    script.write_text(lua_script(data, load.threads, sequential))
    try:
        cmd = [
            WRK,
            f"-t{load.threads}",
            f"-c{load.connections}",
            f"-d{seconds}s",
            f"--timeout={load.timeout}",
            "--latency",
            "-s",
            str(script),
            server.base,
        ]
        if seconds == load.seconds and load.quiet_wait > 0:
            wait_for_quiet(load.quiet_wait)
        before = cpu_snapshot(server)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
        other_cpu = other_cpu_since(server, before)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    parsed = parse_wrk(proc.stdout)
    pct = parsed["percentiles"]
    return Run(
        name=name,
        urls=len(requests),
        requests=parsed.get("requests", 0),
        seconds=round(parsed.get("seconds", seconds), 2),
        rps=parsed["rps"],
        p50_ms=pct.get(50),
        p90_ms=pct.get(90),
        p99_ms=pct.get(99),
        non_2xx_3xx=parsed["non_2xx_3xx"],
        socket_errors=parsed["socket_errors"],
        statuses=parsed.get("statuses", {}),
        generator="wrk",
        other_cpu=other_cpu,
        reused=parsed.get("reused", 0),
    )


def _python_load(
    server: Server,
    name: str,
    requests: list[tuple[str, dict[str, str]]],
    load: Load,
    seconds: int,
    sequential: bool = False,
) -> Run:
    """Fallback when wrk is absent: threads with http.client (it competes with the server for
    the GIL-free share of the CPUs, so its absolute numbers are lower than wrk's)."""
    host, port = server.host_port
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    socket_errors: dict[str, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    walk = iter(requests * 100)  # sequential: one shared walk (next() is atomic enough here)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[float] = []
        codes: dict[str, int] = {}
        errs: dict[str, int] = {}
        while time.monotonic() < deadline:
            path, headers = next(walk) if sequential else rng.choice(requests)
            start = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(host, port, timeout=5)
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                conn.close()
                codes[str(resp.status)] = codes.get(str(resp.status), 0) + 1
                mine.append((time.perf_counter() - start) * 1000)
            except TimeoutError:
                errs["timeout"] = errs.get("timeout", 0) + 1
            except OSError:
                errs["connect"] = errs.get("connect", 0) + 1
        with lock:
            latencies.extend(mine)
            for k, v in codes.items():
                statuses[k] = statuses.get(k, 0) + v
            for k, v in errs.items():
                socket_errors[k] = socket_errors.get(k, 0) + v

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(load.connections)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(q: float) -> float | None:
        if not latencies:
            return None
        return latencies[min(len(latencies) - 1, math.ceil(q * len(latencies)) - 1)]

    bad = sum(v for k, v in statuses.items() if not k.startswith(("2", "3")))
    return Run(
        name=name,
        urls=len(requests),
        requests=len(latencies),
        seconds=round(elapsed, 2),
        rps=len(latencies) / elapsed,
        p50_ms=pct(0.5),
        p90_ms=pct(0.9),
        p99_ms=pct(0.99),
        non_2xx_3xx=bad,
        socket_errors=socket_errors,
        statuses=dict(sorted(statuses.items())),
        generator="python (wrk absent)",
    )


def generator_name() -> str:
    if not WRK:
        # It runs out of CPU before the server does on the trivial endpoint, which biases
        # every ratio upwards: a fallback for a smoke test, not for the targets.
        return "python threads + http.client (wrk absent: ratios biased upwards)"
    out = subprocess.run([WRK, "--version"], capture_output=True, text=True)
    return (out.stdout or out.stderr).splitlines()[0].split(" Copyright")[0].strip()
