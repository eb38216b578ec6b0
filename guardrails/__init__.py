"""Input and output rails: classify a conversation, refuse or redirect, scrub answers."""
