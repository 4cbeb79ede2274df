"""Test fakes at the transport boundary: a stateful GitHub, an OCI registry, loopback servers."""
