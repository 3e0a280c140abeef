"""Benchmarks of the real pages and services on a large generated data set.

Run with `python -m bench` (or `make bench`) against a database filled by
`manage.py generate_data`; see bench/RESULTS.md for the figures and how to reproduce them.
"""
