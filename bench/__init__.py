"""Beatbook benchmarks: `make bench` (python -m bench). See bench/README.md.

Every figure is measured next to the ceiling of the same machine in the same run
(raw executemany / COPY / GROUP BY, or a hello-world endpoint under the same
gunicorn), interleaved, so the ratios mean something on a shared, noisy box.
"""
