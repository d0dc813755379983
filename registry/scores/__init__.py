"""Scores persisted from ``scoring``: rescoring, history, the stored score."""
