from reelflow_kit.settings import KitSettings


class Settings(KitSettings):
    service_name: str = "script"
    health_port: int = 8081
