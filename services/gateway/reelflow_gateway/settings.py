from pydantic import Field

from reelflow_kit.settings import KitSettings


class Settings(KitSettings):
    service_name: str = "gateway"
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    cors_origins: list[str] = Field(default_factory=list, description="browser origins allowed to call the API")
