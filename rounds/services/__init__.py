"""Writes to rounds, questionnaires and reports."""
