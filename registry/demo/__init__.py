"""The deterministic demo registry: fictional sellers, stores, domains and events."""
