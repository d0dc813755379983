"""Who a seller is: identities, stores, domains; the batches that register them."""
