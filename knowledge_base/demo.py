"""Demo knowledge base: articles across products, kinds and all three visibilities.

Called by `flask --app app seed-demo` with the demo world built so far.
"""

from dataclasses import dataclass

from knowledge_base.services import (
    ArticleInput,
    create_article,
    flag_articles_for_major_release,
    update_article,
)
from knowledge_base.votes import vote
from portal.models.products import find_release


@dataclass(frozen=True)
class DemoArticle:
    title: str
    product: str | None
    releases: tuple[str, ...]
    kind: str
    visibility: str
    tags: str
    body: str
    published: bool = True
    author: str = "engineer@vendor.example"


ARTICLES = (
    DemoArticle(
        "Export hangs on files larger than 2 GB",
        "orbit-server",
        ("4.1.0",),
        "known_issue",
        "public",
        "export, storage, large-files",
        """## Symptoms
Exporting a project that contains a file larger than 2 GB stops at 99 % and never
completes. The server log shows:

```
WARN  export.worker  chunk 2048 of 2049 waiting for stream (timeout 300s)
```

## Cause
The export worker in 4.1.0 reads attachments with a 32-bit offset, so the last chunk
of a file over 2 GB is never requested.

## Workaround
1. Exclude the large files from the export (**Export → Options → Skip files over**).
2. Copy them separately from the storage volume.

## Fix
Fixed in **4.2.0**. Upgrade, then run the export again.
""",
    ),
    DemoArticle(
        "Configure single sign-on with SAML 2.0",
        "orbit-server",
        (),
        "how_to",
        "public",
        "sso, saml, authentication",
        """Orbit Server signs users in through any SAML 2.0 identity provider (Azure AD,
Okta, Keycloak, ADFS).

## Before you start
- An administrator account on Orbit Server.
- The identity provider's **metadata URL** or XML file.

## Steps
1. Open **Administration → Authentication → Single sign-on**.
2. Choose **SAML 2.0** and paste the metadata URL.
3. Map the attributes:

| Orbit attribute | SAML attribute (example) |
|---|---|
| e-mail | `http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress` |
| display name | `displayName` |
| groups | `memberOf` |

4. Click **Test sign-in** in a private browser window before you enable it for everyone.

Keep one local administrator account: it still signs in if the identity provider is down.
""",
    ),
    DemoArticle(
        "Connect Orbit Server to LDAP or Active Directory",
        "orbit-server",
        (),
        "how_to",
        "partners",
        "ldap, active-directory, authentication",
        """Synchronise users and groups from a directory.

1. **Administration → Directories → Add directory → LDAP**.
2. Use `ldaps://` on port 636; plain LDAP sends passwords in clear text.
3. Base DN, for example `ou=people,dc=example,dc=com`.
4. User filter: `(&(objectClass=person)(mail=*))`.
5. Run **Test connection**, then **Synchronise now**.

If the test fails with `javax.naming.CommunicationException`, the server does not trust
the directory's certificate: import it with `orbit-admin trust import ldap.pem`.
""",
    ),
    DemoArticle(
        "Collect a support bundle before escalating",
        "orbit-server",
        (),
        "how_to",
        "partners",
        "support-bundle, escalation, logs",
        """Every escalation needs a support bundle from the **vanilla reproduction
environment**, not from the customer's system.

```
orbit-admin support-bundle --since 24h --output /tmp/bundle.zip
```

The bundle holds the server log, the configuration (passwords removed), thread dumps
and the database schema version. Attach it to the escalation together with the steps
to reproduce, the expected and the actual result.
""",
    ),
    DemoArticle(
        "Orbit Server 4.2.0 release notes",
        "orbit-server",
        ("4.2.0",),
        "release_note",
        "public",
        "release-notes, upgrade, export",
        """Released 20 April 2026.

## New
- Export of files larger than 2 GB.
- SAML sign-in with several identity providers.
- Faster search indexing (up to 3× on large projects).

## Fixed
- Export hangs on files larger than 2 GB.
- The search index could be corrupted by an unclean shutdown.

## Upgrade notes
Upgrade from 4.0.x or 4.1.x directly. Back up the database first.
""",
    ),
    DemoArticle(
        "Orbit Server 4.1.0 release notes",
        "orbit-server",
        ("4.1.0",),
        "release_note",
        "public",
        "release-notes",
        """Released 15 September 2025.

- Project templates.
- Audit log export to CSV.
- Known issue: exports of files larger than 2 GB hang (fixed in 4.2.0).
""",
    ),
    DemoArticle(
        "Upgrade from 4.0 to 4.2 without downtime",
        "orbit-server",
        ("4.0.0", "4.1.0", "4.2.0"),
        "how_to",
        "partners",
        "upgrade, cluster",
        """A rolling upgrade keeps a cluster of two or more nodes available.

1. Back up the database and the shared storage.
2. Take node 1 out of the load balancer, upgrade it, start it, check `/health`.
3. Put it back, then repeat on each other node.
4. When every node runs 4.2, run `orbit-admin db migrate --finalise`.

Single-node installations need a maintenance window of about 15 minutes.
""",
    ),
    DemoArticle(
        "Search index corrupt after an unclean shutdown",
        "orbit-server",
        ("4.0.0", "4.1.0"),
        "known_issue",
        "partners",
        "search, database",
        """## Symptoms
After a power cut, search returns no results or the log shows
`IndexCorruptedException`.

## Workaround
Stop the server, delete `data/index/`, start it again: the index rebuilds in the
background (about 10 minutes per 100,000 documents).

Fixed in 4.2.0, which writes the index atomically.
""",
    ),
    DemoArticle(
        "Push notifications stop after an APNs certificate renewal",
        "orbit-mobile",
        ("2.1.0",),
        "known_issue",
        "public",
        "push-notifications, certificates, ios",
        """## Symptoms
iOS devices stop receiving push notifications after the Apple Push Notification
service certificate was renewed on the server.

## Cause
The server caches the old certificate until it restarts.

## Workaround
Restart the push gateway: `orbit-admin service restart push-gateway`.
""",
    ),
    DemoArticle(
        "Enrol devices with mobile device management (MDM)",
        "orbit-mobile",
        (),
        "how_to",
        "partners",
        "mdm, enrolment, android, ios",
        """Orbit Mobile supports managed app configuration (AppConfig).

| key | example | meaning |
|---|---|---|
| `serverUrl` | `https://orbit.example.com` | the Orbit Server address |
| `ssoOnly` | `true` | hide the password form |
| `allowScreenshots` | `false` | block screenshots in the app |

Push the configuration from your MDM console, then install the app on the devices.
""",
    ),
    DemoArticle(
        "Orbit Mobile 2.1.0 release notes",
        "orbit-mobile",
        ("2.1.0",),
        "release_note",
        "public",
        "release-notes",
        """Released 12 January 2026.

- Offline mode for documents marked as favourites.
- Managed app configuration (AppConfig) keys `ssoOnly` and `allowScreenshots`.
- Fixed: the app could log out when switching networks.
""",
    ),
    DemoArticle(
        "Training: Orbit Server 4.2 administration essentials",
        "orbit-server",
        ("4.2.0",),
        "training_material",
        "partners",
        "training, administration",
        """Material for the 4.2 certification session.

## Agenda
1. Architecture: application nodes, database, shared storage, search index.
2. Installing and upgrading (rolling upgrades).
3. Authentication: local accounts, LDAP, SAML.
4. Reproducing an issue on a vanilla environment.
5. Collecting a support bundle.

![Orbit](/static/favicon.svg)

The quiz at the end has 10 questions; the pass mark is 80 %.
""",
    ),
    DemoArticle(
        "Training: troubleshooting Orbit Mobile sync",
        "orbit-mobile",
        (),
        "training_material",
        "partners",
        "training, sync",
        """How synchronisation works and how to read the device log.

- The app syncs every 5 minutes and on every launch.
- Conflicts keep both versions; the newer one wins in the list.
- Device logs: **Settings → About → Send diagnostics**.
""",
    ),
    DemoArticle(
        "Memory growth in the indexing worker under heavy load",
        "orbit-server",
        ("4.2.0",),
        "known_issue",
        "internal",
        "performance, memory, search",
        """Internal analysis, not for partners yet.

The indexing worker keeps parsed documents in a cache that is never trimmed when more
than 50 documents per second arrive. Heap grows by about 200 MB per hour.

- Ticket: ENG-4821.
- Mitigation for affected customers: `indexer.cache.max_entries=5000`.
- Fix planned for 4.2.1.
""",
    ),
    DemoArticle(
        "Escalation triage checklist for vendor engineers",
        None,
        (),
        "how_to",
        "internal",
        "escalation, triage",
        """Before accepting an escalation:

1. The technician is certified for the product and the release is supported.
2. Steps to reproduce, expected and actual result are complete.
3. The support bundle comes from the partner's vanilla environment.
4. Search the knowledge base: if an article covers the problem, reject as
   `documented_in_kb` and link the article.
""",
        author="admin@vendor.example",
    ),
    DemoArticle(
        "Hotfix 4.2.1: database connection pool exhaustion",
        "orbit-server",
        ("4.2.0",),
        "known_issue",
        "internal",
        "database, hotfix",
        """Draft for the hotfix announcement.

Under more than 400 concurrent users the connection pool (default 50) is exhausted and
requests fail with `PoolTimeoutException`. 4.2.1 raises the default to 150 and releases
connections held by long exports.
""",
        published=False,
    ),
    DemoArticle(
        "Reset a locked administrator account",
        "orbit-server",
        (),
        "how_to",
        "public",
        "authentication, accounts",
        """After five failed sign-ins an account is locked for 15 minutes. To unlock the
last administrator at once, on the server:

```
orbit-admin user unlock admin@example.com
```
""",
    ),
    DemoArticle(
        "Orbit Mobile crashes at start on Android 15",
        "orbit-mobile",
        ("2.0.0", "2.1.0"),
        "known_issue",
        "partners",
        "android, crash",
        """## Symptoms
The app closes immediately after the splash screen on Android 15 devices.

## Workaround
Clear the app's storage, then sign in again. A fix ships with 2.2.0.
""",
    ),
    DemoArticle(
        "Back up and restore Orbit Server",
        "orbit-server",
        (),
        "how_to",
        "public",
        "backup, database",
        """A complete backup has three parts, taken in this order:

1. The database (`pg_dump -Fc orbit > orbit.dump`).
2. The shared storage volume (a snapshot or `rsync`).
3. The configuration directory `/etc/orbit`.

Restore in the reverse order, then rebuild the search index:
`orbit-admin search reindex`.
""",
    ),
    DemoArticle(
        "Clustering 3.8 with shared NFS storage",
        "orbit-server",
        ("3.8.0",),
        "how_to",
        "partners",
        "cluster, storage, nfs",
        """For 3.8 clusters only: mount the shared storage over NFS v4 with
`hard,timeo=600` on every node and point `storage.path` at the mount.
""",
    ),
    DemoArticle(
        "Orbit Mobile 2.2.0 release notes (preview)",
        "orbit-mobile",
        (),
        "release_note",
        "public",
        "release-notes",
        """Planned for June 2026.

- Android 15 start-up crash fixed.
- Biometric unlock.
""",
        published=False,
    ),
    DemoArticle(
        "Sizing guide: servers for 500 to 5,000 seats",
        "orbit-server",
        (),
        "how_to",
        "partners",
        "sizing, performance",
        """| seats | application nodes | CPU / RAM per node | database |
|---:|---:|---|---|
| 500 | 1 | 4 vCPU / 16 GB | 4 vCPU / 16 GB |
| 2,000 | 2 | 8 vCPU / 32 GB | 8 vCPU / 32 GB |
| 5,000 | 3 | 8 vCPU / 32 GB | 16 vCPU / 64 GB |

Put the search index on SSD storage.
""",
    ),
    DemoArticle(
        "Rotate the TLS certificate of Orbit Server",
        "orbit-server",
        (),
        "how_to",
        "public",
        "certificates, tls",
        """1. Put the new certificate and key in `/etc/orbit/tls/`.
2. Run `orbit-admin tls check` to validate the chain.
3. Run `orbit-admin service reload web`: no restart, no downtime.
""",
    ),
)


def _input(demo: DemoArticle, world) -> ArticleInput:
    product = world["products"].get(demo.product) if demo.product else None
    release_ids = [find_release(product, v).id for v in demo.releases] if product else []
    return ArticleInput(
        title=demo.title,
        body=demo.body,
        kind=demo.kind,
        visibility=demo.visibility,
        product_id=product.id if product else None,
        release_ids=release_ids,
        tags=demo.tags,
    )


def seed(world: dict) -> None:
    users = world["users"]
    articles = {}
    for demo in ARTICLES:
        articles[demo.title] = create_article(
            _input(demo, world), actor=users[demo.author], publish=demo.published
        )

    # A little history: the export article got its fix, the SSO article a tip.
    export = articles["Export hangs on files larger than 2 GB"]
    data = _input(ARTICLES[0], world)
    data.body += "\nIf you cannot upgrade yet, ask for hotfix **4.1.3**.\n"
    data.note = "Mention the 4.1.3 hotfix"
    update_article(export, data, actor=users["admin@vendor.example"])
    sso = articles["Configure single sign-on with SAML 2.0"]
    data = _input(ARTICLES[1], world)
    data.body = data.body.replace("Azure AD", "Microsoft Entra ID (Azure AD)")
    data.note = "Azure AD is now Microsoft Entra ID"
    update_article(sso, data, actor=users["engineer@vendor.example"])

    # Articles that list only releases before 4.0.0 (the newest major) need a look.
    server = world["products"]["orbit-server"]
    flag_articles_for_major_release(find_release(server, "4.0.0"), actor=None)

    for email, helpful in (
        ("tech@acme.example", True),
        ("tech@globex.example", True),
        ("admin@acme.example", False),
    ):
        vote(export, users[email], helpful)
    vote(sso, users["tech@acme.example"], True)
    world["kb_articles"] = articles
