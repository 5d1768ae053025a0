"""Benchmark harness: `python -m bench` (everyday rows) and `python -m bench --scale`."""
