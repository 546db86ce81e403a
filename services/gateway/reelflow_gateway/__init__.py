"""Reelflow gateway: HTTP in, commands out; reads from a read model built from events."""
