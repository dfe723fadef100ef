"""Measures of groups and members, computed from rollups."""
