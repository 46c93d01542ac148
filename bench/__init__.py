"""Benchmarks: scenarios that print figures, each measured beside the limit it is compared with.

`python -m bench` (make bench) runs every scenario on fresh PostgreSQL databases it creates and
drops; `python -m bench --smoke` runs each at a tiny size. See bench/README.md.
"""
