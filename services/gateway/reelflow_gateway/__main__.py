"""`python -m reelflow_gateway`: one uvicorn process (uvloop + httptools when installed).

One process per instance on purpose: a write waits on an in-process future resolved by this
process's read-model consumer. Scale out with more instances (they share the consumer group,
and a write whose outcome another instance projects finds it by polling MongoDB).
"""

import uvicorn

from reelflow_gateway.app import create_app
from reelflow_gateway.settings import Settings
from reelflow_kit.logging import configure_logging


def main() -> None:
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        loop="auto",
        http="auto",
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=settings.shutdown_grace_s,
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies,
    )


if __name__ == "__main__":
    main()
