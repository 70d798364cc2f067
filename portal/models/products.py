"""Products and their releases."""

from datetime import date

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db


class Product(db.Model):
    __tablename__ = "products"
    tenant_free = True

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="", server_default="")

    releases = relationship(
        "Release",
        back_populates="product",
        order_by="Release.released_on.desc(), Release.id.desc()",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Product {self.slug}>"

    @property
    def supported_releases(self) -> list["Release"]:
        return [r for r in self.releases if r.supported]


class Release(db.Model):
    """A product release. "Vanilla" means an unmodified release whose `supported` flag is set."""

    __tablename__ = "releases"
    tenant_free = True
    __table_args__ = (
        UniqueConstraint("product_id", "version", name="uq_releases_product_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    version: Mapped[str] = mapped_column(String(40))
    released_on: Mapped[date] = mapped_column(Date)
    major: Mapped[bool] = mapped_column(default=False, server_default="0")
    supported: Mapped[bool] = mapped_column(default=True, server_default="1")

    product = relationship("Product", back_populates="releases")

    def __repr__(self) -> str:
        return f"<Release {self.product_id}:{self.version}>"

    @property
    def label(self) -> str:
        return f"{self.product.name} {self.version}"


def find_release(product: Product, version: str) -> Release | None:
    return db.session.scalar(
        select(Release).where(Release.product_id == product.id, Release.version == version)
    )
