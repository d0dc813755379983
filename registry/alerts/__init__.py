"""Watch alerts: webhook subscriptions, the events derived from the journal, their delivery."""
