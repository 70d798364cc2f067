"""What the knowledge base's destructive actions say before they happen (see portal.confirm)."""

from portal.confirm import Confirmation, confirmation_builder

READERS = {
    "public": "anyone, signed in or not,",
    "partners": "partner users",
    "internal": "vendor staff",
}


@confirmation_builder("kb.unpublish")
def unpublish(article) -> Confirmation:
    readers = READERS.get(article.visibility, "readers")
    return Confirmation(
        question=f"Unpublish “{article.title}”?",
        consequence=(
            f"It goes back to draft at once: {readers} can no longer open it or find it in "
            "search, and links to it answer “not found”. Only editors see it until it is "
            "published again."
        ),
        action="Unpublish",
    )


@confirmation_builder("kb.restore")
def restore(article, number: int) -> Confirmation:
    seen = " Readers see it at once." if article.is_published else ""
    return Confirmation(
        question=f"Restore revision {number} of “{article.title}”?",
        consequence=(
            f"Its title, text, kind, product, releases and tags replace the current ones, "
            f"saved as revision {article.revision_number + 1}.{seen} Revision "
            f"{article.revision_number} stays in the history; who may read the article does "
            "not change."
        ),
        action=f"Restore revision {number}",
        danger=False,
    )
