"""The demo's escalations, as the stories of what happened to each ('escalations.demo'
replays them through the services)."""

from dataclasses import dataclass, field
from datetime import timedelta

ENGINEER = "engineer@vendor.example"
VENDOR_ADMIN = "admin@vendor.example"


@dataclass(frozen=True)
class Step:
    """Something that happened 'after' the submission (or the draft), done by 'who'.

    'what' is a workflow action, "comment", "note" (vendor-internal), "attach" ('text'
    is the file's name) or "assign" (to the engineer).
    """

    after: timedelta
    who: str
    what: str
    text: str = ""
    reason: str | None = None
    article: str | None = None  # a KB article's title, for documented_in_kb


@dataclass(frozen=True)
class DemoEscalation:
    key: str
    partner: str
    title: str
    severity: str
    product: str
    release: str
    lab: str
    customer: str
    #: How long before the demo's day it was submitted (drafted, for a draft).
    ago: timedelta
    steps: str
    expected: str
    actual: str
    business_impact: str = ""
    #: Titles of the KB articles shown, opened and ticked as reviewed while writing it.
    shown: tuple[str, ...] = ()
    opened: tuple[str, ...] = ()
    reviewed: tuple[str, ...] = ()
    #: A draft's author (a newcomer): the escalation stays a draft.
    drafted_by: str | None = None
    history: tuple[Step, ...] = field(default_factory=tuple)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def days(n: float) -> timedelta:
    return timedelta(days=n)


EXPORT_ARTICLE = "Export hangs on files larger than 2 GB"
SEARCH_ARTICLE = "Search index corrupt after an unclean shutdown"
BUNDLE_ARTICLE = "Collect a support bundle before escalating"
LDAP_ARTICLE = "Connect Orbit Server to LDAP or Active Directory"
BACKUP_ARTICLE = "Back up and restore Orbit Server"
ANDROID_ARTICLE = "Orbit Mobile crashes at start on Android 15"

ACME = (
    DemoEscalation(
        key="acme-search-after-power-cut",
        partner="acme",
        title="Search returns no results after a power cut in the data centre",
        severity="S2",
        product="orbit-server",
        release="4.1.0",
        lab="Acme Old Lab",
        customer="Northwind Traders",
        ago=days(172),
        steps="1. Stop the server VM without shutting Orbit down (power off).\n"
        "2. Start it again.\n3. Search for any word that is in a document.",
        expected="The documents containing the word are found.",
        actual="Every search returns 0 results; the indexing worker logs "
        "'segment checksum mismatch' once at start.",
        shown=(SEARCH_ARTICLE, BUNDLE_ARTICLE),
        opened=(BUNDLE_ARTICLE,),
        reviewed=(BUNDLE_ARTICLE,),
        history=(
            Step(hours(1), ENGINEER, "accept"),
            Step(
                hours(1.2),
                ENGINEER,
                "comment",
                "The index is corrupt. Run 'orbit-admin "
                "search rebuild --full' (about an hour for Northwind's volume).",
            ),
            Step(
                hours(5),
                "tech@acme.example",
                "comment",
                "Rebuilt overnight at the customer; search works again.",
            ),
            Step(
                days(2),
                ENGINEER,
                "resolve",
                "Rebuilt the search index. The 4.2.0 release "
                "checks the index at start and rebuilds it by itself.",
            ),
            Step(days(4), "tech@acme.example", "close"),
        ),
    ),
    DemoEscalation(
        key="acme-export-documented",
        partner="acme",
        title="Project export stops at 99 % for the Contoso archive",
        severity="S3",
        product="orbit-server",
        release="4.1.0",
        lab="Acme Old Lab",
        customer="Contoso Pharma",
        ago=days(141),
        steps="1. Open the project 'Archive 2019' (holds a 2.6 GB video).\n"
        "2. Export it with the default options.",
        expected="A zip of the project.",
        actual="The progress bar stops at 99 % and stays there.",
        shown=(EXPORT_ARTICLE,),
        history=(
            Step(
                hours(3),
                ENGINEER,
                "reject",
                "This is the known issue with files over "
                "2 GB in 4.1.0: the article gives the workaround, and 4.2.0 fixes it.",
                reason="documented_in_kb",
                article=EXPORT_ARTICLE,
            ),
        ),
    ),
    DemoEscalation(
        key="acme-custom-theme",
        partner="acme",
        title="Dashboard widgets overlap on the Fabrikam portal",
        severity="S3",
        product="orbit-server",
        release="4.1.0",
        lab="Acme Old Lab",
        customer="Fabrikam Logistics",
        ago=days(118),
        steps="1. Sign in to the Fabrikam portal.\n2. Open the dashboard at 1280 px wide.",
        expected="The widgets in a grid.",
        actual="The activity widget covers the calendar.",
        history=(
            Step(hours(20), ENGINEER, "comment", "Does this happen with the stock theme as well?"),
            Step(
                days(1),
                "tech@acme.example",
                "comment",
                "Only with Fabrikam's theme: it overrides the grid's stylesheet.",
            ),
            Step(
                days(1) + hours(2),
                ENGINEER,
                "reject",
                "The overlap comes from the "
                "customer's theme, not from the product: it is the partner's to fix.",
                reason="customization",
            ),
        ),
    ),
    DemoEscalation(
        key="acme-erp-export",
        partner="acme",
        title="Export of time sheets in Northwind's ERP format",
        severity="S4",
        product="orbit-server",
        release="4.1.0",
        lab="Acme Old Lab",
        customer="Northwind Traders",
        ago=days(93),
        steps="1. Open Reports > Time sheets.\n2. Look for an ERP export.",
        expected="An export Northwind's ERP imports.",
        actual="Only CSV and PDF exports exist.",
        history=(
            Step(
                days(1),
                ENGINEER,
                "reject",
                "A new export format is a feature request, "
                "not a product problem: ask your partner manager to add it to the "
                "roadmap requests.",
                reason="out_of_scope",
            ),
        ),
    ),
    DemoEscalation(
        key="acme-withdrawn-proxy",
        partner="acme",
        title="Uploads over 100 MB fail with HTTP 413",
        severity="S3",
        product="orbit-server",
        release="4.1.0",
        lab="Acme Old Lab",
        customer="Contoso Pharma",
        ago=days(61),
        steps="1. Upload a 150 MB file through the web client.",
        expected="The file is uploaded.",
        actual="The upload fails with 'Request Entity Too Large'.",
        history=(
            Step(hours(2), ENGINEER, "accept"),
            Step(
                hours(26),
                "tech@acme.example",
                "withdraw",
                "Found it: Contoso's reverse proxy limits request bodies to 100 MB.",
            ),
        ),
    ),
    DemoEscalation(
        key="acme-mobile-offline-edits",
        partner="acme",
        title="Offline edits are lost when the mobile app is closed from the task switcher",
        severity="S3",
        product="orbit-mobile",
        release="2.1.0",
        lab="Acme Mobile Lab",
        customer="Fabrikam Logistics",
        ago=days(30),
        steps="1. Switch the phone to flight mode.\n2. Edit a note in the app.\n"
        "3. Close the app from the task switcher.\n4. Turn flight mode off, open the app.",
        expected="The edit is uploaded.",
        actual="The note shows the text from before the edit.",
        shown=("Training: troubleshooting Orbit Mobile sync",),
        opened=("Training: troubleshooting Orbit Mobile sync",),
        reviewed=("Training: troubleshooting Orbit Mobile sync",),
        history=(
            Step(hours(4), ENGINEER, "accept"),
            Step(
                days(4),
                ENGINEER,
                "resolve",
                "Fixed in Orbit Mobile 2.1.1: offline edits "
                "are saved before the app can be closed.",
            ),
            Step(days(6), "admin@acme.example", "close"),
        ),
    ),
    DemoEscalation(
        key="acme-connection-pool",
        partner="acme",
        title="Web requests time out every afternoon at peak load",
        severity="S2",
        product="orbit-server",
        release="4.2.0",
        lab="Acme Server Lab",
        customer="Northwind Traders",
        ago=days(16),
        steps="1. Run the load profile 'afternoon peak' (800 concurrent users) on the lab.\n"
        "2. Watch the response times.",
        expected="Pages answer within a second.",
        actual="After about 20 minutes requests wait 30 s and fail; the log says "
        "'QueuePool limit of size 20 overflow 10 reached'.",
        shown=(BUNDLE_ARTICLE, "Sizing guide: servers for 500 to 5,000 seats"),
        opened=("Sizing guide: servers for 500 to 5,000 seats",),
        reviewed=(BUNDLE_ARTICLE, "Sizing guide: servers for 500 to 5,000 seats"),
        history=(
            Step(hours(1), ENGINEER, "accept"),
            Step(hours(1.1), ENGINEER, "assign"),
            Step(
                hours(1.5),
                ENGINEER,
                "request_info",
                "Please attach the server log of a "
                "peak and the output of 'orbit-admin db pool status'.",
            ),
            Step(days(1), "tech@acme.example", "attach", "orbit-server-peak.log"),
            Step(
                days(1) + hours(0.1),
                "tech@acme.example",
                "respond",
                "Log of yesterday's peak attached.",
            ),
            Step(
                days(1) + hours(3),
                ENGINEER,
                "note",
                "Same pool leak as the 4.2.1 hotfix; the article is still internal.",
            ),
            Step(
                days(11),
                ENGINEER,
                "resolve",
                "Hotfix 4.2.1 fixes the connection leak; install it from the partner downloads.",
            ),
        ),
    ),
    DemoEscalation(
        key="acme-mobile-sso-waiting",
        partner="acme",
        title="Mobile sign-in through SSO loops back to the sign-in page",
        severity="S3",
        product="orbit-server",
        release="4.2.0",
        lab="Acme Server Lab",
        customer="Contoso Pharma",
        ago=days(8),
        steps="1. Configure SAML SSO as in the KB article.\n2. Sign in from the mobile app.",
        expected="The app opens the home screen.",
        actual="The identity provider's page comes back after every sign-in.",
        shown=("Configure single sign-on with SAML 2.0",),
        opened=("Configure single sign-on with SAML 2.0",),
        history=(
            Step(hours(2), ENGINEER, "accept"),
            Step(
                days(1),
                ENGINEER,
                "request_info",
                "Which redirect URIs are registered at "
                "the identity provider? A screenshot of its app settings helps.",
            ),
        ),
    ),
    DemoEscalation(
        key="acme-s1-sign-in-down",
        partner="acme",
        title="Every sign-in fails with HTTP 502 since the nightly restart",
        severity="S1",
        product="orbit-server",
        release="4.2.0",
        lab="Acme Server Lab",
        customer="Northwind Traders",
        ago=hours(5),
        steps="1. Restart the server (as the nightly job does).\n2. Sign in as any user.",
        expected="The user is signed in.",
        actual="HTTP 502 from the web tier; the log shows 'auth backend not ready' in a loop.",
        business_impact="All 1,200 Northwind users are locked out of production, "
        "including their trading desk; no workaround found.",
        shown=("Reset a locked administrator account", BUNDLE_ARTICLE),
        opened=("Reset a locked administrator account",),
        reviewed=("Reset a locked administrator account", BUNDLE_ARTICLE),
        history=(
            Step(hours(0.05), "tech@acme.example", "attach", "web-tier.log"),
            Step(hours(0.06), "tech@acme.example", "attach", "sign-in-error.png"),
            Step(hours(0.3), ENGINEER, "accept"),
            Step(hours(0.31), VENDOR_ADMIN, "assign"),
            Step(
                hours(0.4),
                ENGINEER,
                "comment",
                "We are on it. Please keep the server "
                "running and send the output of 'orbit-admin auth status'.",
            ),
            Step(
                hours(0.5),
                ENGINEER,
                "note",
                "The auth backend waits for the cache "
                "cluster, which the restart left behind: check with the cache team.",
            ),
            Step(
                hours(1),
                "tech@acme.example",
                "comment",
                "orbit-admin auth status says: waiting for cache (3/3 nodes unreachable).",
            ),
        ),
    ),
    DemoEscalation(
        key="acme-mobile-question",
        partner="acme",
        title="Can the mobile app keep its offline cache on the SD card?",
        severity="S4",
        product="orbit-mobile",
        release="2.1.0",
        lab="Acme Mobile Lab",
        customer="Fabrikam Logistics",
        ago=hours(2),
        steps="1. Open Settings > Storage in the app on an Android phone with an SD card.",
        expected="A choice of where the offline cache is kept.",
        actual="The cache is always kept in the internal storage.",
    ),
    DemoEscalation(
        key="acme-newbie-draft",
        partner="acme",
        title="App crashes when a shared album is opened",
        severity="S2",
        product="orbit-mobile",
        release="2.1.0",
        lab="Acme Mobile Lab",
        customer="Contoso Pharma",
        ago=days(1),
        steps="1. Share an album with 300 photos with a colleague.\n"
        "2. Open it in the colleague's app.",
        expected="The album opens.",
        actual="",
        shown=(ANDROID_ARTICLE,),
        opened=(ANDROID_ARTICLE,),
        drafted_by="newbie@acme.example",
    ),
)

GLOBEX = (
    DemoEscalation(
        key="globex-backup-nfs",
        partner="globex",
        title="Nightly backup to the NFS share fails with 'permission denied'",
        severity="S2",
        product="orbit-server",
        release="4.1.0",
        lab="Globex Lab",
        customer="Umbrella Health",
        ago=days(55),
        steps="1. Set the backup target to the NFS share /mnt/backup.\n"
        "2. Run 'orbit-admin backup run'.",
        expected="A backup archive on the share.",
        actual="'permission denied' after the database dump; nothing on the share.",
        shown=(BACKUP_ARTICLE,),
        opened=(BACKUP_ARTICLE,),
        reviewed=(BACKUP_ARTICLE,),
        history=(
            Step(hours(3), ENGINEER, "accept"),
            Step(
                days(2),
                ENGINEER,
                "resolve",
                "The backup job switches to the service user "
                "before writing; the share must allow uid 990. The article now says so.",
            ),
            Step(days(9), "tech@globex.example", "close"),
        ),
    ),
    DemoEscalation(
        key="globex-sso-not-reproducible",
        partner="globex",
        title="Users are signed out every ten minutes",
        severity="S3",
        product="orbit-server",
        release="4.1.0",
        lab="Globex Lab",
        customer="Initech",
        ago=days(48),
        steps="1. Sign in at Initech.\n2. Work for ten minutes.",
        expected="The session lasts the configured 8 hours.",
        actual="The user is signed out after about ten minutes.",
        history=(
            Step(hours(4), ENGINEER, "accept"),
            Step(
                days(2),
                ENGINEER,
                "reject",
                "On a vanilla 4.1.0 sessions last 8 hours; "
                "Initech's load balancer drops the session cookie.",
                reason="not_reproducible_on_vanilla",
            ),
        ),
    ),
    DemoEscalation(
        key="globex-ldap-config",
        partner="globex",
        title="Directory users cannot sign in after the LDAP move",
        severity="S3",
        product="orbit-server",
        release="4.1.0",
        lab="Globex Lab",
        customer="Umbrella Health",
        ago=days(40),
        steps="1. Point the LDAP connection at the new directory server.\n"
        "2. Sign in as a directory user.",
        expected="The user is signed in.",
        actual="'Invalid credentials' for every directory user.",
        shown=(LDAP_ARTICLE,),
        opened=(LDAP_ARTICLE,),
        history=(
            Step(
                hours(5),
                ENGINEER,
                "reject",
                "The bind DN still names the old directory's "
                "base; with the right base DN it works.",
                reason="configuration_or_user_error",
            ),
        ),
    ),
    DemoEscalation(
        key="globex-backup-duplicate",
        partner="globex",
        title="Backups to NFS stop with a permissions error",
        severity="S3",
        product="orbit-server",
        release="4.1.0",
        lab="Globex Lab",
        customer="Initech",
        ago=days(33),
        steps="1. Run 'orbit-admin backup run' with an NFS target.",
        expected="A backup on the share.",
        actual="'permission denied' while writing the archive.",
        history=(
            Step(
                hours(6),
                ENGINEER,
                "reject",
                "Same problem as the Umbrella Health backup "
                "resolved last month: the share must allow the service user.",
                reason="duplicate",
            ),
        ),
    ),
    DemoEscalation(
        key="globex-withdrawn-mail",
        partner="globex",
        title="Notification e-mails are not delivered to Initech",
        severity="S3",
        product="orbit-server",
        release="4.1.0",
        lab="Globex Lab",
        customer="Initech",
        ago=days(20),
        steps="1. Mention a user at Initech in a comment.",
        expected="The user receives an e-mail.",
        actual="No e-mail arrives; the outbox says 'sent'.",
        history=(
            Step(
                hours(4),
                ENGINEER,
                "request_info",
                "Does the mail server accept mail from the Orbit host?",
            ),
            Step(
                days(2),
                "tech@globex.example",
                "withdraw",
                "Initech's spam filter held the mails; released and whitelisted.",
            ),
        ),
    ),
    DemoEscalation(
        key="globex-calendar-resolved",
        partner="globex",
        title="Calendar invitations show times an hour off after the clock change",
        severity="S3",
        product="orbit-server",
        release="4.1.0",
        lab="Globex Lab",
        customer="Umbrella Health",
        ago=days(12),
        steps="1. Create a meeting for a date after the daylight-saving change.\n"
        "2. Open the invitation in Outlook.",
        expected="The meeting at the time it was created for.",
        actual="Outlook shows it an hour later.",
        history=(
            Step(hours(2), ENGINEER, "accept"),
            Step(days(1), "tech@globex.example", "attach", "invitation.ics.txt"),
            Step(
                days(8),
                ENGINEER,
                "resolve",
                "The invitations now carry the time zone's "
                "rules (fixed in 4.1.2); upgrade and re-send the invitations.",
            ),
        ),
    ),
    DemoEscalation(
        key="globex-indexing-memory",
        partner="globex",
        title="The indexing worker grows until the kernel kills it",
        severity="S2",
        product="orbit-server",
        release="4.1.0",
        lab="Globex Lab",
        customer="Umbrella Health",
        ago=days(9),
        steps="1. Import 50,000 documents with the bulk importer.\n"
        "2. Watch the indexing worker's memory.",
        expected="Memory stays under 2 GB.",
        actual="It grows to 14 GB in an hour and is killed (OOM).",
        shown=(SEARCH_ARTICLE,),
        history=(
            Step(hours(3), ENGINEER, "accept"),
            Step(hours(3.1), ENGINEER, "assign"),
            Step(
                days(1),
                ENGINEER,
                "note",
                "Looks like the known indexing memory growth; a heap profile would confirm it.",
            ),
            Step(
                days(1) + hours(0.2),
                ENGINEER,
                "request_info",
                "Please run the import again with 'ORBIT_PROFILE_HEAP=1' and attach the profile.",
            ),
        ),
    ),
    DemoEscalation(
        key="globex-attachments-accepted",
        partner="globex",
        title="Attachments with '#' in the name cannot be downloaded",
        severity="S2",
        product="orbit-server",
        release="4.1.0",
        lab="Globex Lab",
        customer="Initech",
        ago=days(3),
        steps="1. Upload a file named 'Q3 #2.pdf'.\n2. Click it to download.",
        expected="The file is downloaded.",
        actual="A 404 page.",
        history=(
            Step(hours(5), ENGINEER, "accept"),
            Step(
                hours(5.2),
                ENGINEER,
                "comment",
                "Reproduced on our side; a fix is being "
                "tested. Until then, renaming the file works.",
            ),
        ),
    ),
    DemoEscalation(
        key="globex-submitted",
        partner="globex",
        title="Shared links expire a day earlier than set",
        severity="S3",
        product="orbit-server",
        release="4.1.0",
        lab="Globex Lab",
        customer="Umbrella Health",
        ago=hours(20),
        steps="1. Share a document with an expiry date 7 days ahead.\n"
        "2. Open the link on the sixth day.",
        expected="The document opens.",
        actual="'This link has expired.'",
    ),
    DemoEscalation(
        key="globex-newbie-draft",
        partner="globex",
        title="Search is slow for words with accents",
        severity="S3",
        product="orbit-server",
        release="4.1.0",
        lab="Globex Lab",
        customer="Initech",
        ago=days(2),
        steps="1. Search for 'café'.",
        expected="",
        actual="",
        drafted_by="newbie@globex.example",
    ),
)

DEMO_ESCALATIONS = ACME + GLOBEX
