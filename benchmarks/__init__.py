"""Benchmarks for rnn-tui. The suite: `python -m benchmarks` or `python benchmarks/run.py`."""
