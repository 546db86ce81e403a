from reelflow_kit.settings import KitSettings


class Settings(KitSettings):
    service_name: str = "video"
    health_port: int = 8084
