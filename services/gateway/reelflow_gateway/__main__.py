import uvicorn

from reelflow_kit.logging import configure_logging
from reelflow_gateway.app import create_app
from reelflow_gateway.settings import Settings


def main() -> None:
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level)
    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port,
                log_config=None, access_log=False)


if __name__ == "__main__":
    main()
