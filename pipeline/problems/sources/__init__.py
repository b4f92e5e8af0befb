"""Problem sources: one module per source, each exposing `SPEC: SourceSpec`."""
