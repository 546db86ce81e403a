"""reelctl: one command for Reelflow operators. See docs/operations.md."""
