from django.core.management.base import BaseCommand, CommandError

from lookup.auth.identity_headers import (
    EDGE,
    PLACEMENTS,
    AuthAnswer,
    IdentityHeadersProblem,
    identity_header_lines,
    indented,
)


class Command(BaseCommand):
    help = (
        "Print the lines for nginx's `location /` that keep client-sent identity headers "
        "(PROXY_USER_HEADER, PROXY_GROUPS_HEADER, PROXY_JWT_HEADER and the vendors' usual "
        "names) from reaching perpdesk. They replace the block between the BEGIN and END "
        "identity headers lines of deploy/nginx/perpdesk.conf."
    )
    # Prints config from three settings: runs where the rest is not set up (the nginx host).
    requires_system_checks = []

    def add_arguments(self, parser):
        where = "; ".join(f"{name}: {meaning}" for name, meaning in PLACEMENTS.items())
        parser.add_argument("--where", choices=list(PLACEMENTS), default=EDGE, help=f"Where the proxy sits. {where}.")
        defaults = AuthAnswer()
        parser.add_argument("--auth-path", default=defaults.path, help="auth-request: the location nginx asks.")
        parser.add_argument(
            "--answer-user", default=defaults.user_header, help="auth-request: answer header naming the user."
        )
        parser.add_argument(
            "--answer-groups", default=defaults.groups_header, help="auth-request: answer header with the groups."
        )
        parser.add_argument(
            "--answer-jwt", default="", help="auth-request: answer header with the signed assertion (PROXY_JWT_HEADER)."
        )

    def handle(self, *args, where, auth_path, answer_user, answer_groups, answer_jwt, **options):
        answer = AuthAnswer(path=auth_path, user_header=answer_user, groups_header=answer_groups, jwt_header=answer_jwt)
        try:
            lines = identity_header_lines(where, answer)
        except IdentityHeadersProblem as problem:
            raise CommandError(str(problem)) from problem
        self.stdout.write(indented(lines), ending="")
