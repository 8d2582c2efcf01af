from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from ..admin.service import audit, operation_snapshot
from ..core.db import db
from ..core.errors import ApiError
from ..core.security import ALL_ROLES, OPERATION_MANAGERS, requires
from .models import Operation
from .schemas import UPDATE_RULES, OperationQuerySchema, OperationSchema, OperationUpdateSchema
from .service import get_operation_or_404

blp = Blueprint("operations", __name__, url_prefix="/api/operations", description="Policing operations")


def _check_slug_free(slug: str, own_id: int | None = None) -> None:
    clash = db.session.scalar(select(Operation.id).where(Operation.slug == slug))
    if clash is not None and clash != own_id:
        raise ApiError(409, "Another operation already uses this slug.", fields={"slug": ["Already in use."]})


@blp.route("")
class Operations(MethodView):
    @requires(ALL_ROLES)
    @blp.arguments(OperationQuerySchema, location="query")
    @blp.response(200, OperationSchema(many=True))
    def get(self, args):
        if args.get("current"):
            return Operation.current()
        return list(db.session.scalars(select(Operation).order_by(Operation.starts_on.desc(), Operation.id)))

    @requires(OPERATION_MANAGERS)
    @blp.arguments(OperationSchema)
    @blp.response(201, OperationSchema)
    @blp.alt_response(409, description="Another operation already uses this slug")
    def post(self, data):
        _check_slug_free(data["slug"])
        op = Operation(**data)
        db.session.add(op)
        db.session.flush()
        audit(current_user.id, "operation_opened", operation=op, after=operation_snapshot(op))
        db.session.commit()
        return op


@blp.route("/<int:operation_id>")
class OperationById(MethodView):
    @requires(ALL_ROLES)
    @blp.response(200, OperationSchema)
    def get(self, operation_id):
        return get_operation_or_404(operation_id)

    @requires(OPERATION_MANAGERS)
    @blp.arguments(OperationUpdateSchema(partial=True), description=UPDATE_RULES)
    @blp.response(200, OperationSchema)
    @blp.alt_response(409, description="Another operation already uses this slug")
    def patch(self, data, operation_id):
        op = get_operation_or_404(operation_id)
        if "slug" in data:
            _check_slug_free(data["slug"], op.id)
        before = operation_snapshot(op)
        for key, value in data.items():
            setattr(op, key, value)
        if op.ends_on is not None and op.ends_on < op.starts_on:
            raise ApiError(422, "The end date is before the start date.", fields={"ends_on": ["Must be on or after starts_on."]})
        if operation_snapshot(op) != before:
            audit(current_user.id, "operation_changed", operation=op, before=before, after=operation_snapshot(op))
        db.session.commit()
        return op
