"""Benchmark of plane-conformance on this machine, in one command.

    python -m benchmarks [--skip-slow] [--skip-peer] [--json FILE]

Measures, against reference servers it starts on 127.0.0.1 only:

1. wall time and requests sent (results.json `requests_sent`) of the quick and standard profiles,
   with `--workers 1` and `--workers 2`;
2. the standard profile against `--rate-limit 60` (minutes; `--skip-slow` skips it): wall time
   against the floor requests / 60 per minute, and the 429 answers seen;
3. the peer baseline: the schemathesis CLI alone on the same spec and server at a comparable
   request budget (counted by a loopback counting proxy), and how many fault switches each
   approach catches per 100 requests;
4. peak memory of a standard run.

Every subprocess runs with a timeout in its own process group, so a hung run is killed with
everything it started. The figures are printed next to their goals with PASS/MISS.

Modules: `figures` (the pure arithmetic, goals and verdicts; unit-tested), `runs` (a measured
subprocess, and our suite's runs), `proxy` (the loopback counting proxy), `peer` (the
schemathesis CLI baseline and the per-fault comparison), `report` (the printed figures) and
`main` (the command line).
"""
