from flask import Flask


def register_commands(app: Flask) -> None:
    from .auth.commands import create_officer
    from .demo.commands import demo_logins, load_demo
    from .operations.commands import create_operation
    for command in (create_officer, create_operation, load_demo, demo_logins):
        app.cli.add_command(command)
    from .core.backup import backup, restore
    app.cli.add_command(backup)
    app.cli.add_command(restore)
