"""Benchmarks: measured on this machine, medians over runs, printed as a table and JSON."""
