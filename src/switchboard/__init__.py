"""Switchboard: help desk and contact-centre workbench."""

__version__ = "0.1.0"
