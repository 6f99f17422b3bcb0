"""Reporting rounds, reports and initiatives arrive with the reports issue."""
