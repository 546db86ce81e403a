"""reelctl reads the same `REELFLOW_*` variables as the services (the kit's settings), plus where
each service's `/healthz` answers (the variables `deploy/embedded/services.py` starts them with)."""

from __future__ import annotations

from pydantic import Field

from reelflow_kit.settings import KitSettings

SERVICES = ("script", "scene", "image", "video", "gateway")


class OpsSettings(KitSettings):
    service_name: str = Field(default="reelctl", description="names reelctl in logs and as a Kafka client")
    gateway_port: int = Field(default=8080, description="reelctl: the gateway's HTTP port (its `/healthz`)")
    script_health_port: int = Field(default=8081, description="reelctl: the script service's `/healthz` port")
    scene_health_port: int = Field(default=8082, description="reelctl: the scene service's `/healthz` port")
    image_health_port: int = Field(default=8083, description="reelctl: the image service's `/healthz` port")
    video_health_port: int = Field(default=8084, description="reelctl: the video service's `/healthz` port")
    image_bucket: str = Field(default="reelflow-image", description="the image service's bucket (doctor checks it)")
    video_bucket: str = Field(default="reelflow-video", description="the video service's bucket (doctor checks it)")
    services_host: str = Field(default="127.0.0.1", description="reelctl: where the services' `/healthz` answer")

    def health_url(self, service: str) -> str:
        port = self.gateway_port if service == "gateway" else getattr(self, f"{service}_health_port")
        return f"http://{self.services_host}:{port}/healthz"

    def local_topic(self, name: str) -> str:
        """`script.events` in this deployment's namespace, unless it already names a namespaced topic."""
        if self.kafka_namespace and name.startswith(f"{self.kafka_namespace}."):
            return name
        return self.topic(name)

    def local_group(self, name: str) -> str:
        return self.local_topic(name)

    def contract_name(self, topic: str) -> str:
        """The contract name of a topic of this deployment (the namespace taken off)."""
        prefix = f"{self.kafka_namespace}." if self.kafka_namespace else ""
        return topic.removeprefix(prefix)
