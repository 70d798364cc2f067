"""Demo: a year of finished escalations for both demo partners, behind the support
manager's dashboard, its trends and the partner review.

The history is a table: for each partner, one line per month (oldest first) naming its
escalations by outcome. `escalations(today)` turns it into `DemoEscalation` stories that
`escalations.demo` replays through the services with the stories of stories.py, in the
order they were submitted, so that timelines, SLA clocks, audit entries and the roll-ups
agree. Each month is a 30-day stretch before the demo's day, none in the last 20 days
(every history escalation is over by then) and none before its partner's technician
was certified on the product and its lab registered (the certification demo backdates
them): acme's Orbit Server lab since 360 days, its Orbit Mobile certification and lab
since about 100 days; globex's since about 345 days.

- acme: four to six a month, about one in ten rejected, Orbit Mobile in the last three
  months; with the stories its unwarranted rate over the year stays above the premier
  threshold (acme is `certified`, not `premier`);
- globex: growing from three to seven a month, its share rejected rising from a third to
  over half, mostly `configuration_or_user_error` and `documented_in_kb` (its technicians do
  not read the knowledge base): the dashboard flags its unwarranted rate.

Outcomes: `R` accepted, resolved and closed; `I` the same after the engineer asked for
information; `W` withdrawn by the technician; a rejection by its reason's abbreviation
(`REASONS`). An `m` before it makes it an Orbit Mobile escalation.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from escalations.demo.stories import ENGINEER, DemoEscalation, Step, days, hours

SEED = 16
#: No history escalation is younger (its last step must be in the past).
NEWEST_DAYS = 20

REASONS = {
    "nr": "not_reproducible_on_vanilla",
    "cu": "customization",
    "kb": "documented_in_kb",
    "ce": "configuration_or_user_error",
    "os": "out_of_scope",
    "du": "duplicate",
}

# Each partner: the oldest history day, the labs and customers, then one line a month,
# twelve months ago first.
PARTNERS = {
    "acme": (
        355,
        {"orbit-server": ("4.1.0", "Acme Old Lab"), "orbit-mobile": ("2.1.0", "Acme Mobile Lab")},
        ("Northwind Traders", "Contoso Pharma", "Fabrikam Logistics"),
        (
            "R cu I R",
            "R kb R W R",
            "R I R R",
            "os R I R",
            "R R W R",
            "R R I R",
            "R I du R R",
            "R R I R",
            "ce R I W R",
            "R mR I kb mI",
            "R mR W R mR R",
            "R mce I",
        ),
    ),
    "globex": (
        340,
        {"orbit-server": ("4.1.0", "Globex Lab")},
        ("Initech", "Umbrella Health"),
        (
            "R nr R",
            "R I ce",
            "R R kb I",
            "R ce I W",
            "R nr I R",
            "ce R I kb R",
            "R du ce I R",
            "ce I kb R W R",
            "R nr ce I kb R",
            "ce R kb I ce W R",
            "R ce I nr kb ce R",
            "ce R kb",
        ),
    ),
}


@dataclass(frozen=True)
class Problem:
    title: str
    steps: str
    expected: str
    actual: str
    #: What the engineer (or, for a withdrawal, the technician) wrote when it ended.
    ending: str
    #: documented_in_kb: the article's title (shown to the submitter, who did not open it).
    article: str | None = None


def _p(title, steps, expected, actual, ending, article=None) -> Problem:
    return Problem(title, steps, expected, actual, ending, article)


# Problems by product and outcome ("R" for what the vendor fixed, "W" for a withdrawal).
PROBLEMS: dict[tuple[str, str], tuple[Problem, ...]] = {
    ("orbit-server", "R"): (
        _p(
            "Thumbnails of long PDF files stay grey",
            "1. Upload a PDF of more than 200 pages.\n2. Open its folder.",
            "A thumbnail of the first page.",
            "A grey placeholder; the log says 'preview timeout'.",
            "The preview worker renders the first page only now (hotfix 4.1.1).",
        ),
        _p(
            "WebDAV clients show each file twice after a folder is renamed",
            "1. Map the project through WebDAV.\n2. Rename a folder in the web client.",
            "The mapped drive shows the folder under its new name.",
            "Both names are listed, each with the same files.",
            "The WebDAV listing no longer caches renamed folders; fixed in 4.1.2.",
        ),
        _p(
            "The audit report times out for a range of a year",
            "1. Open Reports > Audit.\n2. Choose the last twelve months.",
            "The report within a minute.",
            "HTTP 504 after 60 seconds.",
            "The report is built in the background and mailed when ready (4.1.2).",
        ),
        _p(
            "A mention of a user with an apostrophe in the name breaks the comment",
            "1. Write a comment mentioning @Dara O'Neill.\n2. Save it.",
            "The comment with the mention linked.",
            "The comment is cut off at the apostrophe.",
            "Mentions are escaped properly now; fixed in 4.1.1.",
        ),
        _p(
            "Scheduled reports are sent twice after a failover",
            "1. Schedule a weekly report.\n2. Fail the cluster over to the second node.",
            "One mail per schedule.",
            "Every recipient gets the report twice.",
            "Only the active node runs the scheduler now (4.1.2); restart both nodes.",
        ),
        _p(
            "The REST API answers 500 for folders with more than 10,000 items",
            "1. GET /api/folders/{id}/items on a folder of 12,000 files.",
            "The first page of items.",
            "HTTP 500; the log shows a query timeout.",
            "The listing is paged on the server now; fixed in 4.1.2.",
        ),
        _p(
            "Password reset links open the sign-in page",
            "1. Ask for a password reset.\n2. Open the link in the mail.",
            "The form to choose a new password.",
            "The sign-in page, and the link does not work again.",
            "Reset links survive the single sign-on redirect now (hotfix 4.1.1).",
        ),
        _p(
            "Files with emoji in their names cannot be uploaded from Safari",
            "1. In Safari, upload a file named 'Plan 🚀.docx'.",
            "The file is uploaded.",
            "'Upload failed' at 100 %.",
            "File names are normalised before the upload is stored; fixed in 4.1.2.",
        ),
        _p(
            "The retention policy deletes pinned versions",
            "1. Pin version 3 of a document.\n2. Let the 90-day retention run.",
            "Pinned versions are kept.",
            "Version 3 is gone from the history.",
            "Retention skips pinned versions again; hotfix 4.1.1 restores them from the bin.",
        ),
        _p(
            "Document locks stay after the editor's session ends",
            "1. Open a document for editing.\n2. Close the browser without saving.",
            "The lock is released within 15 minutes.",
            "The document stays locked until an administrator unlocks it.",
            "Locks of expired sessions are released by the cleanup job now (4.1.2).",
        ),
    ),
    ("orbit-server", "W"): (
        _p(
            "Large uploads fail through the customer's VPN",
            "1. Connect through the customer's VPN.\n2. Upload a 500 MB file.",
            "The file is uploaded.",
            "The upload stops after about five minutes.",
            "The customer's VPN drops connections after five minutes; they changed it.",
        ),
        _p(
            "One user cannot sign in since Monday",
            "1. Sign in as the user j.meyer.",
            "The user is signed in.",
            "'Invalid credentials', though the password is right.",
            "The account was disabled in the customer's directory; re-enabled.",
        ),
        _p(
            "The server is slow every Monday morning",
            "1. Open any project on a Monday between 8 and 10.",
            "Pages in under a second.",
            "Pages take 10 to 20 seconds.",
            "The customer's antivirus runs its full scan then; the data folder is excluded now.",
        ),
    ),
    ("orbit-server", "nr"): (
        _p(
            "Users are signed out after a few minutes at one site",
            "1. Sign in from the Hamburg office.\n2. Work for five minutes.",
            "The session lasts the configured 8 hours.",
            "The user is signed out.",
            "On a vanilla 4.1.0 sessions last 8 hours; the site's proxy strips the cookie.",
        ),
        _p(
            "Pages load slowly for one department",
            "1. Open the project list as a member of Finance.",
            "The list within a second.",
            "The list takes 15 seconds.",
            "Not reproducible on vanilla: the department's 40 custom fields are the customer's.",
        ),
    ),
    ("orbit-server", "cu"): (
        _p(
            "The custom sign-in page loses the customer's logo after the update",
            "1. Update the server.\n2. Open the sign-in page.",
            "The customer's logo.",
            "The Orbit logo.",
            "The sign-in page was changed in the customer's copy of the template: theirs "
            "to carry over.",
        ),
        _p(
            "The customer's workflow script fails when a folder is moved",
            "1. Move a folder that the script 'archive-on-move' watches.",
            "The script archives it.",
            "The script stops with 'KeyError: path'.",
            "The script is the partner's customisation; the event's fields are documented.",
        ),
    ),
    ("orbit-server", "kb"): (
        _p(
            "Search finds nothing after the server was switched off",
            "1. Switch the server off without stopping Orbit.\n2. Start it, search.",
            "The documents are found.",
            "Every search returns 0 results.",
            "Documented: the article gives the rebuild command.",
            "Search index corrupt after an unclean shutdown",
        ),
        _p(
            "Export of a project with videos never finishes",
            "1. Export a project holding a 3 GB video.",
            "A zip of the project.",
            "The progress bar stops at 99 %.",
            "Documented: the known issue with files over 2 GB, with its workaround.",
            "Export hangs on files larger than 2 GB",
        ),
        _p(
            "The administrator is locked out after too many attempts",
            "1. Sign in as admin with a wrong password six times.\n2. Use the right one.",
            "The administrator is signed in.",
            "'Account locked'.",
            "Documented: the article says how to unlock it from the command line.",
            "Reset a locked administrator account",
        ),
        _p(
            "Browsers warn about the certificate after it was renewed",
            "1. Replace the TLS certificate files.\n2. Open the portal.",
            "No warning.",
            "'Your connection is not private'.",
            "Documented: the server must be told to reload the certificate.",
            "Rotate the TLS certificate of Orbit Server",
        ),
    ),
    ("orbit-server", "ce"): (
        _p(
            "Members of a directory group cannot see the group's shared folders",
            "1. Share a folder with the directory group 'Sales'.\n2. Sign in as a member.",
            "The folder is listed.",
            "No shared folders.",
            "The group filter names 'cn=sales' but the directory's group is 'CN=Sales-DE'.",
        ),
        _p(
            "Notification mails link to the wrong address",
            "1. Mention a colleague in a comment.\n2. Open the link in the mail.",
            "The comment opens.",
            "The link points at http://localhost:8080.",
            "The public URL setting still has the installer's default.",
        ),
        _p(
            "The disk fills with temporary files",
            "1. Run the server for a week with daily imports.",
            "Temporary files are cleaned up.",
            "/tmp fills up and the imports fail.",
            "The temporary folder was set to a 2 GB partition; the sizing guide says 50 GB.",
        ),
    ),
    ("orbit-server", "os"): (
        _p(
            "Running Orbit Server on an Oracle database",
            "1. Point the database URL at Oracle 19c.",
            "The server starts.",
            "'Unsupported database dialect'.",
            "Oracle is not a supported database: a feature request for the roadmap.",
        ),
    ),
    ("orbit-server", "du"): (
        _p(
            "Previews of long PDF files are grey",
            "1. Upload a 300-page PDF.",
            "A thumbnail.",
            "A grey box.",
            "Same as the preview timeout fixed in hotfix 4.1.1: install it.",
        ),
    ),
    ("orbit-mobile", "R"): (
        _p(
            "Photo uploads stall on mobile data",
            "1. Turn Wi-Fi off.\n2. Upload ten photos from the app.",
            "The photos are uploaded.",
            "The upload stays at 0 % until Wi-Fi is back.",
            "The 'Wi-Fi only' default was applied to every network; fixed in 2.1.1.",
        ),
        _p(
            "The app signs out when another app is opened",
            "1. Sign in.\n2. Switch to the camera app and back.",
            "The app where it was.",
            "The sign-in screen.",
            "The token is kept in the keychain across suspensions now (2.1.1).",
        ),
        _p(
            "Tables are unreadable in dark mode",
            "1. Switch the phone to dark mode.\n2. Open a document with a table.",
            "Light text on a dark background.",
            "Black text on a dark grey background.",
            "Tables follow the dark theme in 2.1.2.",
        ),
    ),
    ("orbit-mobile", "ce"): (
        _p(
            "Phones enrolled through MDM cannot reach the server",
            "1. Enrol a phone with the customer's MDM profile.\n2. Open the app.",
            "The app connects.",
            "'Server unreachable'.",
            "The MDM profile's per-app VPN rule names the old app identifier.",
        ),
    ),
}

INFO_REQUEST = "Please attach a support bundle from your lab and the server log of a failure."
INFO_REPLY = "Support bundle and log of this morning's failure attached to our ticket share."

#: (triage hours, resolution days), from and to, by severity.
TIMES = {"S2": ((0.5, 4), (1, 5)), "S3": ((1, 8), (2, 8)), "S4": ((2, 20), (3, 9))}
SEVERITIES = ("S2", "S3", "S3", "S3", "S4")


def _steps(outcome: str, severity: str, problem: Problem, tech: str, rng) -> tuple[Step, ...]:
    (triage_from, triage_to), (resolve_from, resolve_to) = TIMES[severity]
    triage = hours(round(rng.uniform(triage_from, triage_to), 1))
    if outcome in REASONS:
        return (
            Step(
                triage,
                ENGINEER,
                "reject",
                problem.ending,
                reason=REASONS[outcome],
                article=problem.article,
            ),
        )
    if outcome == "W":
        return (
            Step(triage, ENGINEER, "accept"),
            Step(triage + days(rng.randint(1, 3)), tech, "withdraw", problem.ending),
        )
    resolved = days(rng.randint(resolve_from, resolve_to)) + hours(rng.randint(0, 6))
    steps = [Step(triage, ENGINEER, "accept")]
    if outcome == "I":
        asked = triage + hours(2)
        steps += [
            Step(asked, ENGINEER, "request_info", INFO_REQUEST),
            Step(asked + days(rng.randint(1, 2)), tech, "respond", INFO_REPLY),
        ]
        resolved += days(2)
    closer = rng.choice((tech, tech.replace("tech@", "admin@")))
    return (
        *steps,
        Step(resolved, ENGINEER, "resolve", problem.ending),
        Step(resolved + days(rng.randint(1, 3)), closer, "close"),
    )


def _days_ago(month: int, count: int, oldest: int, today: date, rng) -> list[int]:
    """`count` days in the `month`-th 30 days before today, on weekdays, oldest first."""
    newest, last = max(30 * (month - 1), NEWEST_DAYS), min(30 * month, oldest) - 1
    spread = sorted((rng.randint(newest, last) for _ in range(count)), reverse=True)
    weekday = {5: 1, 6: -1}  # Saturday to the Friday before, Sunday to the Monday after
    return [d + weekday.get((today - timedelta(days=d)).weekday(), 0) for d in spread]


def escalations(today: date) -> list[DemoEscalation]:
    """The history as stories, dated back from `today` (the same every time for a day)."""
    rng = random.Random(SEED)
    found = []
    for partner, (oldest, labs, customers, months) in PARTNERS.items():
        tech = f"tech@{partner}.example"
        used: dict[tuple[str, str], int] = {}
        for month, line in zip(range(len(months), 0, -1), months, strict=True):
            tokens = line.split()
            for token, ago in zip(
                tokens, _days_ago(month, len(tokens), oldest, today, rng), strict=True
            ):
                mobile = token.startswith("m")
                outcome = token[1:] if mobile else token
                product = "orbit-mobile" if mobile else "orbit-server"
                kind = (product, "R" if outcome == "I" else outcome)
                problem = PROBLEMS[kind][used.get(kind, 0) % len(PROBLEMS[kind])]
                used[kind] = used.get(kind, 0) + 1
                release, lab = labs[product]
                severity = "S4" if outcome == "os" else rng.choice(SEVERITIES)
                shown = (problem.article,) if problem.article else ()
                found.append(
                    DemoEscalation(
                        key=f"{partner}-history-{len(found) + 1}",
                        partner=partner,
                        title=problem.title,
                        severity=severity,
                        product=product,
                        release=release,
                        lab=lab,
                        customer=rng.choice(customers),
                        ago=days(ago),
                        steps=problem.steps,
                        expected=problem.expected,
                        actual=problem.actual,
                        shown=shown,
                        history=_steps(outcome, severity, problem, tech, rng),
                    )
                )
    return found
