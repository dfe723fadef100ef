"""qunops: operate chat-group communities from their history."""

__version__ = "0.1.0"
