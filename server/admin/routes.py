from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from ..core.security import requires
from ..operations.schemas import OperationSchema
from . import service
from .access import ADMINISTRATORS, ROSTER_READERS
from .schemas import (OFFICER_UPDATE_RULES, AdminOperationSchema, AdminOperationUpdateSchema, AdminAuditPageSchema,
                      AuditQuerySchema, CloseOperationSchema, MoveSchema, NewPasswordAnswerSchema,
                      OfficerCreateSchema, OfficerUpdateSchema, RosterOfficerSchema, RosterQuerySchema, TeamSchema)

blp = Blueprint("admin", __name__, url_prefix="/api/admin",
                description="Administration: officers, teams, operations and the administrative audit trail")


@blp.route("/teams")
class Teams(MethodView):
    @requires(ADMINISTRATORS)
    @blp.response(200, TeamSchema(many=True))
    def get(self):
        return service.list_teams()

    @requires(ADMINISTRATORS)
    @blp.arguments(TeamSchema)
    @blp.response(201, TeamSchema)
    @blp.alt_response(409, description="There is already a team of that name")
    def post(self, data):
        return service.create_team(current_user.id, data["name"])


@blp.route("/officers")
class Officers(MethodView):
    @requires(ROSTER_READERS)
    @blp.arguments(RosterQuerySchema, location="query")
    @blp.response(200, RosterOfficerSchema(many=True), description="The administrator: every officer; "
                  "a sergeant: their own team's.")
    def get(self, args):
        return service.roster(current_user, args)

    @requires(ADMINISTRATORS)
    @blp.arguments(OfficerCreateSchema)
    @blp.response(201, NewPasswordAnswerSchema)
    @blp.alt_response(409, description="Another officer already has this shoulder number")
    def post(self, data):
        officer, password = service.create_officer(current_user.id, data)
        return {"officer": officer, "one_time_password": password}


@blp.route("/officers/<int:officer_id>")
class OfficerById(MethodView):
    @requires(ROSTER_READERS)
    @blp.response(200, RosterOfficerSchema)
    def get(self, officer_id):
        return service.get_officer(current_user, officer_id)

    @requires(ADMINISTRATORS)
    @blp.arguments(OfficerUpdateSchema(partial=True), description=OFFICER_UPDATE_RULES)
    @blp.response(200, RosterOfficerSchema)
    @blp.alt_response(409, description="Another officer already has this shoulder number")
    def patch(self, data, officer_id):
        return service.update_officer(current_user.id, service.get_officer(current_user, officer_id, True), data)


@blp.route("/officers/<int:officer_id>/move", methods=["POST"])
@requires(ADMINISTRATORS)
@blp.arguments(MoveSchema)
@blp.response(200, RosterOfficerSchema)
@blp.alt_response(409, description="The officer is already in this team")
def move_officer(data, officer_id):
    officer = service.get_officer(current_user, officer_id, True)
    return service.move_officer(current_user.id, officer, data["team"], data["starts_on"])


@blp.route("/officers/<int:officer_id>/deactivate", methods=["POST"])
@requires(ADMINISTRATORS)
@blp.response(200, RosterOfficerSchema, description="Deactivated: every session of theirs has ended.")
@blp.alt_response(409, description="You cannot deactivate your own account")
def deactivate_officer(officer_id):
    return service.set_active(current_user.id, service.get_officer(current_user, officer_id, True), False)


@blp.route("/officers/<int:officer_id>/reactivate", methods=["POST"])
@requires(ADMINISTRATORS)
@blp.response(200, RosterOfficerSchema)
def reactivate_officer(officer_id):
    return service.set_active(current_user.id, service.get_officer(current_user, officer_id, True), True)


@blp.route("/officers/<int:officer_id>/reset-password", methods=["POST"])
@requires(ADMINISTRATORS)
@blp.response(200, NewPasswordAnswerSchema, description="Their sessions have ended; they must change the "
              "one-time password at their next sign-in.")
def reset_password(officer_id):
    officer, password = service.reset_password(current_user.id, service.get_officer(current_user, officer_id, True))
    return {"officer": officer, "one_time_password": password}


@blp.route("/operations", methods=["POST"])
@requires(ADMINISTRATORS)
@blp.arguments(AdminOperationSchema)
@blp.response(201, OperationSchema)
@blp.alt_response(409, description="Another operation already uses this slug")
def open_operation(data):
    return service.open_operation(current_user.id, data)


@blp.route("/operations/<int:operation_id>", methods=["PATCH"])
@requires(ADMINISTRATORS)
@blp.arguments(AdminOperationUpdateSchema(partial=True), description="Any of the operation's fields; ends_on "
               "stays on or after starts_on; slug is not used by another operation (409).")
@blp.response(200, OperationSchema)
@blp.alt_response(409, description="Another operation already uses this slug")
def edit_operation(data, operation_id):
    return service.edit_operation(current_user.id, service.get_operation(operation_id), data)


@blp.route("/operations/<int:operation_id>/close", methods=["POST"])
@requires(ADMINISTRATORS)
@blp.arguments(CloseOperationSchema)
@blp.response(200, OperationSchema)
def close_operation(data, operation_id):
    return service.close_operation(current_user.id, service.get_operation(operation_id), data.get("ends_on"))


@blp.route("/audit", methods=["GET"])
@requires(ADMINISTRATORS)
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AdminAuditPageSchema)
def list_admin_audit(args):
    return service.audit_page(args)
