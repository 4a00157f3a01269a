"""Brygge: a self-hosted platform for codehooks-js apps."""

__version__ = "0.1.0"
