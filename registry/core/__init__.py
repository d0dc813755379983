"""What every room stands on: database, errors, identifiers, URLs, outbound HTTP."""
