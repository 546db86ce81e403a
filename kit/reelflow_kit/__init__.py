"""The runtime kit every Reelflow service is built on (not a service itself)."""
