from reelflow_kit.settings import KitSettings


class Settings(KitSettings):
    service_name: str = "image"
    health_port: int = 8083
