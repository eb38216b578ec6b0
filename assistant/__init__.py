"""The answer pipeline with citations, its CLI, and the HTTP API (`assistant.api`) and its widget."""
