"""The registry domain: identities, events, services and persistence."""
