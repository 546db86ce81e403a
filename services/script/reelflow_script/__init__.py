"""Reelflow script service."""
