"""`voter-platform users`: who may log in to the dashboard, and which states each may see.

    voter-platform users add alice --states NC,PA    # prints a generated password, once
    voter-platform users add bob --admin --prompt     # asks for the password instead
    voter-platform users list
    voter-platform users passwd alice                 # a new generated password (ends alice's open sessions)
    voter-platform users remove alice

The users live in <data>/users.json (owner-only), as password hashes: a password is shown only when it is
generated, and never written anywhere.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from voter_platform.settings import data_paths


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "users",
        help="manage the dashboard's users: add, list, passwd, remove",
        description=(
            "Manage who may log in to the dashboard (<data>/users.json, password hashes only). A user sees the "
            "states of their scope (--states NC,PA) or, with --admin, every state. Without --prompt or "
            "--password-stdin a password is generated and printed once."
        ),
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="add a user scoped to states (--states NC,PA) or an admin (--admin)")
    add.add_argument("name")
    scope = add.add_mutually_exclusive_group(required=True)
    scope.add_argument("--states", metavar="NC,PA", help="the states this user sees, comma-separated")
    scope.add_argument("--admin", action="store_true", help="sees every state")
    _password_arguments(add)
    add.set_defaults(func=add_user)

    listing = actions.add_parser("list", help="the users and their scopes (no passwords, no hashes)")
    listing.set_defaults(func=list_users)

    passwd = actions.add_parser("passwd", help="set a new password (ends the user's open sessions)")
    passwd.add_argument("name")
    _password_arguments(passwd)
    passwd.set_defaults(func=change_password)

    remove = actions.add_parser("remove", help="remove a user (ends their open sessions)")
    remove.add_argument("name")
    remove.set_defaults(func=remove_user)


def _password_arguments(parser: argparse.ArgumentParser) -> None:
    given = parser.add_mutually_exclusive_group()
    given.add_argument("--prompt", action="store_true", help="ask for the password (twice) instead of generating one")
    given.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")


def add_user(args: argparse.Namespace) -> int:
    from voter_platform.dashboard.users import parse_states

    def add(users, password):
        states = () if args.admin else parse_states(args.states)
        user = users.add(args.name, password, states=states, admin=args.admin)
        return f"Added {user.name}: {user.scope_text}"

    return _change(args, add)


def change_password(args: argparse.Namespace) -> int:
    def passwd(users, password):
        users.set_password(args.name, password)
        return f"New password set for {args.name}; their open sessions have ended"

    return _change(args, passwd)


def remove_user(args: argparse.Namespace) -> int:
    def remove(users, _password):
        users.remove(args.name)
        return f"Removed {args.name}; their open sessions have ended"

    return _change(args, remove, needs_password=False)


def list_users(args: argparse.Namespace) -> int:  # `args` unused: every subcommand takes its arguments
    from voter_platform.dashboard.users import UsersError

    try:
        users = _user_file().users()
    except (OSError, UsersError) as error:
        print(f"voter-platform users: {error}", file=sys.stderr)
        return 2
    if not users:
        print(
            "No users yet: `voter-platform users add NAME --states NC,PA` (the dashboard creates 'admin' on its "
            "first start)."
        )
        return 0
    width = max(len(user.name) for user in users)
    for user in users:
        print(f"{user.name:<{width}}  {user.scope_text}")
    return 0


def _change(args: argparse.Namespace, change, needs_password: bool = True) -> int:
    """Run one change of the users file; print what was done, and the password when it was generated."""
    from voter_platform.dashboard.users import UsersError, generate_password

    try:
        users = _user_file()
        given = _given_password(args) if needs_password else None
        password = given or (generate_password() if needs_password else None)
        print(change(users, password))
    except (OSError, UsersError) as error:
        print(f"voter-platform users: {error}", file=sys.stderr)
        return 2
    if needs_password and not given:
        print(f"Password (shown only now): {password}")
    return 0


def _given_password(args: argparse.Namespace) -> str | None:
    """The password typed at the prompt or piped on stdin; None when it is to be generated."""
    from voter_platform.dashboard.users import UsersError

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if args.prompt:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise UsersError("the two passwords differ; nothing changed")
        return password
    return None


def _user_file():
    from voter_platform.dashboard.users import UserFile

    # Only the data directory's location: nothing else of the platform is set up for a users change.
    return UserFile(data_paths().users_file)
