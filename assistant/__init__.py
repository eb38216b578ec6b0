"""The answer pipeline with citations, its CLI, and (later) the API, widget and evaluation harness."""
