"""Workforce management: queueing maths, workload, forecasts, schedules, simulation and adherence.

The subpackages ``erlang``, ``workload``, ``forecast``, ``schedule`` and ``simulate`` are pure
calculators (no database, no web framework; the import contract in pyproject.toml enforces it).
"""
