"""Reelflow video service."""
