"""The directory's filters and paging, validated once for the API, the web and the CLI."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from filiera.registry.schemas import OrgKind

PAGE_SIZE_MAX = 200  # the largest page any listing returns
PAGE_SIZE = 50
Sort = Literal["name", "country", "newest"]
# Counts stop here unless asked for exactly: beyond it a listing says "more than 1,000".
# The web pager numbers 20 pages of 50 (1,000 rows) and follows a cursor beyond, so a
# larger exact count would tell a reader nothing the pager uses; it cost a quarter of a
# directory page's time at 100,000 organisations (10,001 index entries per view).
COUNT_CAP = 1_000
CountMode = Literal["capped", "exact"]


class OrgFilter(BaseModel):
    """Directory filters; every field is optional and they combine with AND."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    q: Annotated[str | None, Field(description="Name or alias contains")] = None
    country: Annotated[str | None, Field(pattern="^[A-Za-z]{2}$", examples=["IT"])] = None
    region: Annotated[str | None, Field(description="NUTS code prefix", examples=["ITC4"])] = None
    kind: OrgKind | None = None
    capability: Annotated[str | None, Field(examples=["space"])] = None
    certification: Annotated[str | None, Field(examples=["en9100"])] = None
    cluster: Annotated[int | None, Field(ge=1, description="Cluster organisation id")] = None
    synthetic: bool | None = None
