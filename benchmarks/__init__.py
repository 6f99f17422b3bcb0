"""Benchmarks of the ministry's pages on PostgreSQL (`make bench`); see docs/performance.md."""
