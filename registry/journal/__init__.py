"""What changed and who changed it: the audit log and the change log, together."""
