"""API tokens, signing keys, and the signed statements platforms verify offline."""
