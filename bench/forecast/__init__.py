"""Benchmarks of the death forecast: rolling-origin backtests and the default model's coefficients."""
