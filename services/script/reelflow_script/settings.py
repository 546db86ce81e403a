"""Script service settings: the kit's connection settings plus the AI provider's (REELFLOW_*)."""

from reelflow_kit.ai import AISettings
from reelflow_kit.settings import KitSettings


class Settings(KitSettings, AISettings):
    service_name: str = "script"
    health_port: int = 8081
