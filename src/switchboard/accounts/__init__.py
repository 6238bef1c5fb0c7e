"""Agents and customers who log in: users, roles, teams, sessions and API tokens."""
