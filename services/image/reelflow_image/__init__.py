"""Reelflow image service."""
