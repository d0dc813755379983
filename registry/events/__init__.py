"""Reputation events from platforms and regulators: the inputs of the score."""
