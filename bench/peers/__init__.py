"""Competitors run beside Switchboard's benchmarks, each in its own throwaway environment."""
