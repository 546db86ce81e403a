from reelflow_kit.logging import configure_logging
from reelflow_kit.runtime import serve
from reelflow_video.bootstrap import build
from reelflow_video.settings import Settings


def main() -> None:
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level)
    serve(build(settings))


if __name__ == "__main__":
    main()
