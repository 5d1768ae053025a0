"""Soak harness: `python -m soak` runs load, faults, hostile input, fuzzing and access sweeps."""
