"""Demo: a certification quiz after the training of each supported major release.

The banks are written in Moodle's GIFT format below and read by the same importer as the
vendor admin's upload: twelve questions each (single and multiple choice, with feedback
and explanations), about what the demo knowledge base documents. Each attempt draws ten;
the pass mark is 70 %, the time limit 15 minutes. Open from the day the demo is loaded;
the quizzes are left in `world["quizzes"]`, keyed like the sessions.
"""

from certification.gift import import_bank
from certification.quizzes import QuizSettings, create_quiz

# GIFT text: each line is as long as its question or answer (hence the noqa).
ORBIT_SERVER = r"""// Orbit Server 4.0 certification: administration and first-line troubleshooting.
$CATEGORY: Orbit Server/4.0

::Rolling upgrade::What does a rolling upgrade of Orbit Server need to keep the service available? {
	=A cluster of two or more application nodes behind the load balancer#Right\: each node is upgraded while the others serve.
	~A single node with a second database#No\: the database is not what serves the users.
	~Nothing special\: every upgrade is online#No\: a single node needs a maintenance window.
	####Take one node out of the load balancer, upgrade it, check /health, put it back, then the next; a single-node installation needs about 15 minutes of maintenance.
}

::LDAPS::Which directory address should Orbit Server use to synchronise users from Active Directory? {
	=ldaps\://dc.example.com\:636
	~ldap\://dc.example.com\:389#Plain LDAP sends passwords in clear text.
	~https\://dc.example.com/ldap
	####Use ldaps\:// on port 636: plain LDAP on 389 sends the bind password in clear text.
}

::Trust::The LDAP connection test fails with javax.naming.CommunicationException. What fixes it? {
	=Importing the directory's certificate with orbit-admin trust import ldap.pem#Right\: the server did not trust the certificate.
	~Switching to plain LDAP on port 389#That hides the problem and sends passwords in clear text.
	~Restarting the directory server
	####This exception means Orbit Server does not trust the directory's TLS certificate; import it with orbit-admin trust import.
}

::Bundle source::Where must the support bundle attached to an escalation come from? {
	=The partner's vanilla reproduction environment
	~The customer's production server#No\: the vendor reproduces on the vanilla product, not on a customised system.
	~Any server running the same major version
	####Escalations are reproduced on an unmodified, supported release: the bundle comes from that environment, collected with orbit-admin support-bundle --since 24h.
}

::Bundle contents::What does a support bundle contain? (Choose every right answer.) {
	~%25%The server log
	~%25%The configuration, with passwords removed
	~%25%Thread dumps
	~%25%The database schema version
	~%-100%The customer's documents#No\: a bundle holds no user content.
	####orbit-admin support-bundle gathers logs, the configuration without secrets, thread dumps and the schema version, nothing the users stored.
}

::Backup parts::Which parts make a complete backup of Orbit Server? (Choose every right answer.) {
	~%33.33333%The database
	~%33.33333%The shared storage volume
	~%33.33333%The configuration directory /etc/orbit
	~%-100%The search index#No\: the index is rebuilt after a restore.
	####Back up the database, then the shared storage, then /etc/orbit; the search index is rebuilt from them.
}

::Restore::After restoring the database, the storage and the configuration, what is left to do? {
	=Rebuild the search index with orbit-admin search reindex
	~Nothing\: the index was in the backup#The index is not part of a backup.
	~Re-run the installer
	####A restore is completed by orbit-admin search reindex, since the index is never backed up.
}

::Lockout::A customer's only administrator mistyped the password five times. What happened, and what is the fastest fix? {
	=The account is locked for 15 minutes; orbit-admin user unlock unlocks it at once
	~The account is deleted and must be recreated
	~The server stops accepting sign-ins until it restarts
	####Five failed sign-ins lock an account for 15 minutes; on the server, orbit-admin user unlock <address> lifts the lock immediately.
}

::SAML fallback::When you switch Orbit Server to SAML single sign-on, why keep one local administrator account? {
	=It still signs in if the identity provider is down
	~SAML requires at least one local account to start
	~Local accounts are needed for the API
	####Test the SAML sign-in in a private window first, and keep one local administrator for the day the identity provider is unreachable.
}

::Identity providers::Which identity providers can sign users in to Orbit Server over SAML 2.0? (Choose every right answer.) {
	~%33.33333%Azure AD
	~%33.33333%Okta
	~%33.33333%Keycloak
	~%-100%A plain NIS server#NIS does not speak SAML.
	####Any SAML 2.0 identity provider works: Azure AD, Okta, Keycloak and ADFS among them.
}

::Index after power cut::After a power cut, search returns no results and the log shows IndexCorruptedException. What is the workaround on 4.0 and 4.1? {
	=Stop the server, delete data/index/, start it: the index rebuilds in the background
	~Restore yesterday's database backup
	~Nothing\: it repairs itself at the next nightly job
	####The index rebuilds at about 10 minutes per 100,000 documents; 4.2.0 writes it atomically, so the problem is gone there.
}

::Before escalating::A customer reports a bug. What must be true before a partner escalates it to the vendor? (Choose every right answer.) {
	~%33.33333%It was reproduced on the vanilla product, on the partner's registered environment
	~%33.33333%The knowledge base was searched for it
	~%33.33333%Steps to reproduce, expected and actual results are written down
	~%-100%It only happens with the customer's customisation#Problems caused by customisation are not the vendor's.
	####The vendor looks at problems of the product itself: reproduced on an unmodified supported release, not documented in the knowledge base, with the steps and results.
}
"""  # noqa: E501

ORBIT_MOBILE = r"""// Orbit Mobile 2.0 certification for support technicians.
$CATEGORY: Orbit Mobile/2.0

::Sync::When does Orbit Mobile synchronise with the server? {
	=Every 5 minutes and each time the app starts
	~Only when the user pulls down to refresh
	~Once a night over Wi-Fi
	####The app syncs every 5 minutes and on every launch; a sync problem shows in the device log.
}

::Conflicts::The same document was changed on two devices while offline. What does the app do? {
	=It keeps both versions; the newer one comes first in the list
	~It keeps the version saved last on the server and discards the other#No\: nothing is discarded.
	~It asks the administrator to choose
	####Conflicts never lose work: both versions are kept and the newer one wins the place in the list.
}

::Diagnostics::Where does a user send the device log from? {
	=Settings → About → Send diagnostics
	~The MDM console#The MDM console configures the app; it does not collect its log.
	~A long press on the app icon
	####Ask for the diagnostics (Settings → About → Send diagnostics) before escalating a device problem.
}

::AppConfig keys::Which keys does Orbit Mobile read from managed app configuration (AppConfig)? (Choose every right answer.) {
	~%33.33333%serverUrl
	~%33.33333%ssoOnly
	~%33.33333%allowScreenshots
	~%-100%syncInterval#The sync interval is not configurable.
	####serverUrl sets the server, ssoOnly hides the password form, allowScreenshots=false blocks screenshots.
}

::SSO only::What does the managed setting ssoOnly\=true change in the app? {
	=The password form is hidden: users sign in through single sign-on only
	~Screenshots are blocked
	~The app stops syncing outside the company network
	####ssoOnly\=true hides the password form; single sign-on is the only way in.
}

::Screenshots::A customer's security team wants to block screenshots in the app. What do you set? {
	=allowScreenshots\=false in the MDM's app configuration
	~ssoOnly\=true#That hides the password form, it does not block screenshots.
	~A device-wide restriction is the only way
	####AppConfig allowScreenshots\=false, pushed from the MDM console, blocks screenshots inside Orbit Mobile.
}

::MDM order::In which order do you enrol devices with an MDM? {
	=Push the app configuration from the MDM console, then install the app on the devices
	~Install the app, sign in by hand, then push the configuration
	~Send users the server address by e-mail
	####With the configuration pushed first, the app starts with the right server and settings on every device.
}

::Push after renewal::iOS devices stopped receiving push notifications right after the APNs certificate was renewed. What is the workaround? {
	=Restart the push gateway with orbit-admin service restart push-gateway#Right\: it cached the old certificate.
	~Reinstall the app on every device
	~Renew the certificate again
	####The server caches the old certificate until the push gateway restarts.
}

::Android 15::Orbit Mobile closes right after the splash screen on an Android 15 phone. What do you tell the user? {
	=Clear the app's storage, then sign in again
	~Downgrade Android
	~Wait for the next sync
	####A known issue of 2.0 and 2.1 on Android 15: clearing the app's storage works around it until 2.2.0.
}

::Offline favourites::Since 2.1.0, which documents can be read offline? {
	=Documents marked as favourites
	~Every document opened in the last week
	~None\: the app needs a connection#That changed in 2.1.0.
	####2.1.0 added an offline mode for documents marked as favourites.
}

::Platforms::On which platforms can devices be enrolled with an MDM for Orbit Mobile? (Choose every right answer.) {
	~%50%iOS
	~%50%Android
	~%-100%Windows Phone#There is no Orbit Mobile for Windows Phone.
	####Managed app configuration works on iOS and Android devices.
}

::Mobile escalation::What should a mobile escalation include? (Choose every right answer.) {
	~%33.33333%The diagnostics sent from the device
	~%33.33333%The app version and the device's operating system version
	~%33.33333%Steps to reproduce on the vanilla server release
	~%-100%The user's password#Never ask for or send a user's password.
	####Diagnostics, versions and steps let the vendor reproduce the problem; no credentials ever.
}
"""  # noqa: E501

#: The GIFT bank of each session's quiz, by the session's key.
BANKS = {"orbit-server 4.0.0": ORBIT_SERVER, "orbit-mobile 2.0.0": ORBIT_MOBILE}


def seed(world: dict) -> None:
    admin = world["users"]["admin@vendor.example"]
    world["quizzes"] = {}
    for key, session in world["training_sessions"].items():
        release = session.release
        if not (release.major and release.supported) or key not in BANKS:
            continue
        quiz = create_quiz(
            session,
            QuizSettings(
                title=f"{release.label} certification quiz",
                questions_per_attempt=10,
                pass_mark=70,
                time_limit_s=15 * 60,
                attempts_per_window=3,
                window_hours=24,
                cooldown_minutes=60,
                show_feedback=True,
            ),
            actor=admin,
        )
        import_bank(quiz, BANKS[key], actor=admin)
        world["quizzes"][key] = quiz
