"""Domain types and pure rules. Imports nothing else of the package."""
