"""Knowledge-base pages: search, articles, the editor, revision history, votes.

The same URLs serve anonymous readers (public articles) and signed-in users (what
their role may see); `services.visible_articles` decides, `get_visible_article_or_404`
loads. Editing is for the roles that write articles.
"""

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from knowledge_base import confirmations as _confirmations  # noqa: F401  (their words)
from knowledge_base import listing, search, services, votes
from knowledge_base.diff import revision_diff
from knowledge_base.forms import ArticleForm, ConfirmForm, VoteForm
from knowledge_base.models import KIND_LABELS, KINDS, STATUSES, Article
from knowledge_base.rendering import render_for_reading
from knowledge_base.services import EDITOR_ROLES, get_visible_article_or_404
from portal.access import current_principal, public, roles_required, signed_in
from portal.confirm import ask_to_confirm, confirmation, is_confirmed
from portal.errors import DomainError, json_error
from portal.extensions import db
from portal.ids import query_id
from portal.models import Product
from portal.signals import major_release_published

bp = Blueprint("kb", __name__, url_prefix="/kb", template_folder="templates", cli_group=None)

PER_PAGE = 20


class CappedCount(int):
    """A count that stops at a bound; shown as "1,000+" when more were not counted."""

    def __new__(cls, value: int, more: bool = False):
        count = super().__new__(cls, value)
        count.more = more
        return count

    def __str__(self) -> str:
        return f"{int(self):,}{'+' if self.more else ''}"


class ResultsPage(Pagination):
    """Search results in the shape the pager macro reads (page, pages, iter_pages…)."""

    def __init__(self, results: search.SearchResults):
        self.page, self.per_page, self.max_per_page = results.page, results.per_page, None
        self.items, self.total = results.hits, CappedCount(results.total, results.more)


# --- Reading -------------------------------------------------------------------------------


def _filters_from_args(reader) -> search.SearchFilters:
    args = request.args
    kind = args.get("kind") if args.get("kind") in KINDS else None
    status = args.get("status") if args.get("status") in STATUSES else None
    return search.SearchFilters(
        product=(args.get("product") or "").strip()[:60] or None,
        kind=kind,
        tag=(args.get("tag") or "").strip()[:40] or None,
        status=status,
        needs_review=args.get("review") == "1",
    )


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 10_000))
    except ValueError:
        return 1


VIEW_COOKIE = "kb_view"


def _chosen_view() -> tuple[str, bool]:
    """Cards or the compact list: as the link asked (remembered in a cookie), or as last
    chosen; and whether the request chose it."""
    asked = request.args.get("view")
    if asked in listing.VIEWS:
        return asked, True
    remembered = request.cookies.get(VIEW_COOKIE)
    return (remembered if remembered in listing.VIEWS else "cards"), False


@bp.get("/")
@public
def index():
    reader = current_principal()
    filters = _filters_from_args(reader)
    query = request.args.get("q", "")
    view, chosen = _chosen_view()
    ranked = bool(" ".join(query.split()))
    sorting = listing.sort_options(reader, ranked=ranked).from_request()
    results = search.search_articles(
        query, reader, filters=filters, page=_page_number(), per_page=PER_PAGE, sorting=sorting
    )
    products = db.session.scalars(select(Product).order_by(Product.name)).all()
    tallies = (
        listing.tallies_for([hit.article.id for hit in results.hits])
        if view == "list" and listing.shows_tallies(reader)
        else None
    )
    response = make_response(
        render_template(
            "kb/index.html",
            results=results,
            page=ResultsPage(results),
            filters=filters,
            products=products,
            kinds=KIND_LABELS,
            popular_tags=search.popular_tags(reader),
            can_edit=services.is_editor(reader),
            view=view,
            sorting=sorting,
            order_words=listing.ORDER_WORDS[(sorting.key, sorting.direction)],
            search_order=listing.is_search_order(sorting),
            tallies=tallies,
        )
    )
    if chosen:
        response.set_cookie(
            VIEW_COOKIE,
            view,
            max_age=365 * 24 * 3600,
            path=bp.url_prefix,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure,
        )
    return response


@bp.get("/articles/<slug>")
@public
def article(slug: str):
    reader = current_principal()
    article = get_visible_article_or_404(slug, reader)
    return render_template(
        "kb/article.html",
        article=article,
        body_html=render_for_reading(article.body),
        related=services.related_articles(article, reader),
        my_vote=votes.vote_of(article, reader),
        counts=votes.counts_for(article, reader),
        can_edit=services.is_editor(reader),
        vote_form=VoteForm(),
        confirm_form=ConfirmForm(),
    )


@bp.post("/articles/<slug>/vote")
@signed_in
def vote(slug: str):
    reader = current_principal()
    article = get_visible_article_or_404(slug, reader)
    form = VoteForm()
    if not form.validate_on_submit():
        flash("Choose whether the article was helpful.", "error")
        return redirect(url_for("kb.article", slug=article.slug, _anchor="helpful"))
    votes.vote(article, reader, helpful=form.helpful.data == "yes")
    db.session.commit()
    flash("Thank you for your feedback.", "success")
    return redirect(url_for("kb.article", slug=article.slug, _anchor="helpful"))


# --- Writing ----------------------------------------------------------------------------------


def _render_editor(form: ArticleForm, article: Article | None, status: int = 200):
    """The editor, with the text as it will read beside it (kb_editor.js keeps it live)."""
    return render_template(
        "kb/edit.html", form=form, article=article, preview=render_for_reading(form.body.data or "")
    ), status


def _save_from_form(form: ArticleForm, article: Article | None):
    """Preview, or validate and save; returns a response."""
    reader = current_principal()
    if form.is_submitted() and form.preview.data:  # the Preview button, without JavaScript
        form.validate()
        return _render_editor(form, article)
    if not form.validate_on_submit():
        return _render_editor(form, article, status=400 if form.is_submitted() else 200)
    try:
        if article is None:
            article = services.create_article(
                form.article_input(), actor=reader, publish=bool(form.publish.data)
            )
            changed = True
        else:
            changed = services.update_article(
                article,
                form.article_input(),
                actor=reader,
                expected_revision=form.expected_revision(),
                publish=bool(form.publish.data),
            )
    except DomainError as exc:
        db.session.rollback()
        form.add_service_errors(exc.fields)
        if not exc.fields:
            form.form_errors.append(exc.message)
        return _render_editor(form, article, status=exc.status if exc.status != 422 else 400)
    db.session.commit()
    if changed:
        state = "published" if article.is_published else "saved as a draft"
        flash(f"“{article.title}” {state} (revision {article.revision_number}).", "success")
    else:
        flash("Nothing changed, so no new revision was saved.", "info")
    return redirect(url_for("kb.article", slug=article.slug))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def new():
    form = ArticleForm()
    if not form.is_submitted():
        form.kind.data, form.visibility.data = "how_to", "partners"
    return _save_from_form(form, None)


@bp.route("/articles/<slug>/edit", methods=["GET", "POST"])
@roles_required(*EDITOR_ROLES)
def edit(slug: str):
    article = get_visible_article_or_404(slug, current_principal())
    form = ArticleForm() if request.method == "POST" else ArticleForm.for_article(article)
    return _save_from_form(form, article)


@bp.post("/preview")
@roles_required(*EDITOR_ROLES)
def preview():
    """The editor's live preview: `{"body": markdown}` in, `{"html": safe html}` out.

    The same sanitising renderer as the article page; nothing is saved. A JSON POST with
    the page's CSRF token in the X-CSRFToken header.
    """
    payload = request.get_json(silent=True)
    body = payload.get("body") if isinstance(payload, dict) else None
    if not isinstance(body, str):
        return json_error(
            400,
            "validation_error",
            'Send the text as JSON: {"body": "..."}.',
            {"body": "Required, a string."},
        )
    if len(body) > services.BODY_MAX:
        message = f"At most {services.BODY_MAX:,} characters."
        return json_error(400, "validation_error", message, {"body": message})
    return {"html": str(render_for_reading(body))}, 200, {"Cache-Control": "no-store"}


def _confirmed_action(slug: str, action, success: str, asked: str | None = None):
    """A one-button action on an article; `asked` names its confirmation, if it needs one."""
    article = get_visible_article_or_404(slug, current_principal())
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(url_for("kb.article", slug=slug))
    if asked and not is_confirmed():
        return ask_to_confirm(
            confirmation(asked, article=article),
            cancel_url=url_for("kb.article", slug=article.slug),
        )
    action(article, actor=current_principal())
    db.session.commit()
    flash(success.format(title=article.title), "success")
    return redirect(url_for("kb.article", slug=article.slug))


@bp.post("/articles/<slug>/publish")
@roles_required(*EDITOR_ROLES)
def publish(slug: str):
    return _confirmed_action(slug, services.publish_article, "“{title}” is published.")


@bp.post("/articles/<slug>/unpublish")
@roles_required(*EDITOR_ROLES)
def unpublish(slug: str):
    return _confirmed_action(
        slug,
        services.unpublish_article,
        "“{title}” is back to draft: only editors see it now.",
        asked="kb.unpublish",
    )


@bp.post("/articles/<slug>/reviewed")
@roles_required(*EDITOR_ROLES)
def mark_reviewed(slug: str):
    return _confirmed_action(slug, services.mark_reviewed, "“{title}” is marked as reviewed.")


# --- History ----------------------------------------------------------------------------------


@bp.get("/articles/<slug>/history")
@roles_required(*EDITOR_ROLES)
def history(slug: str):
    article = get_visible_article_or_404(slug, current_principal())
    return render_template(
        "kb/history.html",
        article=article,
        revisions=services.revisions_of(article),
        confirm_form=ConfirmForm(),
    )


@bp.get("/articles/<slug>/revisions/<int:number>")
@roles_required(*EDITOR_ROLES)
def revision(slug: str, number: int):
    article = get_visible_article_or_404(slug, current_principal())
    shown = services.get_revision_or_404(article, number)
    compare_to = query_id("compare")
    if compare_to is None:
        compare_to = number - 1
    base = (
        services.get_revision_or_404(article, compare_to)
        if compare_to >= 1 and compare_to != number
        else None
    )
    return render_template(
        "kb/revision.html",
        article=article,
        revision=shown,
        diff=revision_diff(base, shown),
        confirm_form=ConfirmForm(),
        revisions=services.revisions_of(article),
    )


@bp.post("/articles/<slug>/revisions/<int:number>/restore")
@roles_required(*EDITOR_ROLES)
def restore(slug: str, number: int):
    reader = current_principal()
    article = get_visible_article_or_404(slug, reader)
    shown = services.get_revision_or_404(article, number)
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(url_for("kb.history", slug=slug))
    expected = int(form.revision.data) if (form.revision.data or "").isdigit() else None
    if shown.number != article.revision_number and not is_confirmed():
        return ask_to_confirm(
            confirmation("kb.restore", article=article, number=number),
            cancel_url=url_for("kb.revision", slug=article.slug, number=number),
            values={"revision": form.revision.data},
        )
    services.restore_revision(article, shown, actor=reader, expected_revision=expected)
    db.session.commit()
    flash(f"Revision {number} restored as revision {article.revision_number}.", "success")
    return redirect(url_for("kb.article", slug=article.slug))


# --- Reactions to the rest of the portal ------------------------------------------------


@major_release_published.connect
def _flag_outdated_articles(release, actor=None, **_):
    """A new major release: articles that apply only to older releases need a review."""
    services.flag_articles_for_major_release(release, actor=actor)


# --- Maintenance --------------------------------------------------------------------------------


@bp.cli.command("reindex")
def reindex_command():
    """Rebuild the knowledge-base search index from the articles."""
    import click

    count = search.reindex()
    db.session.commit()
    click.echo(f"Search index rebuilt for {count} article(s).")
