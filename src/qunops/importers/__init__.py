"""One module per export format, each a streaming parser yielding core events."""
