"""Benchmarks, one module per stage: each measures its stage beside a bare baseline and prints numbers.

`voter-platform bench` (voter_platform/cli/bench.py) runs them all on one generated input; every timed
step runs in a fresh process (voter_platform/bench/process.py).
"""
