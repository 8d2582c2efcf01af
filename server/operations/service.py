"""Finding an operation, for every feature that names one by id."""
from __future__ import annotations

from ..core.db import db
from ..core.errors import ApiError
from ..core.schemas import DB_INT_MAX
from .models import Operation


def get_operation_or_404(operation_id: int) -> Operation:
    """The operation, or a 404 naming operation_id (an id out of the database's range is simply not found)."""
    op = db.session.get(Operation, operation_id) if 0 < operation_id <= DB_INT_MAX else None
    if op is None:
        raise ApiError(404, "No such operation.", fields={"operation_id": ["No such operation."]})
    return op
