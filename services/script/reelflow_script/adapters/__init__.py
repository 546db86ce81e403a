"""Adapters: the script service's port to MongoDB. (Its AI port is the kit's `reelflow_kit.ai`.)"""
