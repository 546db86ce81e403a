from reelflow_kit.settings import KitSettings


class Settings(KitSettings):
    service_name: str = "scene"
    health_port: int = 8082
