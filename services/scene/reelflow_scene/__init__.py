"""Reelflow scene service."""
