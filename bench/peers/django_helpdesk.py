"""django-helpdesk's email ingestion, timed on a directory of .eml files: the peer of bench/email_ingest.py.

    uv run python bench/peers/django_helpdesk.py EML_DIR [--workdir DIR]

A stock django-helpdesk (pinned below) in a throwaway virtualenv, cached between runs
under the work directory; a minimal Django project with SQLite; one queue whose mailbox
is of the 'local' type; and `manage.py get_email` timed by the wall clock, as its cron
job would run it. Prints the figures as JSON.

What its local mailbox does (helpdesk/email.py, process_queue): it reads every regular
file in the directory, whatever its name, in os.listdir order (on ext4 a hash order, not
the sending order), as text in the locale's encoding (C.UTF-8 here), and deletes each file once its
ticket or follow-up is saved. It does not sleep or stop after a batch: one run takes the
whole directory. A reply threads onto an earlier ticket when its In-Reply-To equals the
Message-ID of a follow-up already stored (or its subject carries "[queue-N]").

An exception while handling one message (a file that is not UTF-8 raises
UnicodeDecodeError before parsing even starts) aborts the run for the whole queue and
leaves that file in place, so a real deployment would stop at it on every later run
too. To measure the rest, this script does what an operator would: it takes the file
that stopped the run out of the mailbox, counts it as an error, and runs get_email
again. The restarts' interpreter start-ups are not charged to the throughput: the
figure charges one start-up, as a single run over a clean mailbox would.

The figures: messages/s by the wall clock (what an operator waits; with SQLite it
includes a disk sync for every statement, as Django autocommits each save) and by the
child's CPU time (steadier on a shared machine); tickets and follow-ups created; for
the replies listed in manifest.json, how many were taken after the message they answer
(only those can thread, given the listdir order), how many landed on that message's
ticket and how many on their thread's first ticket; the messages that stopped a run.

Nothing reaches the network: mail goes to Django's locmem backend, and the
HELPDESK_*_WEBHOOK_URLS variables are removed from the environment of every command.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack, closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__:
    from peers.peer_venv import clean_environment
    from peers.peer_venv import ensure_virtualenv as peer_virtualenv
else:  # run as a script: bench/peers itself is on sys.path
    from peer_venv import clean_environment  # type: ignore[no-redef]
    from peer_venv import ensure_virtualenv as peer_virtualenv  # type: ignore[no-redef]

DJANGO_HELPDESK_VERSION = "2.6.1"  # latest on PyPI that installs on Python 3.11, as of this writing
DJANGO_VERSION = "5.2.19"  # the newest Django it resolves to on Python 3.11
REQUIREMENTS = (
    f"django-helpdesk=={DJANGO_HELPDESK_VERSION}",
    f"Django=={DJANGO_VERSION}",
    "asgiref==3.13.0",
    "beautifulsoup4==4.15.0",
    "django-cleanup==9.0.0",
    "django-model-utils==5.0.0",
    "djangorestframework==3.18.3",
    "email-reply-parser==0.5.12",
    "Markdown==3.11.3",
    "nh3==0.3.8",
    "oauthlib==4.0.1",
    "requests==2.34.2",
    "requests-oauthlib==2.0.0",
    "soupsieve==4.1.2",
    "sqlparse==0.6.1",
    "typing_extensions==4.16.0",
)
QUEUE_SLUG = "support"
DEFAULT_QUEUE_ADDRESS = "support@example.test"  # bench/email_corpus.py's To: address
STALL_SECONDS = 300.0  # no file taken from the mailbox for this long: the message is stuck, kill the run
STARTUP_SAMPLES = 3
MAX_RESTARTS = 5_000
CACHE_DIR = Path(tempfile.gettempdir()) / "switchboard-bench-django-helpdesk"

SETTINGS = """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["localhost"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",  # helpdesk: the domain in the links of its emails
    "django.contrib.humanize",  # helpdesk: elapsed-time formatting
    "rest_framework",  # helpdesk: its API
    "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "benchsite.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SITE_ID = 1
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"
LOGIN_URL = "helpdesk:login"
# Sends nothing: acknowledgements are rendered and kept in memory.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@example.test"
# pinax-teams is an optional extra, not installed (django-helpdesk docs, teams.rst).
HELPDESK_TEAMS_MODE_ENABLED = False
"""

URLS = """\
from django.urls import include, path

urlpatterns = [path("helpdesk/", include("helpdesk.urls"))]
"""

MANAGE = """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""

CREATE_QUEUE = """\
from helpdesk.models import EmailTemplate, Queue

Queue.objects.create(
    title="Support",
    slug={slug!r},
    email_address={address!r},
    allow_email_submission=True,
    email_box_type="local",
    email_box_local_dir={mailbox!r},
)
print(EmailTemplate.objects.count())
"""

COUNT = """\
import json
from pathlib import Path

from helpdesk.models import FollowUp, Ticket

result = {{"tickets": Ticket.objects.count(), "followups": FollowUp.objects.count()}}
manifest = Path({manifest!r})
if manifest.is_file():
    stored = {{}}
    for message_id, ticket_id, followup_id in FollowUp.objects.values_list("message_id", "ticket_id", "id"):
        stored.setdefault(message_id, (ticket_id, followup_id))
    replies = [m for m in json.loads(manifest.read_text())["messages"] if m["kind"] == "reply"]
    parent_first = on_parent = on_root = 0
    for reply in replies:
        own, parent, root = (stored.get(reply[key]) for key in ("message_id", "in_reply_to", "thread_root"))
        if own and parent:
            parent_first += parent[1] < own[1]
            on_parent += parent[0] == own[0]
        if own and root:
            on_root += root[0] == own[0]
    result.update(
        replies=len(replies),
        replies_after_parent=parent_first,
        replies_on_parent_ticket=on_parent,
        replies_on_root_ticket=on_root,
    )
print(json.dumps(result))
"""


@dataclass(frozen=True)
class Run:
    seconds: float
    failed: bool  # an exception stopped the queue
    cpu_seconds: float  # user + system
    peak_rss_mb: float
    stdout: str


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("eml_dir", type=Path, help="directory of .eml files (manifest.json beside them is read)")
    parser.add_argument("--workdir", type=Path, help="Django project, mailbox and rejects (default: a temporary one)")
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR, help=f"venv cache (default: {CACHE_DIR})")
    parser.add_argument("--queue-address", default=DEFAULT_QUEUE_ADDRESS, help="the queue's own address")
    args = parser.parse_args()
    print(f"django-helpdesk {DJANGO_HELPDESK_VERSION}, Django {DJANGO_VERSION}", file=sys.stderr)
    result = run_django_helpdesk(
        args.eml_dir, workdir=args.workdir, cache_dir=args.cache_dir, queue_address=args.queue_address
    )
    print(json.dumps(result, indent=2))


def run_django_helpdesk(
    eml_dir: Path,
    *,
    workdir: Path | None = None,
    cache_dir: Path = CACHE_DIR,
    queue_address: str = DEFAULT_QUEUE_ADDRESS,
    log: bool = True,
) -> dict[str, Any]:
    """Feed every .eml file in `eml_dir` through django-helpdesk's get_email; return its figures.

    The virtualenv is kept in `cache_dir` and reused while the pinned requirements stay
    the same. The Django project, its database, the mailbox and the rejected messages go
    to `workdir` (emptied first), or to a temporary directory removed afterwards.
    """
    messages = sorted(eml_dir.glob("*.eml"))
    if not messages:
        raise FileNotFoundError(f"no .eml files in {eml_dir}")

    def say(text: str) -> None:
        if log:
            print(f"[django-helpdesk] {text}", file=sys.stderr, flush=True)

    python, install_seconds = ensure_virtualenv(cache_dir)
    installed = f"installed in {install_seconds:.1f} s" if install_seconds else "cached"
    say(f"virtualenv {python.parent.parent} ({installed})")
    with ExitStack() as cleanup:
        if workdir is None:
            workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="run-", dir=cache_dir)))
        result = _measure(
            python, workdir.resolve(), messages=messages, eml_dir=eml_dir, queue_address=queue_address, say=say
        )
    result["install_seconds"] = round(install_seconds, 1)
    return result


def _measure(
    python: Path,
    workdir: Path,
    *,
    messages: list[Path],
    eml_dir: Path,
    queue_address: str,
    say: Callable[[str], None],
) -> dict[str, Any]:
    project = workdir / "project"
    mailbox = workdir / "mailbox"
    rejected = workdir / "rejected"
    for scratch in (project, mailbox, rejected):
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
    _write_project(project)
    manage = _Manage(python, project)
    manage.check("migrate", "--no-input", "-v", "0")
    templates = manage.shell(CREATE_QUEUE.format(slug=QUEUE_SLUG, address=queue_address, mailbox=str(mailbox)))
    say(f"migrated; {templates.strip()} email templates; queue '{QUEUE_SLUG}' reads {mailbox}")

    # An empty mailbox: the cost of one start of the command (the least of a few, on a busy machine).
    startup = min((manage.get_email(mailbox) for _ in range(STARTUP_SAMPLES)), key=lambda run: run.seconds)
    if startup.failed:
        raise RuntimeError(f"get_email failed on an empty mailbox:\n{startup.stdout[-4000:]}")
    for message in messages:
        shutil.copyfile(message, mailbox / message.name)
    say(f"{len(messages)} messages copied; get_email on an empty mailbox takes {startup.seconds:.2f} s")

    runs: list[Run] = []
    errors: list[dict[str, str]] = []
    while True:
        # The order get_email will take them in: its own call, on a directory not touched in between.
        order = os.listdir(mailbox)  # noqa: PTH208 - the same call as get_email's
        run = manage.get_email(mailbox)
        runs.append(run)
        left = set(os.listdir(mailbox))  # noqa: PTH208 - as above
        if not left:
            break
        if not run.failed or len(runs) > MAX_RESTARTS:
            raise RuntimeError(f"get_email left {len(left)} files after run {len(runs)}:\n{run.stdout[-4000:]}")
        # With no ignore rules every message it got through was deleted: the first one
        # left, in its own order, is the one that stopped the run.
        stopped_at = next(name for name in order if name in left)
        if not all(name in left for name in order[order.index(stopped_at) :]):
            raise RuntimeError("files after the failing one were processed: listdir order assumption broken")
        (mailbox / stopped_at).rename(rejected / stopped_at)
        errors.append({"file": stopped_at, "error": _last_exception(run.stdout)})
        say(f"run {len(runs)} stopped at {stopped_at} ({errors[-1]['error']}); {len(left) - 1} left, restarting")

    counts = json.loads(manage.shell(COUNT.format(manifest=str((eml_dir / "manifest.json").resolve()))))
    seconds = sum(run.seconds for run in runs)
    charged = seconds - (len(runs) - 1) * startup.seconds
    cpu_seconds = sum(run.cpu_seconds for run in runs) - (len(runs) - 1) * startup.cpu_seconds
    result: dict[str, Any] = {
        "peer": "django-helpdesk",
        "version": DJANGO_HELPDESK_VERSION,
        "django": DJANGO_VERSION,
        "messages": len(messages),
        "seconds": round(charged, 3),
        "messages_per_second": round(len(messages) / charged, 2),
        "wall_seconds_all_runs": round(seconds, 3),
        "runs": len(runs),
        "startup_seconds": round(startup.seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "messages_per_cpu_second": round(len(messages) / cpu_seconds, 2),
        "peak_rss_mb": round(max(run.peak_rss_mb for run in runs), 1),
        **counts,
        "errors": len(errors),
        "error_types": dict(Counter(error["error"].partition(":")[0] for error in errors)),
        "error_files": errors,
    }
    say(f"{len(messages)} messages in {charged:.1f} s: {result['messages_per_second']} messages/s")
    return result


# -- the virtualenv ---------------------------------------------------------------------


def ensure_virtualenv(cache_dir: Path, python: str = "python3") -> tuple[Path, float]:
    """The venv's interpreter and how long installing took (0.0 when a cached one was reused)."""
    return peer_virtualenv(
        cache_dir,
        python=python,
        requirements=REQUIREMENTS,
        environment=_environment(),
        probe_imports="django, helpdesk",
    )


# -- the Django project -----------------------------------------------------------------


def _write_project(project: Path) -> None:
    package = project / "benchsite"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(SETTINGS)
    (package / "urls.py").write_text(URLS)
    (project / "manage.py").write_text(MANAGE)


def _environment() -> dict[str, str]:
    """This process's environment, without webhook targets or another venv, in a UTF-8 locale."""
    env = clean_environment(DJANGO_SETTINGS_MODULE="benchsite.settings", LC_ALL="C.UTF-8", LANG="C.UTF-8")
    return {name: value for name, value in env.items() if not name.startswith("HELPDESK_")}


class _Manage:
    def __init__(self, python: Path, project: Path) -> None:
        self.command = [str(python), str(project / "manage.py")]
        self.project = project

    def check(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our venv's interpreter and the generated manage.py
            [*self.command, *args], cwd=self.project, env=_environment(), capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def shell(self, code: str) -> str:
        return self.check("shell", "--no-imports", "-c", textwrap.dedent(code))

    def get_email(self, mailbox: Path) -> Run:
        """One `manage.py get_email`, timed from spawn to exit, with the child's CPU time and peak RSS.

        The queue's last-check time is cleared first, as if its check interval (5 minutes
        by default) had passed: otherwise a run soon after another skips the queue. A run
        that takes no file from the mailbox for STALL_SECONDS is killed (a message stuck in
        a parser), and counts as stopped by that message.
        """
        with closing(sqlite3.connect(self.project / "db.sqlite3")) as db, db:
            db.execute("UPDATE helpdesk_queue SET email_box_last_check = NULL")
        with tempfile.TemporaryFile("w+") as output:
            started = time.perf_counter()
            child = subprocess.Popen(  # noqa: S603 - our own venv's interpreter and script
                [*self.command, "get_email", "--debug_to_stdout"],
                cwd=self.project,
                env=_environment(),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            stalled = False
            last_change, last_mtime = started, mailbox.stat().st_mtime_ns
            while True:
                pid, status, usage = os.wait4(child.pid, os.WNOHANG)
                if pid:
                    break
                time.sleep(0.01)
                mtime = mailbox.stat().st_mtime_ns  # changes as files are deleted
                now = time.perf_counter()
                if mtime != last_mtime:
                    last_change, last_mtime = now, mtime
                elif now - last_change > STALL_SECONDS and not stalled:
                    stalled = True
                    child.kill()
            seconds = time.perf_counter() - started
            child.returncode = os.waitstatus_to_exitcode(status)
            output.seek(0)
            text = output.read()
        if stalled:
            text += f"\nStalled: no message done in {STALL_SECONDS:.0f} s, killed\n"
        failed = stalled or f"Queue processing failed: {QUEUE_SLUG}" in text
        if not failed and (child.returncode != 0 or f"Queue successfully processed: {QUEUE_SLUG}" not in text):
            raise RuntimeError(f"get_email exited {child.returncode} without processing the queue:\n{text[-4000:]}")
        return Run(seconds, failed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text)


def _last_exception(stdout: str) -> str:
    """The exception line of the traceback get_email printed for the failed queue."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    if lines and lines[-1].startswith("Stalled:"):
        return lines[-1]
    for line in reversed(lines):
        if not line.startswith((" ", "Email extraction", "-")) and ("Error" in line or "Exception" in line):
            return line.strip()[:300]
    return lines[-1].strip()[:300] if lines else "unknown"


if __name__ == "__main__":
    main()
