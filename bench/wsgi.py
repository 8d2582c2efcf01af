"""The app exactly as `make run` serves it, plus one hello-world endpoint.

gunicorn runs `bench.wsgi:create_bench_app()` so the hello-world only exists
in benchmark runs; production never imports this module. The endpoint goes
through the same before/after-request hooks (access policy, security headers)
as every API view; being @public it touches no database.
"""
from flask import Blueprint, jsonify

from server import create_app
from server.core.security import public

HELLO_PATH = "/api/bench/hello"
bp = Blueprint("bench_hello", __name__)


@bp.route(HELLO_PATH)
@public
def hello():
    return jsonify(hello="world")


def create_bench_app():
    app = create_app()
    app.register_blueprint(bp)
    return app
