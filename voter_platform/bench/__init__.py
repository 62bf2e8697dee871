"""Benchmarks, one module per stage: each measures its stage beside a bare baseline and prints numbers."""
