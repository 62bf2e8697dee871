"""Benchmark functions, one module per stage; `voter-platform bench` runs and prints them."""
