"""The public shapes of a seller; the tables live in their rooms (see registry.schema)."""
