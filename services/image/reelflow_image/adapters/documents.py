"""What the image service's MongoDB collections hold: plain documents."""

from typing import Any

Document = dict[str, Any]
